"""The Reuters-21578 corpus, read at run time from `../shared/corpora/` beside the repository.

The corpus must never be copied into the repository: everything made from it (articles,
seeds files, rule sets) is built in memory or in temporary folders.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from watcher.model import Article

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpora" / "reuters-21578.jsonl.gz"
SOURCE = "Reuters"
DATE_FORMAT = "%d-%b-%Y %H:%M:%S.%f"
# Should a date not parse, it falls back to the collection's first day.
FALLBACK_DATE = datetime(1987, 2, 26, tzinfo=UTC)
ENTITY_KINDS = ("places", "people", "orgs", "topics")
_PARAGRAPH = "\n    "  # Reuters bodies indent each paragraph but the first


class CorpusMissingError(RuntimeError):
    """The corpus file is not where the bench looks for it."""


@dataclass(frozen=True, slots=True)
class Doc:
    """One corpus record, as stored."""

    id: int
    date: str
    title: str
    body: str
    places: tuple[str, ...]
    people: tuple[str, ...]
    orgs: tuple[str, ...]
    topics: tuple[str, ...]

    def entities(self, kind: str) -> tuple[str, ...]:
        values: tuple[str, ...] = getattr(self, kind)
        return values


def corpus_path(path: Path | None = None) -> Path:
    """The corpus file, or CorpusMissingError saying where it was looked for."""
    found = CORPUS if path is None else path
    if not found.is_file():
        raise CorpusMissingError(
            f"Reuters corpus not found at {found} — the bench reads it from "
            "../shared/corpora/ beside the repository (see shared/corpora/README.md)"
        )
    return found


def _doc(record: dict[str, object]) -> Doc:
    def strings(key: str) -> tuple[str, ...]:
        value = record.get(key) or []
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    return Doc(
        id=int(str(record["id"])),
        date=str(record.get("date") or ""),
        title=str(record.get("title") or ""),
        body=str(record.get("body") or ""),
        places=strings("places"),
        people=strings("people"),
        orgs=strings("orgs"),
        topics=strings("topics"),
    )


def iter_docs(path: Path | None = None) -> Iterator[Doc]:
    with gzip.open(corpus_path(path), "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield _doc(json.loads(line))


def load_docs(path: Path | None = None, limit: int | None = None) -> list[Doc]:
    """Every record (or the first `limit`), in corpus order."""
    return list(islice(iter_docs(path), limit))


def date_stamp(doc: Doc) -> str:
    """The record's time without the desk codes some carry ("27-MAR-1987 00:02:59.13   RM")."""
    return " ".join(doc.date.split()[:2])


def published(doc: Doc) -> datetime:
    try:
        return datetime.strptime(date_stamp(doc), DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return FALLBACK_DATE


def to_article(doc: Doc) -> Article:
    """The article the matcher sees: the first paragraph is the lead, the rest the body."""
    lead, _, body = doc.body.strip().partition(_PARAGRAPH)
    return Article(title=doc.title, lead=lead, body=body, source=SOURCE, published=published(doc))


def seeds_text(doc: Doc) -> str:
    """The record in the seeds folder's `.txt` layout: source, headline, time, body."""
    return f"{SOURCE}\n\n{doc.title}\n\n{date_stamp(doc)}\n\n{doc.body}\n"


def evenly_spaced(total: int, count: int) -> list[int]:
    """`count` indices spread evenly over `range(total)` (all of them if count >= total)."""
    if count >= total:
        return list(range(total))
    return [i * total // count for i in range(max(count, 0))]


def pick(items: Sequence[Article], indices: Sequence[int]) -> list[Article]:
    return [items[i] for i in indices]
