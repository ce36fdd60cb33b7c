"""Short plain-text windows around matches, for the terminal."""

from __future__ import annotations

import itertools
import re

from watcher.model import Span
from watcher.percolator.excerpt import REPLACEMENT, excerpts, printable_line


def spans_of(text: str, pattern: str) -> list[Span]:
    return [Span("body", m.start(), m.end(), m.group()) for m in re.finditer(pattern, text)]


def test_each_window_is_short_centred_and_cut_at_spaces() -> None:
    text = "alpha " * 100 + "Haftar " + "omega " * 100
    [excerpt] = excerpts(text, spans_of(text, "Haftar"), width=240)
    assert len(excerpt.text) <= 240
    assert excerpt.text.split(" ")[0] == "alpha"  # whole words at both ends
    assert excerpt.text.split(" ")[-1] == "omega"
    [(start, end)] = excerpt.marks
    assert excerpt.text[start:end] == "Haftar"
    assert excerpt.start > 0
    assert excerpt.end < len(text)
    assert abs(start - (len(excerpt.text) - end)) < 12  # about as much text on each side


def test_far_matches_get_their_own_windows_and_near_ones_share() -> None:
    text = "Libya and Tripoli " + "filler " * 200 + "Benghazi"
    first, second = excerpts(text, spans_of(text, "Libya|Tripoli|Benghazi"), width=100)
    assert [first.text[s:e] for s, e in first.marks] == ["Libya", "Tripoli"]
    assert [second.text[s:e] for s, e in second.marks] == ["Benghazi"]
    assert first.start == 0
    assert second.end == len(text)
    assert first.end < second.start


def test_a_dense_passage_is_split_into_windows_that_do_not_overlap() -> None:
    text = " ".join(f"w{i} oil" for i in range(200))
    found = excerpts(text, spans_of(text, "oil"), width=60)
    assert all(len(excerpt.text) <= 70 for excerpt in found)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))
    assert sum(len(excerpt.marks) for excerpt in found) == 200


def test_whitespace_is_collapsed_and_controls_made_visible() -> None:
    text = "Before\n\n\tthe   \x1b]0;PWNED\x07\x1b[2J   Haftar\r\nafter"
    [excerpt] = excerpts(text, spans_of(text, "Haftar"))
    assert (
        excerpt.text
        == f"Before the {REPLACEMENT}]0;PWNED{REPLACEMENT}{REPLACEMENT}[2J Haftar after"
    )
    [(start, end)] = excerpt.marks
    assert excerpt.text[start:end] == "Haftar"
    assert "\x1b" not in excerpt.text


def test_printable_line() -> None:
    assert printable_line(" a\n b\x07c\x9b ") == f"a b{REPLACEMENT}c{REPLACEMENT}"
