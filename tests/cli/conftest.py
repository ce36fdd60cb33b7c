"""The CLI tests' fixtures (defined in cli.deskcli with the helpers that drive them)."""

from cli.deskcli import desk
from digest.smtpd import smtpd

__all__ = ["desk", "smtpd"]
