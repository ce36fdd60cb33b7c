"""Mail addresses as config files give them: `desk@example.org` or `Desk <desk@example.org>`.

Recipients are checked by email-validator (syntax only, no DNS lookups); the sender, often
`watcher@localhost` on a single host, by the standard library's own address parser. Neither
may hold a line break or another control character: nothing typed in a file can add a
header or a recipient to a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.errors import HeaderParseError, MessageDefect
from email.headerregistry import Address

# `address` or `Display Name <address>`: one address, nothing else around it.
_MAILBOX = re.compile(r"(?P<name>[^<>]*)<(?P<address>[^<>\s]+)>|(?P<bare>[^<>\s]+)")


@dataclass(frozen=True, slots=True)
class Mailbox:
    """An address as mail headers need it: the plain address, and an optional display name."""

    address: str  # the domain normalized to lower case
    name: str = ""

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


def parse_mailbox(value: object, *, deliverable: bool = True) -> Mailbox:
    """Parse and check one address; ValueError says what is wrong. `deliverable=False`
    accepts local names such as `watcher@localhost` (a sender, not a recipient)."""
    if isinstance(value, Mailbox):
        return value
    if not isinstance(value, str):
        raise ValueError(f'expected an address like "desk@example.org", got "{value}"')
    if not value.isprintable():
        raise ValueError("an address may not hold line breaks or control characters")
    match = _MAILBOX.fullmatch(value.strip())
    if match is None:
        raise ValueError(
            f'"{value}" is not an address like "desk@example.org" or "Desk <desk@example.org>"'
        )
    name = (match.group("name") or "").strip().removeprefix('"').removesuffix('"')
    address = match.group("address") or match.group("bare")
    return Mailbox(_checked(value, address, deliverable), name.strip())


def _checked(value: str, address: str, deliverable: bool) -> str:
    if deliverable:
        # Imported here: only rule files with subscribers need it (0.05 s at every start).
        from email_validator import EmailNotValidError, validate_email  # noqa: PLC0415

        try:
            return validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValueError(f'"{value}": {exc}') from exc
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError, HeaderParseError, MessageDefect) as exc:
        # IndexError: the standard parser's answer to "name@" with nothing after the @
        raise ValueError(f'"{value}" is not an address like "watcher@example.org"') from exc
    return f"{parsed.username}@{parsed.domain.lower()}"
