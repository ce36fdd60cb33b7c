"""Alerts and summaries as channels get them: Markdown (article text escaped) or plain text,
headline, source, time, rules, snippet and links."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from digest.factory import LINKS, hit

from watcher.notify.compose import Notice, alert, escape, probe_notice, summary, summary_title

ROME = ZoneInfo("Europe/Rome")


def test_an_alert_in_plain_text() -> None:
    both = [hit(1, "libya", "u1"), hit(2, "wagner", "u1", url="https://x.org/a")]
    notice = alert(both, LINKS, ROME, "text")
    assert notice.title == "Clashes near Tripoli"
    assert notice.body.splitlines() == [
        "The Limited Times · 2026-03-01 13:00 CET · rules: libya, wagner",
        "",
        "Fighting in *Libya* today, near the capital.",
        "",
        "http://watch.example.org/articles/u1",
        "Original: https://x.org/a",
    ]


def test_markdown_escapes_what_the_article_says() -> None:
    sneaky = hit(
        1,
        "libya",
        "u1",
        title="**Libya** [click](javascript:x)",
        body="Libya, news_x *now* <b>x</b> [a](b)",
        source="The *Times*",
        url="javascript:alert(1)",
    )
    notice = alert([sneaky], LINKS, ROME, "markdown")
    assert notice.title == "**Libya** [click](javascript:x)"  # a title is shown as text
    first, _, snippet, _, links = notice.body.splitlines()
    assert first.startswith(r"**The \*Times\*** · ")
    assert snippet == r"**Libya**, news\_x \*now\* \<b\>x\</b\> \[a\]\(b\)"
    assert links == "[Read on watcher](http://watch.example.org/articles/u1)"  # no javascript:
    assert escape("a_b") == r"a\_b"


def test_a_summary_cuts_at_its_limit_and_counts_the_rest() -> None:
    many = [hit(n, "libya", f"u{n:02}", title=f"Story {n:02}") for n in range(1, 6)]
    notice = summary(many, LINKS, ROME, "text", feed_url="http://f/x.xml", reason="Why.", limit=3)
    lines = notice.body.splitlines()
    assert lines[0] == "Why."
    assert lines[2] == "- Story 01 — The Limited Times · libya"
    assert lines[3] == "  http://watch.example.org/articles/u01"
    assert lines[-1] == "…and 2 more: http://f/x.xml"
    assert notice.title == "5 new: libya (5)"


def test_a_summary_title_names_rules_by_count_and_stays_short() -> None:
    rules = [f"rule-{n:03}-with-a-long-name" for n in range(10)]
    found = [hit(n, rule, f"u{n}") for n, rule in enumerate(rules)]
    notice = summary(found, LINKS, ROME, "markdown", feed_url="http://f/all.xml")
    assert len(notice.title) <= 120
    assert notice.title.startswith("10 new: rule-000-with-a-long-name (1), ")
    assert notice.title.endswith(", …")
    assert summary_title([]) == "0 new"


def test_a_notice_survives_the_outbox_and_a_probe_names_its_channel() -> None:
    notice = probe_notice("desk_ntfy", datetime(2026, 3, 1, 12, tzinfo=UTC), ROME, "markdown")
    assert r"desk\_ntfy" in notice.body
    assert "2026-03-01 13:00 CET" in notice.body
    assert Notice.from_bytes(notice.to_bytes()) == notice
