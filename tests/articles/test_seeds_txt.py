"""Tests for watcher.articles.seeds_txt: the seeds layout, Limited Times and Reuters style."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from watcher.articles import ReadContext
from watcher.articles.decode import decode_text
from watcher.articles.seeds_txt import read_seeds
from watcher.model import Article

ROME = ZoneInfo("Europe/Rome")
CTX = ReadContext(
    timezone=ROME, default_source="Local desk", mtime=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
)
EXAMPLE = Path(__file__).parents[2] / "seeds" / "000_69f9a19d25085135.txt"


def seeds(text: str) -> Article:
    """The one article of a file in the layout, read without warnings."""
    reading = read_seeds(text, CTX)
    assert reading is not None
    assert reading.warnings == ()
    [article] = reading.articles
    return article


REUTERS = """Reuters

BAHIA COCOA REVIEW

26-FEB-1987 15:01:01.79

Showers continued throughout the week in the Bahia cocoa zone, alleviating the drought.

Showers continued throughout the week in the Bahia cocoa zone,
alleviating the drought since early January.

Arrivals for the year to date total 6.02 mln bags.
"""


def test_example_file() -> None:
    article = seeds(decode_text(EXAMPLE.read_bytes()))
    assert article.title == "Haftar announces raids on Tripoli, Putin sends reinforcements"
    assert article.source == "The Limited Times"
    assert article.published == datetime(2020, 5, 21, 17, 38, 6, tzinfo=ROME)
    assert article.published.isoformat() == "2020-05-21T17:38:06+02:00"
    assert article.lead.startswith("Escalation in Libya, telephone call")
    assert article.lead.endswith("Fayez...")
    assert article.body.startswith('"In the event of attacks on Turkish interests')
    assert article.body.endswith("the need to accelerate economic recovery.")
    assert article.body.count("\n\n") == 2
    assert "\n\n\n" not in article.body
    assert article.url is None
    assert article.tags == ()


def test_reuters_layout() -> None:
    article = seeds(REUTERS)
    assert article.source == "Reuters"
    assert article.title == "BAHIA COCOA REVIEW"
    assert article.published == datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=ROME)
    assert article.lead == (
        "Showers continued throughout the week in the Bahia cocoa zone, alleviating the drought."
    )
    assert article.body == (
        "Showers continued throughout the week in the Bahia cocoa zone,\n"
        "alleviating the drought since early January.\n\n"
        "Arrivals for the year to date total 6.02 mln bags."
    )


@pytest.mark.parametrize(
    ("text", "title", "lead", "body"),
    [
        pytest.param(
            "Reuters\n\n\n\n 3-MAR-1987 09:18:27.20\n\nLead.\n\nBody.",
            "",
            "Lead.",
            "Body.",
            id="empty-headline",
        ),
        pytest.param(
            "Reuters\n\nTITLE\n\n3-MAR-1987 09:18:27.20\n\n\nOnly body.\n\nMore.",
            "TITLE",
            "",
            "Only body.\n\nMore.",
            id="no-lead",
        ),
        pytest.param(
            "Reuters\n\nTITLE\n\n3-MAR-1987 09:18:27.20", "TITLE", "", "", id="header-only"
        ),
        pytest.param(
            "Reuters\n\nTITLE\n\n3-MAR-1987 09:18:27.20\n\nLead only.\n",
            "TITLE",
            "Lead only.",
            "",
            id="lead-only",
        ),
        pytest.param(
            "Src\n\n  Title  \n\n5/21/2020, 5:38:06 PM\n\nLead\n\n\n\n\nP1  \n\n\n\nP2\n\n",
            "Title",
            "Lead",
            "P1\n\nP2",
            id="blank-runs-and-spaces",
        ),
        pytest.param(
            "Reuters\n\nTITLE\n\n3-MAR-1987 09:18:27.20\n\nLead\ngoes on.\n \t\nBody.\n\nMore.",
            "TITLE",
            "Lead\ngoes on.",
            "Body.\n\nMore.",
            id="lead-ended-by-a-line-of-spaces",
        ),
        pytest.param(
            "Reuters\n\nTITLE\n\n3-MAR-1987 09:18:27.20\n\n\u00a0\u3000\nOnly body.\n\nMore.",
            "TITLE",
            "",
            "Only body.\n\nMore.",
            id="no-lead-first-line-of-unicode-spaces",
        ),
        pytest.param(
            "Reuters\n\nTITLE\n\n3-MAR-1987 09:18:27.20\n\nLead,\nstill lead.\n  ",
            "TITLE",
            "Lead,\nstill lead.",
            "",
            id="lead-then-a-last-line-of-spaces",
        ),
        pytest.param(
            "Reuters\n\nTITLE\n\n3-MAR-1987 09:18:27.20\n\nLead, a line\nand another.",
            "TITLE",
            "Lead, a line\nand another.",
            "",
            id="no-blank-line-all-lead",
        ),
        pytest.param(
            "Reuters\n\nU.S. TREASURY'S BAKER SAYS LATINS DELAY ACCEPTANCE OF U.S. COMPROMISE ON\n"
            " IADB REFORMS\n\n 2-MAR-1987 14:03:11.63\n\nLead.\n\nBody.",
            "U.S. TREASURY'S BAKER SAYS LATINS DELAY ACCEPTANCE OF U.S. COMPROMISE ON IADB REFORMS",
            "Lead.",
            "Body.",
            id="headline-on-two-lines",
        ),
        pytest.param(
            "Reuters\n\nONE\nTWO\nTHREE\nFOUR\n\n2-MAR-1987 14:03:11.63\n\nLead.\n\nBody.",
            "ONE TWO THREE FOUR",
            "Lead.",
            "Body.",
            id="headline-on-four-lines",
        ),
        pytest.param(
            "Reuters\n\nGRAIN\n\n27-MAR-1987 02:17:09.88   T C\n\nLead.\n\nBody.",
            "GRAIN",
            "Lead.",
            "Body.",
            id="routing-codes-after-the-time",
        ),
    ],
)
def test_layout_variants(text: str, title: str, lead: str, body: str) -> None:
    article = seeds(text)
    assert (article.title, article.lead, article.body) == (title, lead, body)


def test_blank_source_line_uses_default_source() -> None:
    article = seeds(" \n\nTitle\n\n5/21/2020, 5:38:06 PM\n\nLead")
    assert article.source == "Local desk"


def test_time_with_zone_kept() -> None:
    article = seeds("Wire\n\nTitle\n\n2020-05-21T17:38:06-04:00\n\nLead")
    assert article.published.isoformat() == "2020-05-21T17:38:06-04:00"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Title\nmore\nTitle\n\n5/21/2020, 5:38:06 PM\n\nLead", id="line-2-not-blank"),
        pytest.param("Src\n\nTitle\nx\n5/21/2020, 5:38:06 PM\n\nLead", id="line-4-not-blank"),
        pytest.param("Src\n\nTitle\n\n5/21/2020, 5:38:06 PM\nLead", id="line-6-not-blank"),
        pytest.param("My title\n\nIntro.\n\nSecond paragraph.\n\nThird.", id="line-5-text"),
        pytest.param("My title\n\nIntro.\n\nChapter 2\n\nThird.", id="line-5-words-and-a-number"),
        pytest.param("My title\n\nIntro.\n\n2\n\nThird.", id="line-5-bare-number"),
        pytest.param("Src\n\nTitle\n", id="too-short"),
        pytest.param("Title\n\nA\nB\nC\nD\nE\n\n5/21/2020, 5:38:06 PM\n\nLead", id="5-line-block"),
        pytest.param("My title\n\nIntro.\n\n2 people died in 1987\n\nThird.", id="line-5-sentence"),
        pytest.param("My title\n\nIntro.\n\n32/13/1987\nThird.", id="bad-time-line-6-not-blank"),
    ],
)
def test_not_the_layout(text: str) -> None:
    assert read_seeds(text, CTX) is None


@pytest.mark.parametrize(
    ("text", "title", "line"),
    [
        pytest.param("Reuters\n\nCOCOA\n\n32/13/1987\n\nLead.\n\nBody.", "COCOA", 5, id="bad"),
        pytest.param(
            "Reuters\n\nCOCOA\nREVIEW\n\nMay 32, 2020 5:38 PM\n\nLead.",
            "COCOA REVIEW",
            6,
            id="wrap",
        ),
        pytest.param("Reuters\n\n\n\n32-FEB-1987 15:01:01.79  T C\n", "", 5, id="no-headline"),
    ],
)
def test_time_that_does_not_parse_is_the_mtime_with_a_warning(
    text: str, title: str, line: int
) -> None:
    reading = read_seeds(text, CTX)
    assert reading is not None
    [article] = reading.articles
    assert (article.source, article.title, article.published) == ("Reuters", title, CTX.mtime)
    time_text = text.split("\n")[line - 1].strip()
    assert reading.warnings == (
        f"line {line}: cannot parse publication time {time_text!r}; "
        "using the file's modification time",
    )
