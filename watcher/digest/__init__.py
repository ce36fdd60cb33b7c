"""Email digests: compose (pure), render (pure), deliver (transports), send (the outbox)."""
