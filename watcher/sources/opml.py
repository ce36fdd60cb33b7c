"""An OPML subscription list -> feed sources: names made from titles, feeds already configured
left out, and the YAML of a `sources.d` file that lists the rest (pure, but for reading XML)."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from lxml import etree  # type: ignore[import-untyped]
from ruamel.yaml import YAML

from watcher.errors import ConfigError
from watcher.sources.settings import NAME_MAX, http_url
from watcher.sources.text import clean_line

_NOT_NAME = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Outline:
    """A feed the OPML lists: its title (as the OPML gives it) and its address."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Plan:
    """What an import adds (name, feed), and what it leaves out, with why."""

    added: tuple[tuple[str, Outline], ...]
    skipped: tuple[tuple[Outline, str], ...]


def read_opml(data: bytes, shown: str) -> list[Outline]:
    """Every outline with an `xmlUrl`, nested ones too, in document order; ConfigError when
    the file is not OPML."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.parse(io.BytesIO(data), parser).getroot()
    except etree.XMLSyntaxError as exc:
        raise ConfigError(f"{shown}: not an OPML file: {clean_line(str(exc))}") from exc
    if root.tag != "opml":
        raise ConfigError(f"{shown}: not an OPML file (its root element is <{root.tag}>)")
    outlines = []
    for node in root.iter("outline"):
        url = clean_line(node.get("xmlUrl") or "")
        if url:
            title = clean_line(node.get("title") or node.get("text") or "")
            outlines.append(Outline(title, url))
    return outlines


def plan_import(
    outlines: Sequence[Outline], known_urls: Collection[str], known_names: Collection[str]
) -> Plan:
    """Name each new feed after its title (else its host), unique among `known_names`; leave
    out feeds already configured, listed twice, or whose address is not http(s)."""
    taken, seen = set(known_names), set(known_urls)
    added: list[tuple[str, Outline]] = []
    skipped: list[tuple[Outline, str]] = []
    for outline in outlines:
        try:
            url = http_url(outline.url)
        except ValueError:
            skipped.append((outline, "not an http(s) address"))
            continue
        if url in seen:
            skipped.append((outline, "already a source"))
            continue
        seen.add(url)
        name = _unique(_slug(outline.title) or _slug(_host(url)) or "feed", taken)
        taken.add(name)
        added.append((name, Outline(outline.title, url)))
    return Plan(tuple(added), tuple(skipped))


def sources_yaml(added: Sequence[tuple[str, Outline]], origin: str) -> str:
    """A `sources.d` file listing `added`, each feed's OPML title as a comment."""
    document = {"sources": [{"name": name, "url": outline.url} for name, outline in added]}
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)
    out = io.StringIO()
    yaml.dump(document, out)
    text = out.getvalue()
    if text.startswith("%YAML"):
        text = text.split("---\n", 1)[1]
    return f"# Imported from {clean_line(origin)} by `watcher sources import`.\n" + text


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_NAME.sub("-", ascii_text.lower()).strip("-")[: NAME_MAX - 4].strip("-")


def _host(url: str) -> str:
    host = url.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
    return host.removeprefix("www.")


def _unique(name: str, taken: Collection[str]) -> str:
    if name not in taken:
        return name
    number = 2
    while f"{name}-{number}" in taken:
        number += 1
    return f"{name}-{number}"
