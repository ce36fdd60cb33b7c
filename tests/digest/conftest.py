"""The digest tests' fixtures (defined in digest.smtpd, shared with tests/e2e)."""

from digest.smtpd import certificate, smtpd

__all__ = ["certificate", "smtpd"]
