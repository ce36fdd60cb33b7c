"""One scan over a real folder into a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import gzip
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from powers import obeying_file_modes
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from support import CORPUS, EXAMPLE, write

from watcher.articles.discover import FoundFile, read_found
from watcher.errors import SeedsDirError
from watcher.reading import ReadBytes, ScanSettings
from watcher.scan import run_scan
from watcher.services import utc_now
from watcher.store.articles import count_articles
from watcher.store.files import count_files
from watcher.store.ingest_errors import list_errors
from watcher.store.tables import ArticleVersionRow

SEEDS_ARTICLE = "Reuters\n\n{title}\n\n{date}\n\n{body}\n"


def settings(seeds: Path, **overrides: object) -> ScanSettings:
    values: dict[str, object] = {
        "seeds_dir": seeds,
        "settle": timedelta(seconds=2),
        "max_file_size": 10_000,
        "timezone": ZoneInfo("UTC"),
        "default_source": "Desk",
    }
    values.update(overrides)
    return ScanSettings(**values)  # type: ignore[arg-type]


def plain(title: str, body: str = "Some body text.") -> str:
    return f"{title}\n\n{body}\n"


class CountingReader:
    def __init__(self, fail_on: set[str] | None = None) -> None:
        self.paths: list[Path] = []
        self.fail_on = fail_on or set()

    def __call__(self, found: FoundFile, limit: int) -> bytes:
        self.paths.append(found.path)
        if found.path.name in self.fail_on:
            raise PermissionError(13, "Permission denied")
        return read_found(found, limit)


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    return folder


@pytest.fixture
def scan(sessions: sessionmaker[Session], seeds: Path) -> Callable[..., object]:
    def run(read_bytes: ReadBytes = read_found, **overrides: object) -> object:
        return run_scan(
            sessions, settings(seeds, **overrides), clock=utc_now, read_bytes=read_bytes
        )

    return run


def versions(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(ArticleVersionRow)) or 0


def counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        return count_articles(session), count_files(session)


def test_example_article_is_archived_with_its_fields(sessions, seeds, scan) -> None:
    write(seeds / EXAMPLE.name, EXAMPLE.read_bytes())
    summary = scan()
    assert (summary.new, summary.changed, summary.errors) == (1, 0, 0)
    with sessions() as session:
        row = session.scalars(select(ArticleVersionRow)).one()
    assert row.title == "Haftar announces raids on Tripoli, Putin sends reinforcements"
    assert row.source == "The Limited Times"
    assert row.published == datetime(2020, 5, 21, 17, 38, 6, tzinfo=UTC)
    assert row.path == EXAMPLE.name


def test_rescan_of_unchanged_folder_reads_no_file(sessions, seeds, scan) -> None:
    for i in range(5):
        write(seeds / f"a{i}.txt", plain(f"Headline {i}"))
    scan()
    reader = CountingReader()
    summary = scan(read_bytes=reader)
    assert reader.paths == []
    assert (summary.new, summary.changed, summary.unchanged) == (0, 0, 5)


def test_same_content_under_two_paths_is_one_article(sessions, seeds, scan) -> None:
    write(seeds / "one.txt", plain("Same story"))
    write(seeds / "sub" / "two.txt", plain("Same story"))
    summary = scan()
    assert (summary.new, summary.duplicate, summary.unchanged) == (1, 1, 0)
    assert counts(sessions) == (1, 2)
    assert versions(sessions) == 1


def test_a_copy_of_an_archived_article_is_a_duplicate(sessions, seeds, scan) -> None:
    write(seeds / "one.txt", plain("Same story"))
    scan()
    write(seeds / "copy.txt", plain("Same story"))
    summary = scan()
    assert (summary.new, summary.duplicate, summary.unchanged) == (0, 1, 1)
    assert counts(sessions) == (1, 2)


def test_a_touched_file_with_the_same_content_is_unchanged(sessions, seeds, scan) -> None:
    path = write(seeds / "one.txt", plain("Same story"))
    scan()
    write(path, plain("Same story"), age_s=30)
    reader = CountingReader()
    summary = scan(read_bytes=reader)
    assert reader.paths == [path]
    assert (summary.new, summary.changed, summary.duplicate, summary.unchanged) == (0, 0, 0, 1)


def test_changed_content_is_a_new_version_of_the_same_article(sessions, seeds, scan) -> None:
    path = write(seeds / "story.txt", plain("First take"))
    scan()
    write(path, plain("Second take, corrected"), age_s=30)
    summary = scan()
    assert (summary.new, summary.changed) == (0, 1)
    assert counts(sessions)[0] == 1
    assert versions(sessions) == 2


def test_deleted_file_keeps_its_article(sessions, seeds, scan) -> None:
    path = write(seeds / "gone.txt", plain("Soon deleted"))
    scan()
    path.unlink()
    scan()
    assert counts(sessions) == (1, 0)


def test_unsettled_file_waits_for_the_next_scan(sessions, seeds, scan) -> None:
    path = write(seeds / "fresh.txt", plain("Still being written"), age_s=0)
    first = scan(settle=timedelta(seconds=30))
    assert (first.new, first.waiting, first.unchanged) == (0, 1, 0)
    past = time.time() - 60
    os.utime(path, (past, past))
    second = scan(settle=timedelta(seconds=30))
    assert (second.new, second.waiting, second.unchanged) == (1, 0, 0)


@pytest.mark.parametrize(
    "name",
    [".hidden.txt", "download.txt.part", "draft.tmp", "notes.txt~", ".#lock.txt", "image.png"],
)
def test_hidden_temp_and_unknown_files_are_skipped(sessions, seeds, scan, name: str) -> None:
    write(seeds / name, plain("Skipped"))
    write(seeds / ".hidden-dir" / "inside.txt", plain("Skipped too"))
    summary = scan()
    assert (summary.new, summary.errors, summary.unchanged) == (0, 0, 0)
    assert counts(sessions) == (0, 0)


def test_symlinks_are_followed_only_inside_the_folder(sessions, seeds, scan, tmp_path) -> None:
    inside = write(seeds / "real" / "inside.txt", plain("Inside story"))
    outside = write(tmp_path / "elsewhere" / "outside.txt", plain("Outside story"))
    (seeds / "link-in.txt").symlink_to(inside)
    (seeds / "link-out.txt").symlink_to(outside)
    (seeds / "dir-out").symlink_to(outside.parent)
    scan()
    with sessions() as session:
        titles = set(session.scalars(select(ArticleVersionRow.title)))
    assert titles == {"Inside story"}
    assert counts(sessions) == (1, 2)


BAD_FILES = [
    pytest.param("empty.txt", b"", "empty file", id="empty"),
    pytest.param("binary.txt", b"GIF89a\x00\x01\x02\x00\x00", "binary", id="binary"),
    pytest.param(
        "big.txt", b"x" * 20_000, "file too big (20,000 bytes, limit 10,000)", id="too-big"
    ),
    pytest.param("bad.txt", b"\xff\xfe\x00\xd8\x00\xd8", "cannot decode", id="undecodable"),
    pytest.param(
        "locked.txt",
        b"Locked\n\nbody\n",
        "cannot read the file: Permission denied",
        id="unreadable",
    ),
]


@pytest.mark.parametrize(("name", "content", "reason"), BAD_FILES)
def test_bad_file_is_recorded_and_does_not_stop_the_scan(
    sessions, seeds, scan, name: str, content: bytes, reason: str
) -> None:
    write(seeds / name, content)
    write(seeds / "good.txt", plain("Good story"))
    summary = scan(read_bytes=CountingReader(fail_on={"locked.txt"}))
    assert (summary.new, summary.errors) == (1, 1)
    with sessions() as session:
        failures = list_errors(session)
    assert [f.path for f in failures] == [name]
    assert reason in failures[0].reason


def test_a_bad_file_is_read_again_at_every_scan_until_it_ingests(sessions, seeds, scan) -> None:
    path = write(seeds / "empty.txt", b"")
    write(seeds / "good.txt", plain("A good story"))
    scan()
    reader = CountingReader()
    again = scan(read_bytes=reader)
    assert [p.name for p in reader.paths] == ["empty.txt"]  # the good file is not read again
    # Still failing, so still counted, and not as unchanged: the counts match `watcher errors`.
    assert (again.errors, again.unchanged) == (1, 1)
    write(path, plain("Now it has text"), age_s=30)
    summary = scan()
    assert (summary.new, summary.errors) == (1, 0)
    with sessions() as session:
        assert list_errors(session) == []


def test_a_file_too_big_ingests_once_the_limit_is_raised(sessions, seeds, scan) -> None:
    write(seeds / "long.txt", plain("A long story", "word " * 400))
    assert scan(max_file_size=100).errors == 1
    raised = scan(max_file_size=10_000)  # the file itself did not change
    assert (raised.new, raised.errors) == (1, 0)
    with sessions() as session:
        assert list_errors(session) == []


def test_bad_edit_of_a_good_file_keeps_its_article(sessions, seeds, scan) -> None:
    path = write(seeds / "story.txt", plain("A good story"))
    scan()
    write(path, b"", age_s=30)
    assert scan().errors == 1
    assert counts(sessions) == (1, 1)


@pytest.mark.skipif(not CORPUS.is_file(), reason=f"the Reuters corpus is absent ({CORPUS})")
def test_five_hundred_reuters_articles_then_a_rescan_finds_nothing_new(
    sessions, seeds, scan
) -> None:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        records = [json.loads(next(lines)) for _ in range(500)]
    for record in records:
        write(seeds / f"{record['id']:05d}.txt", SEEDS_ARTICLE.format(**record))
    distinct = len({(r["title"], r["body"]) for r in records})
    first = scan(max_file_size=10_000_000)
    assert (first.new, first.duplicate, first.unchanged, first.errors) == (
        distinct,
        500 - distinct,
        0,
        0,
    )
    second = scan(max_file_size=10_000_000)
    assert (second.new, second.changed, second.unchanged) == (0, 0, 500)
    assert counts(sessions) == (distinct, 500)


def test_nul_escapes_in_json_are_dropped_not_fatal(sessions, seeds, scan) -> None:
    write(seeds / "nul.json", '{"title": "Bad\\u0000title", "body": "Text \\u0000 here"}')
    write(seeds / "good.txt", plain("Good story"))
    summary = scan()
    assert (summary.new, summary.errors) == (2, 0)
    with sessions() as session:
        titles = set(session.scalars(select(ArticleVersionRow.title)))
    assert titles == {"Badtitle", "Good story"}


ADVICE = "point seeds_dir in the config at your articles folder"


def _as_a_file(seeds: Path) -> None:
    seeds.write_text("not a folder")


def _as_a_symlink_loop(seeds: Path) -> None:
    seeds.symlink_to(seeds)


def _unreadable(seeds: Path) -> None:
    seeds.mkdir()
    seeds.chmod(0)


SEEDS_DIR_PROBLEMS = [
    pytest.param(None, "missing: {seeds} — create the folder, or " + ADVICE, id="missing"),
    pytest.param(_as_a_file, "not a folder: {seeds} — " + ADVICE, id="a-file"),
    pytest.param(
        _as_a_symlink_loop,
        "unreadable: {seeds} (Too many levels of symbolic links) — fix it, or " + ADVICE,
        id="symlink-loop",
    ),
    pytest.param(
        _unreadable,
        "unreadable: {seeds} (Permission denied) — let the user running watcher read it, or "
        + ADVICE,
        id="permission-denied",
    ),
]


@pytest.mark.parametrize(("spoil", "problem"), SEEDS_DIR_PROBLEMS)
def test_seeds_dir_that_cannot_be_walked_stops_the_scan_and_forgets_nothing(
    sessions, seeds, scan, tmp_path, spoil: Callable[[Path], None] | None, problem: str
) -> None:
    write(seeds / "kept.txt", plain("Kept story"))
    scan()
    aside = seeds.rename(tmp_path / "aside")
    if spoil is not None:
        spoil(seeds)
    with pytest.raises(SeedsDirError) as caught, obeying_file_modes():
        scan()
    assert str(caught.value) == "seeds_dir: " + problem.format(seeds=seeds)
    assert caught.value.exit_code == 1
    if seeds.is_dir() and not seeds.is_symlink():
        seeds.chmod(0o755)
        seeds.rmdir()
    else:
        seeds.unlink(missing_ok=True)
    aside.rename(seeds)
    reader = CountingReader()
    summary = scan(read_bytes=reader)
    assert reader.paths == []
    assert (summary.new, summary.unchanged) == (0, 1)


def test_looping_and_dangling_symlinks_are_skipped(sessions, seeds, scan) -> None:
    write(seeds / "good.txt", plain("Good story"))
    (seeds / "self.txt").symlink_to(seeds / "self.txt")
    (seeds / "ping").symlink_to(seeds / "pong")
    (seeds / "pong").symlink_to(seeds / "ping")
    (seeds / "dangling.txt").symlink_to(seeds / "nowhere.txt")
    summary = scan()
    assert (summary.new, summary.errors) == (1, 0)
    assert counts(sessions) == (1, 1)


NEAR_MISSES = [
    pytest.param(
        "Reuters\n\nFRANCE SETTLES 21.95 BILLION FRANCS SHORT-TERM CURRENCY INTERVENTION\n"
        " DEBT - OFFICIAL\n\n 2-MAR-1987 11:08:18.52\n\nThe Bank of France said...\n\nBody.\n",
        "FRANCE SETTLES 21.95 BILLION FRANCS SHORT-TERM CURRENCY INTERVENTION DEBT - OFFICIAL",
        datetime(1987, 3, 2, 11, 8, 18, 520000, tzinfo=UTC),
        id="headline-on-two-lines",
    ),
    pytest.param(
        "Reuters\n\nGRAIN SHIPS WAITING\n\n27-MAR-1987 02:17:09.88   T C\n\nLead.\n\nBody.\n",
        "GRAIN SHIPS WAITING",
        datetime(1987, 3, 27, 2, 17, 9, 880000, tzinfo=UTC),
        id="routing-codes-after-the-time",
    ),
    pytest.param(
        "Reuters\n\nBAHIA COCOA REVIEW\n\n32/13/1987\n\nLead.\n\nBody.\n",
        "BAHIA COCOA REVIEW",
        datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC),  # the file's mtime
        id="time-that-does-not-parse",
    ),
]


@pytest.mark.parametrize(("text", "title", "published"), NEAR_MISSES)
def test_near_misses_of_the_seeds_layout_keep_source_headline_and_time(
    sessions, seeds, scan, text: str, title: str, published: datetime
) -> None:
    path = write(seeds / "wire.txt", text)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    assert scan().new == 1
    with sessions() as session:
        row = session.scalars(select(ArticleVersionRow)).one()
    assert (row.source, row.title, row.published) == ("Reuters", title, published)
    assert row.body == "Body."


def test_every_file_is_counted_once(sessions, seeds, scan) -> None:
    write(seeds / "kept.txt", plain("Kept story"))
    write(seeds / "edited.txt", plain("First take"))
    write(seeds / "empty.txt", b"")
    scan()
    write(seeds / "edited.txt", plain("Second take"), age_s=30)
    write(seeds / "fresh.txt", plain("Fresh story"))
    write(seeds / "copy.txt", plain("Kept story"))
    write(seeds / "binary.txt", b"\x00\x01")
    write(seeds / "writing.txt", plain("Half written"), age_s=0)
    summary = scan(settle=timedelta(seconds=30))
    assert {
        "new": summary.new,
        "changed": summary.changed,
        "unchanged": summary.unchanged,
        "duplicate": summary.duplicate,
        "waiting": summary.waiting,
        "errors": summary.errors,
    } == {"new": 1, "changed": 1, "unchanged": 1, "duplicate": 1, "waiting": 1, "errors": 2}


BAD_TIME = "Reuters\n\nCOCOA REVIEW\n\n32/13/1987\n\nLead.\n\nBody.\n"
BAD_TIME_WARNING = (
    "line 5: cannot parse publication time '32/13/1987'; using the file's modification time"
)


def problems(sessions: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with sessions() as session:
        return [(f.path, f.level, f.reason) for f in list_errors(session)]


def test_a_warning_is_recorded_and_the_file_archived(sessions, seeds, scan) -> None:
    path = write(seeds / "wire.txt", BAD_TIME)
    summary = scan()
    assert (summary.new, summary.errors, summary.warnings) == (1, 0, 1)
    assert problems(sessions) == [("wire.txt", "warning", BAD_TIME_WARNING)]
    again = scan()
    assert (again.unchanged, again.errors, again.warnings) == (1, 0, 1)
    write(path, BAD_TIME.replace("32/13/1987", "12/3/1987, 9:00:00 AM"), age_s=30)
    fixed = scan()
    assert (fixed.errors, fixed.warnings) == (0, 0)
    assert problems(sessions) == []


def test_a_warning_goes_when_its_file_goes_and_turns_into_an_error_when_it_fails(
    sessions, seeds, scan
) -> None:
    gone = write(seeds / "gone.txt", BAD_TIME)
    broken = write(seeds / "broken.txt", BAD_TIME.replace("COCOA", "SUGAR"))
    scan()
    assert [level for _, level, _ in problems(sessions)] == ["warning", "warning"]
    gone.unlink()
    write(broken, b"", age_s=30)
    summary = scan()
    assert (summary.errors, summary.warnings) == (1, 0)
    assert problems(sessions) == [("broken.txt", "error", "empty file")]


def test_many_warnings_of_one_file_make_one_line(sessions, seeds, scan) -> None:
    items = [{"title": f"Item {i}", "published": f"someday {i}"} for i in range(5)]
    write(seeds / "list.json", json.dumps(items))
    assert scan().warnings == 1
    [(path, level, reason)] = problems(sessions)
    assert (path, level) == ("list.json", "warning")
    assert (
        reason
        == "; ".join(
            f"JSON item [{i}]: cannot parse publication time 'someday {i}'; using the file's "
            "modification time"
            for i in range(3)
        )
        + " (and 2 more)"
    )


def test_progress_is_reported_file_by_file(sessions, seeds) -> None:
    for i in range(3):
        write(seeds / f"a{i}.txt", plain(f"Headline {i}"))
    write(seeds / "b.txt", plain("Headline 0"))
    reported: list[tuple[int, int]] = []
    run_scan(
        sessions,
        settings(seeds),
        clock=utc_now,
        progress=lambda done, total: reported.append((done, total)),
    )
    assert reported == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    reported.clear()
    run_scan(
        sessions,
        settings(seeds),
        clock=utc_now,
        progress=lambda done, total: reported.append((done, total)),
    )
    assert reported == [(0, 0)]


def test_a_stop_between_batches_keeps_what_was_stored_and_leaves_the_rest_waiting(
    sessions: sessionmaker[Session], seeds: Path
) -> None:
    for index in range(5):
        write(seeds / f"a{index}.txt", plain(f"Article {index}"))
    asked: list[int] = []

    def stop_after_first_batch() -> bool:
        asked.append(1)
        return len(asked) > 1

    summary = run_scan(
        sessions, settings(seeds), clock=utc_now, stop=stop_after_first_batch, batch_size=2
    )
    assert (summary.new, summary.waiting) == (2, 3)
    with sessions() as session:
        assert count_articles(session) == 2
    rest = run_scan(sessions, settings(seeds), clock=utc_now)
    assert (rest.new, rest.unchanged, rest.waiting) == (3, 2, 0)


def test_a_file_swapped_for_a_link_outside_while_scanned_is_refused(
    sessions, seeds, scan, tmp_path: Path
) -> None:
    secret = write(tmp_path / "secret.txt", plain("Secret memo", "Not for the feeds."))
    victim = write(seeds / "victim.txt", plain("Innocent story"))

    def swapping(found: FoundFile, limit: int) -> bytes:
        # Between the walk and the read, the file becomes a link to a file outside seeds_dir.
        victim.unlink()
        victim.symlink_to(secret)
        return read_found(found, limit)

    summary = scan(read_bytes=swapping)
    assert (summary.new, summary.errors) == (0, 1)
    assert problems(sessions) == [
        (
            "victim.txt",
            "error",
            "the file was replaced while being read; it is read again at the next scan",
        )
    ]
    assert counts(sessions)[0] == 0


def test_one_strange_file_never_stops_the_scan(sessions, seeds, scan) -> None:
    write(seeds / "deep.json", "[" * 3_000 + "]" * 3_000)
    write(seeds / "surrogate.json", '{"title": "\\ud800 Libya", "body": "x"}')
    write(seeds / os.fsdecode(b"bad\xff.txt"), plain("Odd name"))
    (seeds / "self").symlink_to(seeds / "self")  # a loop
    (seeds / "fifo.txt").unlink(missing_ok=True)
    os.mkfifo(seeds / "fifo.txt")
    os.utime(seeds / "fifo.txt", (0, 0))
    write(seeds / "good.txt", plain("Good story"))
    summary = scan()
    assert (summary.new, summary.errors) == (3, 1)
    assert problems(sessions) == [
        (
            "deep.json",
            "error",
            "JSON nested too deep to be an article (arrays or objects inside each other"
            " thousands of times)",
        )
    ]
    with sessions() as session:
        rows = session.execute(select(ArticleVersionRow.path, ArticleVersionRow.title))
        titles = {path: title for path, title in rows}  # noqa: C416 - a Result is not a mapping
    assert titles == {
        "bad\\xff.txt": "Odd name",
        "good.txt": "Good story",
        "surrogate.json": "\ufffd Libya",
    }


def test_an_unreadable_subfolder_is_recorded_and_its_files_are_kept(sessions, seeds, scan) -> None:
    write(seeds / "desk" / "kept.txt", plain("Kept story"))
    write(seeds / "top.txt", plain("Top story"))
    scan()
    write(seeds / "desk" / "later.txt", plain("Later story"))
    (seeds / "desk").chmod(0)
    try:
        with obeying_file_modes():
            summary = scan()
    finally:
        (seeds / "desk").chmod(0o755)
    assert (summary.errors, summary.unchanged) == (1, 1)
    with sessions() as session:
        [failure] = list_errors(session)
        assert count_files(session) == 2  # desk/kept.txt is not forgotten
    assert (failure.path, failure.level) == ("desk/", "error")
    assert failure.reason == (
        "unreadable folder (Permission denied); the files in it are left as they were — "
        "let the user running watcher read it"
    )
    reader = CountingReader()
    again = scan(read_bytes=reader)
    assert [p.name for p in reader.paths] == ["later.txt"]
    assert (again.new, again.unchanged, again.errors) == (1, 2, 0)
    with sessions() as session:
        assert list_errors(session) == []
