"""Highlighting: escaped HTML with <mark>, whole texts and snippets."""

from __future__ import annotations

import re

import pytest

from watcher.model import Span
from watcher.percolator import mark_all, snippet
from watcher.percolator.highlight import ELLIPSIS


def spans(text: str, *words: str) -> list[Span]:
    """A body span for every occurrence of each word in `text`."""
    return [
        Span("body", m.start(), m.end(), m.group())
        for word in words
        for m in re.finditer(re.escape(word), text)
    ]


@pytest.mark.parametrize(
    ("text", "words", "expected"),
    [
        pytest.param("in Libya today", ["Libya"], "in <mark>Libya</mark> today", id="simple"),
        pytest.param(
            '<b>Libya</b> & "x"',
            ["Libya"],
            "&lt;b&gt;<mark>Libya</mark>&lt;/b&gt; &amp; &quot;x&quot;",
            id="escaped",
        ),
        pytest.param(
            "Libya <script>",
            ["<script>"],
            "Libya <mark>&lt;script&gt;</mark>",
            id="escaped-inside-mark",
        ),
        pytest.param(
            "a Khalifa Haftar b",
            ["Khalifa Haftar", "Haftar"],
            "a <mark>Khalifa Haftar</mark> b",
            id="overlapping-merged",
        ),
        pytest.param("ab", ["a", "b"], "<mark>ab</mark>", id="touching-merged"),
        pytest.param("x\x00y\x1bz", ["y"], "x <mark>y</mark> z", id="control-characters"),
        pytest.param(
            "line one\nLibya", ["Libya"], "line one\n<mark>Libya</mark>", id="keeps-newlines"
        ),
        pytest.param("no match", [], "no match", id="no-spans"),
    ],
)
def test_mark_all(text: str, words: list[str], expected: str) -> None:
    assert mark_all(text, spans(text, *words)) == expected


def test_mark_all_clips_spans_outside_the_text() -> None:
    assert (
        mark_all("Libya", [Span("body", 3, 99, "ya"), Span("body", 7, 9, "")])
        == "Lib<mark>ya</mark>"
    )


def test_short_text_is_whole() -> None:
    text = "Haftar's forces  near\nTripoli"
    assert snippet(text, spans(text, "Tripoli")) == "Haftar&#x27;s forces near <mark>Tripoli</mark>"


def _long_text() -> str:
    before = " ".join(f"before{i}" for i in range(80))
    after = " ".join(f"after{i}" for i in range(80))
    return f"{before} Libya & <Haftar> {after}"


def test_long_text_is_cut_around_the_first_match() -> None:
    text = _long_text()
    result = snippet(text, spans(text, "Libya", "Haftar"), width=120)
    assert result.startswith(ELLIPSIS)
    assert result.endswith(ELLIPSIS)
    assert "<mark>Libya</mark> &amp; &lt;<mark>Haftar</mark>&gt;" in result
    plain = re.sub(r"</?mark>", "", result).strip(ELLIPSIS)
    assert len(plain) <= 140
    words = plain.split(" ")
    assert all(w in text.split(" ") or w.startswith("&") for w in words), "a word was cut"


def test_match_at_the_start_has_no_leading_ellipsis() -> None:
    text = "Libya " + "word " * 200
    result = snippet(text, spans(text, "Libya"), width=50)
    assert result.startswith("<mark>Libya</mark> word")
    assert result.endswith(ELLIPSIS)


def test_match_at_the_end_has_no_trailing_ellipsis() -> None:
    text = "word " * 200 + "Libya"
    result = snippet(text, spans(text, "Libya"), width=50)
    assert result.startswith(ELLIPSIS)
    assert result.endswith("<mark>Libya</mark>")


def test_no_spans_gives_the_start() -> None:
    text = "first words " * 100
    result = snippet(text, [], width=40)
    assert result.startswith("first words")
    assert result.endswith(ELLIPSIS)
    assert "<mark>" not in result


def test_a_mark_is_never_cut() -> None:
    text = "a " * 10 + "Khalifa Haftar" + " b" * 100
    span = spans(text, "Khalifa Haftar")
    result = snippet(text, span, width=12)
    assert "<mark>Khalifa Haftar</mark>" in result


def test_snippet_replaces_control_characters_and_collapses_space() -> None:
    text = "Libya\x00\x0b   news\r\n\tnow"
    assert snippet(text, spans(text, "Libya")) == "<mark>Libya</mark> news now"


def test_strong_puts_each_match_in_mark_and_strong_and_changes_nothing_else() -> None:
    text = "Haftar's forces  near\nTripoli & <Libya>"
    found = spans(text, "Tripoli", "<Libya>")
    assert snippet(text, found, strong=True) == (
        "Haftar&#x27;s forces near <mark><strong>Tripoli</strong></mark> &amp; "
        "<mark><strong>&lt;Libya&gt;</strong></mark>"
    )
    long = _long_text()
    plain = snippet(long, spans(long, "Libya"), width=120)
    assert snippet(long, spans(long, "Libya"), width=120, strong=True) == plain.replace(
        "<mark>Libya</mark>", "<mark><strong>Libya</strong></mark>"
    )
