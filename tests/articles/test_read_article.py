"""Tests for watcher.articles.read_article: dispatch by suffix, encodings, line ends, errors."""

from __future__ import annotations

import codecs
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from watcher.articles import ARTICLE_SUFFIXES, ReadContext, read_article
from watcher.errors import IngestError
from watcher.model import Article

ROME = ZoneInfo("Europe/Rome")
MTIME = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
CTX = ReadContext(timezone=ROME, default_source="Local desk", mtime=MTIME)
EXAMPLE = Path(__file__).parents[2] / "seeds" / "000_69f9a19d25085135.txt"
SEEDS_TEXT = EXAMPLE.read_text(encoding="utf-8")
HTML = """<html><head><title>Storm hits coast</title></head><body><article>
<p>A violent storm hit the coast on Thursday, leaving thousands without power.</p>
</article></body></html>"""

CASES = [
    pytest.param("a.txt", SEEDS_TEXT, "Haftar announces raids on Tripoli", id="seeds-txt"),
    pytest.param("a.TXT", "Plain title\n\nPlain body.", "Plain title", id="plain-txt-upper"),
    pytest.param("a.md", "# Markdown title\n\nBody.", "Markdown title", id="md"),
    pytest.param("a.json", json.dumps({"title": "Json title"}), "Json title", id="json"),
    pytest.param("a.html", HTML, "Storm hits coast", id="html"),
    pytest.param("a.htm", HTML, "Storm hits coast", id="htm"),
]


def test_suffixes() -> None:
    assert frozenset({".txt", ".md", ".json", ".html", ".htm"}) == ARTICLE_SUFFIXES


@pytest.mark.parametrize(("name", "text", "title"), CASES)
def test_dispatch(name: str, text: str, title: str) -> None:
    [article] = read_article(Path(name), text.encode("utf-8"), CTX).articles
    assert article.title.startswith(title)
    _check_invariants(article)


def _check_invariants(article: Article) -> None:
    for name in ("title", "lead", "body", "source"):
        value = getattr(article, name)
        assert isinstance(value, str)
        assert value == value.strip()
    assert article.published.utcoffset() is not None
    assert isinstance(article.tags, tuple)
    assert article.url is None or isinstance(article.url, str)


def test_seeds_example_file() -> None:
    [article] = read_article(EXAMPLE, EXAMPLE.read_bytes(), CTX).articles
    assert article.title == "Haftar announces raids on Tripoli, Putin sends reinforcements"
    assert article.source == "The Limited Times"
    assert article.published == datetime(2020, 5, 21, 17, 38, 6, tzinfo=ROME)
    assert article.lead.startswith("Escalation in Libya")
    assert article.body.startswith('"In the event')


def test_json_list_gives_several() -> None:
    data = json.dumps([{"title": "One"}, {"body": "Two"}, {"title": "Three"}]).encode()
    articles = read_article(Path("a.json"), data, CTX).articles
    assert [(a.title, a.body) for a in articles] == [("One", ""), ("", "Two"), ("Three", "")]


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n").encode("utf-8"), id="crlf"),
        pytest.param(lambda t: t.replace("\n", "\r").encode("utf-8"), id="cr"),
        pytest.param(lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), id="utf-8-bom"),
        pytest.param(lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), id="utf-16-le"),
        pytest.param(lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), id="utf-16-be"),
        pytest.param(
            lambda t: codecs.BOM_UTF16_LE + t.replace("\n", "\r\n").encode("utf-16-le"),
            id="utf-16-crlf",
        ),
    ],
)
@pytest.mark.parametrize(
    ("name", "text"),
    [
        pytest.param("a.txt", SEEDS_TEXT, id="seeds"),
        pytest.param("a.txt", "Café\n\nCrème brûlée.\n\nSecond paragraph.", id="plain"),
        pytest.param("a.md", "---\ntitle: Café\ntags: [a]\n---\nBody\n\nMore", id="md"),
        pytest.param("a.json", '{\n"title": "Café",\n"body": "x\\n\\ny"\n}', id="json"),
    ],
)
def test_encodings_and_line_ends_change_nothing(encode: object, name: str, text: str) -> None:
    assert callable(encode)
    expected = read_article(Path(name), text.encode("utf-8"), CTX)
    assert read_article(Path(name), encode(text), CTX) == expected


def test_cp1252_plain_text() -> None:
    data = "Café in città\n\nÉté déjà passé, naïve élève.\r\n".encode("cp1252")
    [article] = read_article(Path("a.txt"), data, CTX).articles
    assert (article.title, article.body) == ("Café in città", "Été déjà passé, naïve élève.")


def test_reader_warnings_come_back_with_the_articles() -> None:
    text = "Reuters\n\nCOCOA\nREVIEW\n\n32/13/1987\n\nLead."
    reading = read_article(Path("a.txt"), text.encode(), CTX)
    assert [(a.source, a.title, a.published) for a in reading.articles] == [
        ("Reuters", "COCOA REVIEW", MTIME)
    ]
    assert reading.warnings == (
        "line 6: cannot parse publication time '32/13/1987'; using the file's modification time",
    )


def test_seeds_layout_needs_a_time_line() -> None:
    text = "The headline\n\nFirst paragraph.\n\nSecond paragraph.\n\nThird paragraph."
    [article] = read_article(Path("a.txt"), text.encode(), CTX).articles
    assert article == Article(
        title="The headline",
        lead="",
        body="First paragraph.\n\nSecond paragraph.\n\nThird paragraph.",
        source="Local desk",
        published=MTIME,
    )


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        pytest.param("a.txt", b"", "empty file", id="empty"),
        pytest.param("a.json", b"\n  \n", "empty file", id="whitespace"),
        pytest.param("a.md", b"abc\x00\x01\x02", "binary file (NUL bytes)", id="binary"),
        pytest.param(
            "a.json",
            b'{"title": "a",\n "body": }',
            "invalid JSON at line 2, column 10: Expecting value",
            id="bad-json",
        ),
        pytest.param(
            "a.json", b"[1]", "JSON item [0] is int, not an article object", id="no-article"
        ),
        pytest.param(
            "a.pdf",
            b"%PDF-1.7",
            "unsupported file type '.pdf'; known types: .htm, .html, .json, .md, .txt",
            id="unknown-suffix",
        ),
        pytest.param(
            "README",
            b"text",
            "unsupported file type '(none)'; known types: .htm, .html, .json, .md, .txt",
            id="no-suffix",
        ),
    ],
)
def test_errors(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(IngestError) as info:
        read_article(Path(name), data, CTX)
    assert info.value.message == reason


def test_undecodable() -> None:
    with pytest.raises(IngestError, match=r"^cannot decode text: "):
        read_article(Path("a.txt"), codecs.BOM_UTF16_BE + b"\xdc\x00", CTX)
