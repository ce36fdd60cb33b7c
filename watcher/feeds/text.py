"""Pure text helpers shared by feeds and pages: XML-safe text, headlines, entry summaries."""

from __future__ import annotations

import re

from watcher.model import Span
from watcher.percolator.highlight import snippet

# Characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF);
# DEL and C1 controls are allowed but make feed validators warn, so they go too, and so do
# the other noncharacters (U+FDD0-U+FDEF, the last two of every plane): an HTML parser
# reports each as an error.
_NOT_XML = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(
        f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0x10000, 0x110000, 0x10000)
    )
    + "]"
)
# The same for ASCII text, the usual case: a class this small is a bitmap for the regex
# engine, seven times faster than the one above with its astral ranges.
_NOT_XML_ASCII = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
HEADLINE_WORDS = 12
HEADLINE_SOURCE_CHARS = 2_000  # enough for twelve words; never the whole of a long text
HEADLINE_MAX_CHARS = 200
SNIPPET_WIDTH = 300
UNTITLED = "(untitled)"
# Where a description's snippet is cut from: the first field with a match, in this order.
# Never the title: the entry shows it already.
SNIPPET_FIELDS = ("body", "lead")


def xml_safe(text: str) -> str:
    """`text` without the characters an XML 1.0 document cannot hold."""
    return (_NOT_XML_ASCII if text.isascii() else _NOT_XML).sub("", text)


def one_line(text: str) -> str:
    """XML-safe text with every run of whitespace as one space."""
    return _SPACES.sub(" ", xml_safe(text)).strip()


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip() + "…"


def headline(title: str, lead: str, body: str) -> str:
    """The title, one line; without one, the first words of the lead or body."""
    line = one_line(title)
    if line:
        return _shorten(line, HEADLINE_MAX_CHARS)
    words = one_line((lead or body)[:HEADLINE_SOURCE_CHARS]).split(" ")
    if not words or words == [""]:
        return UNTITLED
    start = " ".join(words[:HEADLINE_WORDS])
    shortened = _shorten(start, HEADLINE_MAX_CHARS)
    return shortened if len(words) <= HEADLINE_WORDS or shortened.endswith("…") else start + "…"


def summary_html(lead: str, body: str, spans: tuple[Span, ...]) -> str:
    """Escaped HTML: a snippet of the body or lead where they matched, matched words in
    <mark><strong> (the <strong> survives readers that drop <mark>); when only the headline
    matched, the lead or else the start of the body."""
    texts = {"lead": lead, "body": body}
    for field in SNIPPET_FIELDS:
        field_spans = [span for span in spans if span.field == field]
        if field_spans and texts[field]:
            return snippet(texts[field], field_spans, width=SNIPPET_WIDTH, strong=True)
    return snippet(lead or body, [], width=SNIPPET_WIDTH)


def safe_url(url: str | None) -> str | None:
    """An article's own URL when it is a plain http(s) URL, else None (no javascript: links)."""
    if not url:
        return None
    cleaned = xml_safe(url).strip()
    if re.match(r"(?i)^https?://[^\s\"<>]+$", cleaned) is None:
        return None
    return cleaned
