"""The web tests' fixtures (defined in web.fixtures, shared with tests/e2e)."""

from web.fixtures import desk, ingested_desk, server

__all__ = ["desk", "ingested_desk", "server"]
