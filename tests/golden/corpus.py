"""The golden articles: a fixed pick of Reuters records, written as seeds-folder files.

Every `STRIDE`th record of the corpus, by position, less empty bodies and repeats of an
earlier pick's text (one file per article, so a hit names one file). The picks are written
in turn as seeds-layout `.txt`, plain `.txt`, `.md` (front matter or a `# heading`),
`.json` (an object with a lead, an object with `text`, a one-item list) and `.html` (a
page with navigation and footer around the article), so the readers and the HTML
extractor are part of what the golden hit sets pin. The files are made at test time under
a temporary folder and never committed: the corpus stays in ../shared/corpora/.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from support import write

STRIDE = 36  # 21,578 records / 36: about 600 picks spread over the whole collection
SOURCE = "Reuters"
_STAMP = "%d-%b-%Y %H:%M:%S.%f"
_PARAGRAPH = "\n    "  # Reuters bodies indent every paragraph but the first


@dataclass(frozen=True, slots=True)
class Record:
    """One corpus record, as much of it as the articles need."""

    id: int
    date: str  # "26-FEB-1987 15:01:01.79", some with desk codes after it
    title: str
    dateline: str
    body: str
    topics: tuple[str, ...]

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.strip().split(_PARAGRAPH) if p.strip()]

    @property
    def published(self) -> datetime:
        stamp = " ".join(self.date.split()[:2])
        return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)


def pick_records(corpus: Path) -> list[Record]:
    """Every STRIDE-th record by position, without empty bodies or repeated texts."""
    picked: list[Record] = []
    seen: set[tuple[str, str]] = set()
    for record in _every_stride(corpus):
        text = (record.title, record.body.strip())
        if record.body.strip() and text not in seen:
            seen.add(text)
            picked.append(record)
    return picked


def _every_stride(corpus: Path) -> Iterator[Record]:
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for position, line in enumerate(lines):
            if position % STRIDE == 0:
                raw = json.loads(line)
                yield Record(
                    id=raw["id"],
                    date=raw["date"],
                    title=raw["title"],
                    dateline=raw["dateline"],
                    body=raw["body"],
                    topics=tuple(raw["topics"]),
                )


def _seeds_txt(record: Record) -> str:
    lead, *rest = record.paragraphs
    body = "\n\n".join(rest)
    return f"{SOURCE}\n\n{record.title}\n\n{record.date}\n\n{lead}\n\n{body}\n"


def _plain_txt(record: Record) -> str:
    return record.title + "\n\n" + "\n\n".join(record.paragraphs) + "\n"


def _markdown(record: Record) -> str:
    front = {
        "source": SOURCE,
        "published": record.published.strftime("%Y-%m-%d %H:%M:%S"),
        "url": f"https://wire.example.org/reuters/{record.id}",
        "tags": list(record.topics),
    }
    heading = ""
    if record.id % 2:  # half name the headline in the front matter, half with a heading
        front["title"] = record.title
    else:
        heading = f"# {record.title}\n\n"
    # JSON values are YAML 1.2 flow values: quoting stays exact whatever the title holds.
    lines = [f"{key}: {json.dumps(value)}" for key, value in front.items()]
    body = "\n\n".join(record.paragraphs)
    return "---\n" + "\n".join(lines) + "\n---\n\n" + heading + body + "\n"


def _json(record: Record) -> str:
    lead, *rest = record.paragraphs
    item: dict[str, object] = {"title": record.title, "source": SOURCE}
    item["published"] = record.published.isoformat()
    if record.id % 3 == 0:
        item |= {"lead": lead, "body": "\n\n".join(rest)}
    else:
        item["text"] = "\n\n".join(record.paragraphs)
    document: object = [item] if record.id % 3 == 1 else item
    return json.dumps(document, indent=2) + "\n"


def _html(record: Record) -> str:
    title = html.escape(record.title)
    # htmldate reads no meta time with more than 18 digits: whole seconds, as pages write them
    published = record.published.replace(microsecond=0).isoformat()
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in record.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta property="og:site_name" content="{SOURCE}">
<meta property="article:published_time" content="{published}">
</head>
<body>
<nav><a href="/">Front page</a> <a href="/markets">Markets</a></nav>
<article>
<h1>{title}</h1>
<p class="dateline">{html.escape(record.dateline)}</p>
{paragraphs}
</article>
<footer><p>Wire copy for tests.</p></footer>
</body>
</html>
"""


# Picks are written in this rotation: seeds-layout text is the common case.
FORMATS: tuple[tuple[str, Callable[[Record], str]], ...] = (
    (".txt", _seeds_txt),
    (".md", _markdown),
    (".txt", _seeds_txt),
    (".json", _json),
    (".txt", _plain_txt),
    (".html", _html),
)


def file_name(position: int, record: Record) -> str:
    """The article's stable name: its corpus id and the extension of its format."""
    return f"{record.id:05d}{FORMATS[position % len(FORMATS)][0]}"


def write_articles(records: list[Record], seeds: Path) -> dict[str, str]:
    """Write every record into `seeds` (settled); return file name -> its text."""
    written: dict[str, str] = {}
    for position, record in enumerate(records):
        name = file_name(position, record)
        written[name] = FORMATS[position % len(FORMATS)][1](record)
        write(seeds / name, written[name])
    return written


def fingerprint(written: dict[str, str]) -> str:
    """sha256 over the written files' names and texts: whether the input itself changed."""
    digest = hashlib.sha256()
    for name in sorted(written):
        digest.update(f"{name}\0{written[name]}\0".encode())
    return digest.hexdigest()
