"""The channel tests' fixtures (defined in notify.receiver, shared with tests/cli and e2e)."""

from notify.receiver import receiver

__all__ = ["receiver"]
