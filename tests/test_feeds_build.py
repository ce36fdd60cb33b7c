"""watcher.feeds.build: feed files from the archive, on every backend; atomic, only if changed."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from support import FixedClock
from web.desk import BASE_URL, T0, Desk, article, newsroom, open_desk
from web.feedcheck import check_feed, opml_outlines

from watcher.feeds import build_all, build_since
from watcher.feeds.build import FeedsWriteError
from watcher.store.articles import count_articles

EXPECTED_FILES = {
    "rules/libya.xml",
    "rules/libya.atom",
    "rules/wagner.xml",
    "rules/wagner.atom",
    "rules/oil.xml",
    "rules/oil.atom",
    "tags/mena.xml",
    "tags/mena.atom",
    "tags/russia.xml",
    "tags/russia.atom",
    "all.xml",
    "all.atom",
    "feeds.opml",
}
# The untitled article: its headline is its first twelve words.
DISPATCH = "Untitled dispatch: the Libya talks in Geneva ended without a deal on…"
OLD = 1_000_000_000  # an mtime long past: a rewritten file gets a new one


@pytest.fixture
def desk(ingested_desk: Desk) -> Desk:
    """Articles ingested, no feed built yet: these tests build the feeds themselves."""
    return ingested_desk


def build(desk: Desk) -> list[str]:
    return build_all(desk.services.sessions, desk.config.feeds, desk.ruleset).written


def files(desk: Desk) -> set[str]:
    """The feed files (not the hidden watermark beside them)."""
    root = desk.feeds_dir
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name[0] != "."}


def feed(desk: Desk, name: str):
    return check_feed(name, (desk.feeds_dir / name).read_bytes())


def age_all(desk: Desk) -> None:
    for path in desk.feeds_dir.rglob("*"):
        if path.is_file():
            os.utime(path, (OLD, OLD))


def rewritten(desk: Desk) -> set[str]:
    root = desk.feeds_dir
    return {name for name in files(desk) if (root / name).stat().st_mtime != OLD}


def test_every_feed_of_enabled_rules_tags_and_all_is_written_and_valid(desk: Desk) -> None:
    assert set(build(desk)) == EXPECTED_FILES
    assert files(desk) == EXPECTED_FILES  # no temp file left; nothing for the disabled rule
    for name in EXPECTED_FILES - {"feeds.opml"}:
        assert feed(desk, name).entries, name
    outlines = opml_outlines((desk.feeds_dir / "feeds.opml").read_bytes())
    assert outlines == [  # each feed once, as RSS; its Atom form is linked from it
        ("watcher: Libya", f"{BASE_URL}feeds/rules/libya.xml"),
        ("watcher: Oil & gas <prices>", f"{BASE_URL}feeds/rules/oil.xml"),
        ("watcher: Wagner Group", f"{BASE_URL}feeds/rules/wagner.xml"),
        ("watcher: tag mena", f"{BASE_URL}feeds/tags/mena.xml"),
        ("watcher: tag russia", f"{BASE_URL}feeds/tags/russia.xml"),
        ("watcher: all hits", f"{BASE_URL}feeds/all.xml"),
    ]


def test_rule_feed_entries_newest_hit_first_with_links_guids_dates_categories(desk: Desk) -> None:
    build(desk)
    for name in ("rules/libya.xml", "rules/libya.atom"):
        entries = feed(desk, name).entries
        # Second scan (newest hits) first; within it, the later publication first.
        assert [e.title for e in entries] == [
            DISPATCH,
            "Wagner fighters in Libya",
            "Clashes near Tripoli",
        ]
        wagner = entries[1]
        assert wagner.id.startswith("urn:watcher:feed:rules/libya:article:")
        assert wagner.link == f"{BASE_URL}articles/{wagner.id.rsplit(':', 1)[1]}"
        assert wagner.published_parsed[:4] == (2026, 3, 1, 7)
        assert {t.term for t in wagner.tags} == {"libya", "mena"}
        assert wagner.author == "The Limited Times"
    atom = feed(desk, "rules/libya.atom")
    related = [link.href for link in atom.entries[1].links if link.rel == "related"]
    assert related == ["https://news.example.com/wagner?id=1&x=2"]
    assert atom.feed.updated_parsed[:4] == (2026, 3, 1, 13)  # the newest hit, not the clock


def test_tag_and_all_feeds_hold_an_article_once_with_all_its_rules(desk: Desk) -> None:
    build(desk)
    for name in ("tags/mena.xml", "tags/mena.atom"):
        entries = feed(desk, name).entries
        ids = [e.id for e in entries]
        assert len(ids) == len(set(ids)) == 3
        wagner = next(e for e in entries if e.title == "Wagner fighters in Libya")
        assert {t.term for t in wagner.tags} == {"libya", "wagner", "mena", "russia"}
    everything = feed(desk, "all.atom").entries
    assert len(everything) == 4
    dispatch = everything[0]
    assert {t.term for t in dispatch.tags} == {"libya", "oil", "mena"}
    marked = "&lt;mark&gt;&lt;strong&gt;Libya&lt;/strong&gt;&lt;/mark&gt;"
    assert marked in (desk.feeds_dir / "all.atom").read_text()


def test_max_entries_keeps_the_newest(tmp_path: Path, database_url: str) -> None:
    with open_desk(tmp_path / "p", database_url, max_entries=2) as desk:
        for batch, at in newsroom():
            desk.ingest(batch, at)
        build(desk)
        titles = [e.title for e in feed(desk, "all.xml").entries]
        assert titles == [
            DISPATCH,
            "Wagner fighters in Libya",
        ]


def test_a_second_build_rewrites_nothing(desk: Desk) -> None:
    build(desk)
    age_all(desk)
    report = build_all(desk.services.sessions, desk.config.feeds, desk.ruleset)
    assert (report.written, report.unchanged, report.removed) == ([], 13, [])
    assert rewritten(desk) == set()


def test_feeds_read_and_highlighted_in_batches_are_the_same_files(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big build reads and highlights its feeds a batch at a time; where the batches
    are cut changes no byte of any feed."""
    build(desk)
    whole = {name: (desk.feeds_dir / name).read_bytes() for name in files(desk)}
    age_all(desk)
    monkeypatch.setattr("watcher.feeds.workers.ENTRIES_PER_BATCH", 1)
    report = build_all(desk.services.sessions, desk.config.feeds, desk.ruleset, workers=1)
    assert (report.written, report.unchanged) == ([], len(EXPECTED_FILES))
    assert {name: (desk.feeds_dir / name).read_bytes() for name in files(desk)} == whole


def test_after_new_hits_only_the_feeds_they_touch_are_rewritten(desk: Desk) -> None:
    build(desk)
    age_all(desk)
    later = T0 + timedelta(hours=3)
    desk.ingest([article("Oil tanker seized", "An oil tanker was seized.")], later)
    report = build_since(desk.services.sessions, desk.config.feeds, desk.ruleset, later)
    assert set(report.written) == {"rules/oil.xml", "rules/oil.atom", "all.xml", "all.atom"}
    assert rewritten(desk) == set(report.written)
    assert feed(desk, "rules/oil.atom").entries[0].title == "Oil tanker seized"
    nothing = build_since(desk.services.sessions, desk.config.feeds, desk.ruleset, later)
    assert nothing.written == []


def test_a_build_counts_the_feeds_it_writes(desk: Desk) -> None:
    told: list[tuple[int, int]] = []
    later = T0 + timedelta(days=30)
    build_since(
        desk.services.sessions,
        desk.config.feeds,
        desk.ruleset,
        later,
        progress=lambda done, total: told.append((done, total)),
    )
    feeds = len(EXPECTED_FILES) // 2  # each in two formats; the OPML is not a feed
    assert told == [(done, feeds) for done in range(1, feeds + 1)]


def test_hits_just_published_are_not_read_again_by_the_next_build(desk: Desk) -> None:
    """A scan's last hits fall within the watermark's margin; the scan after it (nothing
    new) must not rebuild their feeds: after a big scan that was every feed again."""
    clock = FixedClock(T0 + timedelta(hours=3))
    build_all(desk.services.sessions, desk.config.feeds, desk.ruleset, clock=clock)
    desk.ingest([article("Oil tanker seized", "An oil tanker was seized.")], clock.now)
    clock.now += timedelta(seconds=1)
    first = build_since(
        desk.services.sessions, desk.config.feeds, desk.ruleset, clock.now, clock=clock
    )
    assert "rules/oil.atom" in first.written
    clock.now += timedelta(seconds=1)
    again = build_since(
        desk.services.sessions, desk.config.feeds, desk.ruleset, clock.now, clock=clock
    )
    assert (again.written, again.unchanged) == ([], 1)  # only the OPML was rendered


def test_a_hit_committed_after_a_build_with_an_earlier_time_is_published_next(
    desk: Desk,
) -> None:
    """A source poll stamps its hits, then commits them just after a build's query: the
    next build still publishes them (the same count since the watermark would hide it)."""
    clock = FixedClock(T0 + timedelta(hours=3))
    build_all(desk.services.sessions, desk.config.feeds, desk.ruleset, clock=clock)
    desk.ingest([article("Oil tanker seized", "An oil tanker was seized.")], clock.now)
    clock.now += timedelta(seconds=1)
    build_since(desk.services.sessions, desk.config.feeds, desk.ruleset, clock.now, clock=clock)
    stamped = clock.now - timedelta(seconds=2)  # before that build, committed after it
    desk.ingest([article("Oil field shut", "The oil field was shut.")], stamped)
    clock.now += timedelta(seconds=1)
    report = build_since(
        desk.services.sessions, desk.config.feeds, desk.ruleset, clock.now, clock=clock
    )
    assert {"rules/oil.atom", "all.atom"} <= set(report.written)
    titles = [entry.title for entry in feed(desk, "rules/oil.atom").entries]
    assert {"Oil field shut", "Oil tanker seized"} <= set(titles)


def test_a_watermark_without_counts_rebuilds_what_was_hit_since(desk: Desk) -> None:
    """The watermark of an earlier watcher (a time alone) counts nothing as seen."""
    build(desk)
    later = T0 + timedelta(hours=3)
    desk.ingest([article("Oil tanker seized", "An oil tanker was seized.")], later)
    (desk.feeds_dir / ".published-through").write_text(later.isoformat(), encoding="utf-8")
    report = build_since(desk.services.sessions, desk.config.feeds, desk.ruleset, later)
    assert "rules/oil.atom" in report.written
    assert feed(desk, "rules/oil.atom").entries[0].title == "Oil tanker seized"


def test_incremental_build_writes_missing_feeds_of_a_new_rule(desk: Desk) -> None:
    build(desk)
    desk.with_rules("rules:\n  - name: geneva\n    query: Geneva\n    tags: [talks]\n")
    later = T0 + timedelta(days=1)
    report = build_since(desk.services.sessions, desk.config.feeds, desk.ruleset, later)
    assert set(report.written) == {
        "rules/geneva.xml",
        "rules/geneva.atom",
        "tags/talks.xml",
        "tags/talks.atom",
        "feeds.opml",
    }
    assert feed(desk, "rules/geneva.xml").entries == []


def test_full_build_removes_feeds_of_rules_and_tags_that_are_gone(desk: Desk) -> None:
    build(desk)
    keep = desk.feeds_dir / "rules" / "notes.txt"
    keep.write_text("not a feed", encoding="utf-8")
    desk.with_rules("rules:\n  - name: oil\n    query: oil\n")
    report = build_all(desk.services.sessions, desk.config.feeds, desk.ruleset)
    assert set(report.removed) == {
        "rules/libya.xml",
        "rules/libya.atom",
        "rules/wagner.xml",
        "rules/wagner.atom",
        "tags/mena.xml",
        "tags/mena.atom",
        "tags/russia.xml",
        "tags/russia.atom",
    }
    assert files(desk) == {
        "rules/oil.xml",
        "rules/oil.atom",
        "all.xml",
        "all.atom",
        "feeds.opml",
        "rules/notes.txt",
    }
    assert len(feed(desk, "all.xml").entries) == 2  # only oil's hits now


def test_an_article_has_another_guid_in_every_feed_and_one_in_both_its_formats(
    desk: Desk,
) -> None:
    build(desk)
    stems = ("rules/libya", "rules/wagner", "tags/mena", "tags/russia", "all")
    ids = {stem: [e.id for e in feed(desk, f"{stem}.xml").entries] for stem in stems}
    for stem in stems:
        assert ids[stem] == [e.id for e in feed(desk, f"{stem}.atom").entries]
        assert all(i.startswith(f"urn:watcher:feed:{stem}:article:") for i in ids[stem])
    every = [i for stem in stems for i in ids[stem]]
    assert len(every) == len(set(every)) == 3 + 1 + 3 + 1 + 4


def test_guids_survive_a_rebuild_into_a_fresh_database(desk: Desk, tmp_path: Path) -> None:
    build(desk)
    with open_desk(tmp_path / "fresh", f"sqlite:///{tmp_path / 'fresh.db'}") as fresh:
        for batch, at in reversed(newsroom()):  # other order: other database ids
            fresh.ingest(batch, at)
        with fresh.services.sessions() as session:
            assert count_articles(session) == 4
        build(fresh)
        for name in ("all.xml", "all.atom", "rules/libya.xml", "tags/mena.atom"):
            before = {(e.id, e.title) for e in feed(desk, name).entries}
            after = {(e.id, e.title) for e in feed(fresh, name).entries}
            assert before == after, name


def test_links_start_with_the_base_url_given_else_feeds_base_url(desk: Desk) -> None:
    build_all(desk.services.sessions, desk.config.feeds, desk.ruleset, base_url="http://h:1/")
    outlines = opml_outlines((desk.feeds_dir / "feeds.opml").read_bytes())
    assert all(url.startswith("http://h:1/feeds/") for _, url in outlines)
    unset = desk.config.feeds.model_copy(update={"base_url": None})
    with pytest.raises(ValueError, match=r"^feeds.base_url is not set: pass the base_url"):
        build_all(desk.services.sessions, unset, desk.ruleset)


def test_hits_a_killed_scan_never_published_are_published_by_the_next(desk: Desk) -> None:
    clock = FixedClock(T0 + timedelta(hours=1))
    build_all(desk.services.sessions, desk.config.feeds, desk.ruleset, clock=clock)
    clock.now += timedelta(hours=1)
    # A scan that recorded its hits and died before its feeds: nothing built at all.
    desk.ingest([article("Oil tanker seized", "An oil tanker was seized.")], clock.now)
    clock.now += timedelta(hours=1)
    later = clock.now
    desk.ingest([article("Tripoli quiet", "Tripoli was quiet.")], later)
    report = build_since(
        desk.services.sessions, desk.config.feeds, desk.ruleset, later, clock=clock
    )
    assert {"rules/oil.xml", "rules/libya.xml"} <= set(report.written)
    assert feed(desk, "rules/oil.atom").entries[0].title == "Oil tanker seized"


def test_feeds_that_cannot_be_written_are_one_error_and_caught_up_later(desk: Desk) -> None:
    clock = FixedClock(T0 + timedelta(hours=1))
    build_all(desk.services.sessions, desk.config.feeds, desk.ruleset, clock=clock)
    clock.now += timedelta(hours=1)
    desk.ingest([article("Oil tanker seized", "An oil tanker was seized.")], clock.now)
    blocked = desk.feeds_dir / "rules" / "oil.atom"
    before = blocked.read_bytes()
    blocked.unlink()
    blocked.mkdir()  # the feed cannot be written now
    with pytest.raises(FeedsWriteError) as caught:
        build_since(desk.services.sessions, desk.config.feeds, desk.ruleset, clock.now, clock=clock)
    assert str(caught.value).startswith(f"cannot write the feeds under {desk.feeds_dir}: ")
    assert "the next scan publishes them" in str(caught.value)
    blocked.rmdir()
    blocked.write_bytes(before)  # as it was: without the hit
    clock.now += timedelta(hours=1)
    build_since(desk.services.sessions, desk.config.feeds, desk.ruleset, clock.now, clock=clock)
    assert feed(desk, "rules/oil.atom").entries[0].title == "Oil tanker seized"


def test_a_folder_without_a_watermark_gets_every_feed(desk: Desk) -> None:
    later = T0 + timedelta(days=30)
    report = build_since(desk.services.sessions, desk.config.feeds, desk.ruleset, later)
    assert {"rules/libya.xml", "rules/oil.xml", "all.atom"} <= set(report.written)
    assert feed(desk, "rules/oil.atom").entries  # hits recorded long before `later`
    again = build_since(desk.services.sessions, desk.config.feeds, desk.ruleset, later)
    assert again.written == []


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("not a time", id="garbage"),
        pytest.param('{"through": 5, "seen": {}}', id="json-wrong-types"),
        pytest.param('{"through": "2026-03-01T12:00:00", "seen": {}}', id="naive-time"),
        pytest.param('{"seen": {"oil": 1}}', id="json-no-time"),
    ],
)
def test_a_watermark_that_cannot_be_read_rebuilds_every_feed(desk: Desk, content: str) -> None:
    """A damaged record of what the feeds hold is no record: every feed is built again,
    and the record is written anew."""
    build(desk)
    age_all(desk)
    for path in desk.feeds_dir.rglob("*.atom"):
        path.write_bytes(b"stale")
    (desk.feeds_dir / ".published-through").write_text(content, encoding="utf-8")
    later = T0 + timedelta(days=30)
    report = build_since(desk.services.sessions, desk.config.feeds, desk.ruleset, later)
    assert {name for name in EXPECTED_FILES if name.endswith(".atom")} <= set(report.written)
    assert feed(desk, "rules/oil.atom").entries
    assert (desk.feeds_dir / ".published-through").read_text(encoding="utf-8") != content
