"""A `Digest` -> one `EmailMessage`: headers, a plain-text part and an HTML part (Jinja2).

Pure: the message id, date and sender come in as values; the only files read are the
packaged templates. Headers are built from header objects, never by pasting strings, and
anything that came from a rule file or an article is cleaned before it reaches a header
(a line break there would add headers or recipients) or escaped before it reaches HTML.
"""

from __future__ import annotations

import hashlib
import html
import re
import textwrap
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from watcher.addresses import Mailbox
from watcher.digest.model import Digest, DigestHit, Links, Section
from watcher.feeds.text import SNIPPET_WIDTH, headline, one_line, safe_url, xml_safe
from watcher.model import Span
from watcher.percolator.highlight import snippet

WIDTH = 72
TIME_FORMAT = "%Y-%m-%d %H:%M %Z"
# An explicit colour pair: readable on a light page and on a dark one, and dark-mode
# clients that recolour the message recolour both halves together.
MARK_STYLE = "background-color:#ffe066;color:#1a1a1a;padding:0 2px;border-radius:2px"
_MESSAGE_ID = re.compile(r"<[^<>@\s]+@[^<>@\s]+>")
_URL = re.compile(r"https?://", re.IGNORECASE)
_MARK = re.compile(r"</?mark>")
# What could end an address or start another in a header: refused, never quoted away.
_NOT_IN_ADDRESS = re.compile(r'[\s<>,;:"()\[\]\\]')

# C0 and C1 controls: in a header they could end it and start another.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class ItemView:
    """One article as both templates show it; every string already cleaned."""

    headline: str
    source: str
    when: str  # in the subscriber's zone
    published_iso: str
    snippet_html: Markup
    snippet_text: str
    page_url: str
    original_url: str | None
    also: tuple[str, ...]

    @property
    def meta(self) -> str:
        return " · ".join(part for part in (self.source, self.when) if part)


@dataclass(frozen=True, slots=True)
class SectionView:
    """One rule's part as both templates show it."""

    name: str
    title: str  # empty when the rule has no title of its own
    count: int
    items: tuple[ItemView, ...]
    more: int
    feed_url: str

    @property
    def heading(self) -> str:
        label = f"{self.title} ({self.name})" if self.title else self.name
        return f"{label}: {self.count} new"


def _listing(kind: str, names: list[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return f"the {kind} {names[0]}"
    return f"the {kind}s {', '.join(names[:-1])} and {names[-1]}"


def _follows(digest: Digest) -> str:
    """Why the recipient gets this: `follows the rules a and b and the tag c`."""
    rules = _listing("rule", [one_line(name) for name in digest.subscribed_rules])
    tags = _listing("tag", [one_line(tag) for tag in digest.subscribed_tags])
    if not rules and not tags:
        return "is one of its subscribers"
    return "follows " + " and ".join(part for part in (rules, tags) if part)


def _snippet_source(hit: DigestHit) -> tuple[str, list[Span]]:
    """The text to excerpt and its spans: body or lead where they matched; when only the
    headline (or source) did, the lead rather than the headline again."""
    for field, text in (("body", hit.body), ("lead", hit.lead)):
        spans = [span for span in hit.spans if span.field == field]
        if spans and text.strip():
            return text, spans
    if hit.title.strip():
        return (hit.lead if hit.lead.strip() else hit.body), []
    return "", []  # the headline is already the start of the lead or body


def _marked_text(marked_html: str) -> str:
    """A snippet from `highlight.snippet` as plain text, the marked words as `*word*`."""
    return html.unescape(_MARK.sub("*", marked_html))


def _item(hit: DigestHit, also: tuple[str, ...], zone: ZoneInfo, links: Links) -> ItemView:
    text, spans = _snippet_source(hit)
    marked = snippet(text, spans, width=SNIPPET_WIDTH) if text.strip() else ""
    published = hit.published.astimezone(zone)
    return ItemView(
        headline=headline(hit.title, hit.lead, hit.body),
        source=one_line(hit.source),
        when=published.strftime(TIME_FORMAT),
        published_iso=published.isoformat(),
        # snippet() escapes everything but its own <mark> tags: safe to embed as markup.
        snippet_html=Markup(marked.replace("<mark>", f'<mark style="{MARK_STYLE}">')),  # noqa: S704
        snippet_text=_marked_text(marked),
        page_url=links.article(hit.article_uid),
        original_url=safe_url(hit.url),
        also=tuple(one_line(name) for name in also),
    )


def _section(section: Section, zone: ZoneInfo, links: Links) -> SectionView:
    name, title = one_line(section.rule.name), one_line(section.rule.title)
    return SectionView(
        name=name,
        title="" if title == name else title,
        count=section.count,
        items=tuple(_item(entry.hit, entry.also, zone, links) for entry in section.entries),
        more=section.more,
        feed_url=section.feed_url,
    )


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("watcher.digest", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def _breakable(line: str, width: int) -> str:
    """The line with every word longer than `width` cut in pieces, except URLs."""
    words = line.split(" ")
    return " ".join(
        word
        if len(word) <= width or _URL.search(word)
        else " ".join(word[i : i + width] for i in range(0, len(word), width))
        for word in words
    )


def wrap(text: str, width: int = WIDTH) -> str:
    """Each line wrapped at `width` columns, keeping its indent (and hanging a `- ` item);
    a URL is never broken, so a line holding only a long URL may be longer."""
    out: list[str] = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line)  # as written: keeps the signature separator's trailing space
            continue
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        hang = indent + (2 if stripped.startswith("- ") else 0)
        wrapper = textwrap.TextWrapper(
            width=width,
            initial_indent=" " * indent,
            subsequent_indent=" " * hang,
            break_long_words=False,
            break_on_hyphens=False,
        )
        out.extend(wrapper.wrap(_breakable(stripped, max(1, width - hang))) or [""])
    return "\n".join(out) + "\n"


def _header_text(value: str) -> str:
    """Text for a header: control characters (CR, LF above all) become spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())


def _address(mailbox: Mailbox) -> tuple[Address, bool]:
    """The mailbox as a header object, and whether it needs SMTPUTF8 (a non-ASCII local part).
    A domain is written in ASCII (IDNA). An address holding a control character, or anything
    that could end it and start another, is refused."""
    if _CONTROL.search(mailbox.address):
        raise ValueError(f"refusing an address with control characters: {mailbox.address!r}")
    local, _, domain = mailbox.address.rpartition("@")
    if not local or "@" in local or not domain or _NOT_IN_ADDRESS.search(mailbox.address):
        raise ValueError(f"not an address: {mailbox.address!r}")
    ascii_domain = domain if domain.isascii() else domain.encode("idna").decode("ascii")
    address = Address(display_name=_header_text(mailbox.name), username=local, domain=ascii_domain)
    return address, not local.isascii()


def _part(content: str, subtype: str) -> EmailMessage:
    part = EmailMessage(policy=SMTP)
    part.set_content(content, subtype=subtype, charset="utf-8", cte="quoted-printable")
    del part["MIME-Version"]  # set_content adds one; it belongs on the message, not its parts
    return part


def _bodies(digest: Digest, links: Links) -> tuple[str, str]:
    """The plain-text part (wrapped at 72 columns) and the HTML part of a digest."""
    zone = ZoneInfo(digest.timezone)
    context = {
        "articles": digest.articles,
        "timezone": one_line(digest.timezone),
        "recipient": str(Mailbox(digest.recipient.address, _header_text(digest.recipient.name))),
        "sections": [_section(section, zone, links) for section in digest.sections],
        "subject": _header_text(digest.subject),
        "follows": _follows(digest),
        "base_url": links.base_url,
    }
    environment = _environment()
    text = environment.get_template("digest.txt").render(context)
    page = environment.get_template("digest.html").render(context)
    # Belt and braces: whatever slipped through, no control character or lone surrogate
    # may reach the encoder (it would fail) or a mail client.
    return wrap(xml_safe(text)), xml_safe(page)


def render(
    digest: Digest,
    links: Links,
    *,
    digest_id: int,
    message_id: str,
    date: datetime,
    sender: Mailbox,
    list_id: str,
) -> EmailMessage:
    """The digest as a multipart/alternative message (text, then HTML), ready to send."""
    if _MESSAGE_ID.fullmatch(message_id) is None:
        raise ValueError(f"not a Message-ID like <id@host>: {message_id!r}")
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("the Date of a message needs a time zone")
    if _CONTROL.search(list_id):
        raise ValueError(f"refusing a List-Id with control characters: {list_id!r}")
    from_address, from_utf8 = _address(sender)
    to_address, to_utf8 = _address(digest.recipient)
    message = EmailMessage(policy=SMTPUTF8 if from_utf8 or to_utf8 else SMTP)
    message["Message-ID"] = message_id
    message["Date"] = date
    message["From"] = from_address
    message["To"] = to_address
    message["Subject"] = _header_text(digest.subject)
    message["Auto-Submitted"] = "auto-generated"
    message["List-Id"] = list_id
    message["X-Watcher-Digest"] = str(digest_id)
    message["MIME-Version"] = "1.0"
    text, page = _bodies(digest, links)
    message.make_alternative()
    # A boundary holding "=_" cannot occur in quoted-printable parts; derived from the
    # Message-ID, it makes a re-rendered digest the same bytes as the first.
    digest_hash = hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:32]
    message.set_boundary(f"=_watcher_{digest_hash}")
    message.attach(_part(text, "plain"))
    message.attach(_part(page, "html"))
    return message
