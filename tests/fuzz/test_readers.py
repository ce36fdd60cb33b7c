"""Fuzzing the article readers: any file either reads as articles a database can store, or is
refused with one line of reason; never another exception, never an unbounded wait."""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fuzz import hostile
from fuzz.hostile import one_line
from hypothesis import event, example, given

from watcher.articles import ReadContext, read_article
from watcher.articles.discover import read_named_file
from watcher.errors import IngestError, WatcherError
from watcher.model import Article, Reading

CTX = ReadContext(ZoneInfo("Europe/Rome"), "Local desk", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
MAX_FILE_SIZE = 10_000_000
# What a database text column refuses (PostgreSQL: NUL; every driver: a lone surrogate).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# "invalid JSON at line 3, ...", "invalid front matter at line 2, ...": the line in the file.
LINE_IN_FILE = re.compile(r"\bline (\d+)\b")


def read_file(suffix: str, data: bytes) -> tuple[Path, Reading | IngestError]:
    """The file written to a real folder and read as the scan reads it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzzed{suffix}"
        path.write_bytes(data)
        try:
            return path, read_article(path, read_named_file(path, MAX_FILE_SIZE), CTX)
        except IngestError as exc:
            return path, exc


def check_storable(article: Article) -> None:
    for text in (article.title, article.lead, article.body, article.source, *article.tags):
        assert not UNSTORABLE.search(text), text
    assert article.url is None or not UNSTORABLE.search(article.url)
    assert article.published.tzinfo is not None
    # Every time is stored as UTC: it must have one (9999-12-31T23:59-14:00 has not).
    article.published.astimezone(UTC)


def check_reason(error: WatcherError, path: Path, data: bytes) -> None:
    """One line, and as the scan reports it (`path: reason`) it names the file; a line it
    names is a line of the file."""
    reported = f"{path}: {error}"
    assert error.message.strip(), "an empty reason"
    assert one_line(reported), repr(reported)
    assert reported.startswith(f"{path}: ")
    for number in LINE_IN_FILE.findall(error.message):
        assert 1 <= int(number) <= data.count(b"\n") + data.count(b"\r") + 1, error.message


@hostile.fuzz_settings(hostile.EXAMPLES * 3)
@given(article=hostile.articles)
@example(article=(".json", b'{"title": ' + b"1" * 5000 + b"}"))
@example(article=(".md", b"---\ntitle: " + b"9" * 5000 + b"\n---\nbody"))
@example(article=(".md", b"---\npublished: 9999-12-31T23:59:59-14:00\n---\nbody"))
@example(article=(".json", b'{"title": "x", "published": "0001-01-01T00:00:00+14:00"}'))
def test_a_file_reads_as_storable_articles_or_is_refused_with_one_line(
    article: tuple[str, bytes],
) -> None:
    suffix, data = article
    path, result = read_file(suffix, data)
    if isinstance(result, IngestError):
        event(f"{suffix.lower()} refused: {result.message[:24]}")
        check_reason(result, path, data)
        return
    event(f"{suffix.lower()} read")
    assert result.articles, "a reading without articles must be an error"
    for read in result.articles:
        check_storable(read)
    for warning in result.warnings:
        assert one_line(warning), repr(warning)
