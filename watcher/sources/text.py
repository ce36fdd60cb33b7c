"""Feed text as plain text: HTML fragments unmarked (scripts and styles dropped, blocks as
paragraphs), control characters removed, whatever a feed sends."""

from __future__ import annotations

import re

import lxml.html  # type: ignore[import-untyped]
from lxml import etree

from watcher.articles.decode import decode_text
from watcher.errors import IngestError

# C0 controls but tab and line breaks, DEL, C1 controls, lone surrogates, non-characters.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"[^\S\n]+")
_BLOCKS = frozenset(
    (
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    )
)
_DROPPED = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg")


def clean_line(text: str) -> str:
    """One line: control characters gone, runs of whitespace as one space."""
    return " ".join(_CONTROLS.sub("", text).split())


def html_text(fragment: str) -> str:
    """The text of an HTML fragment, a paragraph per block element."""
    fragment = _CONTROLS.sub("", fragment)
    if "<" not in fragment and "&" not in fragment:
        return fragment
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return fragment
    for element in list(root.iter(*_DROPPED)):
        element.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
            if element.tag != "br":
                element.text = "\n" + (element.text or "")
    text = _CONTROLS.sub("", root.text_content())
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n\n".join(line for line in lines if line)


def page_text(body: bytes, url: str) -> str | None:
    """The main text of a web page, a paragraph per line pair; None when none is found."""
    # trafilatura takes about 0.3 s to import: paid only by sources with full_text
    import trafilatura  # noqa: PLC0415

    try:
        html = decode_text(body)
    except IngestError:
        return None
    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=True)
    if not text:
        return None
    lines = (clean_line(line) for line in str(text).split("\n"))
    return "\n\n".join(line for line in lines if line) or None
