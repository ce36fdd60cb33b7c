"""Which text a hit list shows under a headline, and how it is marked and escaped."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from watcher.model import Field, Span
from watcher.web.excerpt import SNIPPET_WIDTH, excerpt


def found(field: Field, text: str, word: str) -> list[Span]:
    return [Span(field, m.start(), m.end(), word) for m in re.finditer(re.escape(word), text)]


TITLE = "Libya talks stall"
LEAD = "Envoys left Geneva on Monday."
BODY = "The talks on Libya ended without a deal. " + "More words follow here. " * 30


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        pytest.param(
            found("title", TITLE, "Libya") + found("body", BODY, "Libya"),
            "The talks on <mark>Libya</mark> ended without a deal.",
            id="body-match-is-cut-from-the-body",
        ),
        pytest.param(
            found("lead", LEAD, "Geneva"),
            "Envoys left <mark>Geneva</mark> on Monday.",
            id="lead-only-match",
        ),
        pytest.param(
            found("title", TITLE, "Libya"),
            "Envoys left Geneva on Monday.",
            id="headline-only-match-shows-the-lead",
        ),
        pytest.param(
            [Span("source", 0, 7, "Reuters")],
            "Envoys left Geneva on Monday.",
            id="source-only-match-shows-the-lead",
        ),
    ],
)
def test_the_snippet_comes_from_where_the_rule_matched(spans: list[Span], expected: str) -> None:
    shown = excerpt(LEAD, BODY, spans)
    assert isinstance(shown, Markup)
    assert shown.startswith(expected)
    assert TITLE not in shown


def test_body_is_preferred_to_lead_as_in_the_feeds() -> None:
    spans = found("lead", LEAD, "Geneva") + found("body", BODY, "talks")
    assert excerpt(LEAD, BODY, spans).startswith("The <mark>talks</mark>")


def test_a_headline_only_match_without_a_lead_shows_the_start_of_the_body() -> None:
    shown = excerpt("", BODY, found("title", TITLE, "Libya"))
    assert shown.startswith("The talks on Libya ended")
    assert "<mark>" not in shown
    assert len(shown) <= SNIPPET_WIDTH + 2  # the width and an ellipsis


def test_article_text_is_escaped_and_cleaned() -> None:
    body = "<script>alert(1)</script> ]]> \x01 Libya"
    shown = excerpt("", body, found("body", body, "Libya"))
    assert shown == "&lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; <mark>Libya</mark>"
