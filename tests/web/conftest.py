"""The web tests' fixtures (defined in web.fixtures, shared with tests/e2e)."""

from web.fixtures import desk, server

__all__ = ["desk", "server"]
