"""Tests for watcher.articles.plain_txt: headline, body, and the context's source and time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from watcher.articles import ReadContext
from watcher.articles.plain_txt import read_plain
from watcher.model import Article

MTIME = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
CTX = ReadContext(timezone=ZoneInfo("Europe/Rome"), default_source="Local desk", mtime=MTIME)


@pytest.mark.parametrize(
    ("text", "title", "body"),
    [
        pytest.param(
            "Storm hits coast\n\nA storm hit the coast.\n\nRepairs take days.\n",
            "Storm hits coast",
            "A storm hit the coast.\n\nRepairs take days.",
            id="headline-and-paragraphs",
        ),
        pytest.param(
            "\n\n   \n  Late headline  \nbody line one\nbody line two\n",
            "Late headline",
            "body line one\nbody line two",
            id="leading-blank-lines",
        ),
        pytest.param("Only a headline", "Only a headline", "", id="headline-only"),
        pytest.param(
            "Title\n\n\n\n\nText   \n\n\n", "Title", "Text", id="blank-runs-and-trailing-space"
        ),
    ],
)
def test_read_plain(text: str, title: str, body: str) -> None:
    assert read_plain(text, CTX) == Article(
        title=title, lead="", body=body, source="Local desk", published=MTIME
    )
