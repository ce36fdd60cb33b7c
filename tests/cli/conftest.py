"""The CLI tests' fixtures (defined in cli.deskcli with the helpers that drive them)."""

from cli.deskcli import desk

__all__ = ["desk"]
