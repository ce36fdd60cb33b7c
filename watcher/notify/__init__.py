"""Push channels: Apprise URLs (urls), the alert and summary composer (compose, pure), when
what goes (plan, pure), the Apprise transport (transport) and the outbox at work (send)."""
