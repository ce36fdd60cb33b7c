"""Plain immutable values passed between stages: articles as read, match spans; and how a
long job tells its progress."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

# (done, total): told by a long job as it goes (the scan's files, a feed build's feeds).
Progress = Callable[[int, int], None]


def no_progress(done: int, total: int) -> None:
    """Progress told to no one."""


Field = Literal["title", "lead", "body", "source"]
TEXT_FIELDS: tuple[Field, ...] = ("title", "lead", "body", "source")


@dataclass(frozen=True, slots=True)
class Article:
    """One article as a reader produced it; `published` is always timezone-aware.

    `tags` are the article's own (front matter, a posted article's); `source_tags` those of
    the feed source it came from (none for the folder and the API), searched through
    `source_tag:` in a query. Neither identity hash holds `source_tags`: a file's stays what
    it was, and a feed entry's story is one article whichever source carried it.
    """

    title: str
    lead: str
    body: str
    source: str
    published: datetime
    url: str | None = None
    tags: tuple[str, ...] = field(default=())
    source_tags: tuple[str, ...] = field(default=())

    def field_text(self, name: Field) -> str:
        text: str = getattr(self, name)
        return text

    def content_hash(self) -> str:
        """The identity of this version: a hash of its normalized content.

        The publication time is left out: for formats without one it is the file's mtime,
        and the same text copied elsewhere (a new mtime) must stay one article.
        """
        payload = json.dumps(
            [self.title, self.lead, self.body, self.source, self.url, list(self.tags)],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def story_hash(self) -> str:
        """The identity of a feed entry's version: its text and link, not who carried it.

        The source (the feed's title) and the tags (the source's) are left out as well as the
        time: the same story carried by two feeds must stay one article.
        """
        payload = json.dumps(
            ["story", self.title, self.lead, self.body, self.url],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Reading:
    """What a reader made of one file: its articles, and what it had to guess, as warnings
    ("line 5: cannot parse publication time ...") for the scan to record."""

    articles: tuple[Article, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What a rescan compares instead of reading the file: size, mtime and inode."""

    size: int
    mtime_ns: int
    inode: int


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """Where a query term matched: a field and character offsets into its original text."""

    field: Field
    start: int
    end: int
    text: str

    def as_json(self) -> dict[str, Any]:
        """The form stored in a hit's `matches` and printed by the CLI."""
        return {"field": self.field, "start": self.start, "end": self.end, "text": self.text}

    @classmethod
    def from_json(cls, match: Mapping[str, Any]) -> Span:
        return cls(match["field"], int(match["start"]), int(match["end"]), match["text"])
