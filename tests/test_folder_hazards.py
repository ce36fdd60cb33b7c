"""Folder hazards while a scan runs: files growing, rewritten, replaced, renamed or deleted at
the moment they are read; a writer appending while `watcher scan` runs; 20,000 files at once.
Never a truncated article, never a crash, every problem in `watcher errors`, and the file read
again, and archived whole, at the next scan."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from running import added_up, eventually, finished, listed_errors, start_watcher, time_passes
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from support import CORPUS, EXAMPLE, run_cli, write
from test_scan import SEEDS_ARTICLE, CountingReader, scan, seeds, settings

from watcher.articles.discover import FoundFile, read_found
from watcher.reading import ReadBytes
from watcher.scan import BATCH_SIZE, run_scan
from watcher.services import utc_now
from watcher.store.files import count_files
from watcher.store.scans import ScanSummary
from watcher.store.tables import ArticleLocationRow, ArticleVersionRow, SeenFileRow

__all__ = ["scan", "seeds"]  # the fixtures of tests/test_scan.py

Act = Callable[[Path], None]  # done to a file at a chosen moment

CHANGED = (
    "the file changed while being read (is it still being written?); it is read again at "
    "the next scan"
)
REPLACED = "the file was replaced while being read; it is read again at the next scan"
GONE = "cannot read the file: No such file or directory"


def original(story: str) -> str:
    return f"Story {story}\n\nFirst paragraph of {story}.\n"


def final(story: str) -> str:
    """The story once its writer has added a second paragraph."""
    return original(story) + f"\nSecond paragraph of {story}, complete.\n"


def cut(story: str) -> int:
    """Where a writer of `final` is cut off, mid-paragraph."""
    return len(original(story)) + len("\nSecond para")


def body_of(text: str) -> str:
    """The body watcher archives for the plain articles written here: all after the headline."""
    return text.split("\n\n", 1)[1].strip()


def complete_bodies(stories: list[str]) -> set[str]:
    """Every body the archive may hold: a story as first written or as finished, never a part."""
    return {body_of(version(story)) for story in stories for version in (original, final)}


def append_half(path: Path) -> None:
    story = path.stem
    with path.open("a", encoding="utf-8") as handle:
        handle.write(final(story)[len(original(story)) : cut(story)])


def append_rest(path: Path) -> None:
    story = path.stem
    with path.open("a", encoding="utf-8") as handle:
        handle.write(final(story)[cut(story) :])


def append_all(path: Path) -> None:
    append_half(path)
    append_rest(path)


def truncate_mid_sentence(path: Path) -> None:
    os.truncate(path, len(f"Story {path.stem}\n\nFirst par"))


def rewrite_in_place(path: Path) -> None:
    path.write_text(final(path.stem), encoding="utf-8")  # truncated, then written: same inode


def rewrite_half_in_place(path: Path) -> None:
    path.write_text(final(path.stem)[: cut(path.stem)], encoding="utf-8")


def replace_atomically(path: Path) -> None:
    temp = path.with_name(path.name + ".tmp")  # a temp name, which scans skip
    temp.write_text(final(path.stem), encoding="utf-8")
    os.replace(temp, path)


def rename(path: Path) -> None:
    path.rename(path.with_name(f"{path.stem}-renamed.txt"))


def delete(path: Path) -> None:
    path.unlink()


def nothing(path: Path) -> None:
    """No change at this moment."""


@dataclass(frozen=True)
class Hazard:
    """What happens to the file `{name}.txt` right before and right after the scan reads it,
    what `watcher errors` then says of it, and which version of it is archived under which
    name once the next scan is done (None: deleted)."""

    name: str
    before: Act
    after: Act
    error: str | None
    ends: tuple[str, str] | None  # the file's name, the text archived under it


HAZARDS = [
    Hazard("growing", append_half, append_rest, CHANGED, ("growing.txt", final("growing"))),
    Hazard("grown-after", nothing, append_all, None, ("grown-after.txt", final("grown-after"))),
    Hazard(
        "truncated",
        truncate_mid_sentence,
        rewrite_in_place,
        CHANGED,
        ("truncated.txt", final("truncated")),
    ),
    Hazard(
        "rewritten",
        rewrite_half_in_place,
        append_rest,
        CHANGED,
        ("rewritten.txt", final("rewritten")),
    ),
    Hazard("replaced", replace_atomically, nothing, REPLACED, ("replaced.txt", final("replaced"))),
    Hazard(
        "replaced-after",
        nothing,
        replace_atomically,
        None,
        ("replaced-after.txt", final("replaced-after")),
    ),
    Hazard("renamed", rename, nothing, GONE, ("renamed-renamed.txt", original("renamed"))),
    Hazard(
        "renamed-after",
        nothing,
        rename,
        None,
        ("renamed-after-renamed.txt", original("renamed-after")),
    ),
    Hazard("deleted", delete, nothing, GONE, None),
    Hazard("deleted-after", nothing, delete, None, None),
    Hazard("untouched", nothing, nothing, None, ("untouched.txt", original("untouched"))),
]
STORIES = [hazard.name for hazard in HAZARDS]


def striking(hazards: list[Hazard]) -> ReadBytes:
    """The real read of each file, with its hazard done to the real file around it."""
    by_name = {f"{hazard.name}.txt": hazard for hazard in hazards}

    def read(found: FoundFile, limit: int) -> bytes:
        hazard = by_name[found.path.name]
        hazard.before(found.path)
        try:
            return read_found(found, limit)
        finally:
            hazard.after(found.path)  # the writer goes on, whatever the scan made of the file

    return read


def test_files_changed_at_the_moment_they_are_read(
    sessions: sessionmaker[Session],
    seeds: Path,
    scan: Callable[..., ScanSummary],
    project: Path,
    database_url: str,
) -> None:
    for story in STORIES:
        write(seeds / f"{story}.txt", original(story))
    first = scan(read_bytes=striking(HAZARDS))
    assert added_up(first) == len(HAZARDS)  # each file counted once: archived, or an error
    archived_first = set(bodies(sessions))
    assert archived_first <= complete_bodies(STORIES)  # never a truncated article
    assert listed_errors(project, database_url) == {
        f"{hazard.name}.txt": hazard.error for hazard in HAZARDS if hazard.error
    }
    ends = [hazard.ends for hazard in HAZARDS if hazard.ends is not None]
    meanwhile = scan()  # the writers have only just finished: their files wait to settle
    assert added_up(meanwhile) == len(ends)
    assert meanwhile.errors == len(listed_errors(project, database_url))
    time_passes(seeds)
    second = scan()
    assert added_up(second) == len(ends)
    assert listed_errors(project, database_url) == {}
    assert seen_files(sessions) == {name for name, _ in ends}  # a deleted file is forgotten
    archived = archived_bodies(sessions)
    assert {name: archived.get(name) for name, _ in ends} == {
        name: body_of(text) for name, text in ends
    }
    # Nothing archived is lost: an earlier version, a deleted or a renamed file's article.
    assert archived_first <= set(bodies(sessions)) <= complete_bodies(STORIES)


WRITTEN_FILES = BATCH_SIZE + 700  # the writer sets off once the first batch is archived
ONLY_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@ONLY_SQLITE  # the hazard is in the folder: PostgreSQL would add time, not proof
def test_a_writer_appending_while_watcher_scan_runs(
    sessions: sessionmaker[Session], project: Path, database_url: str
) -> None:
    folder = project / "seeds"
    (folder / EXAMPLE.name).unlink()
    stories = [f"w{index:04d}" for index in range(WRITTEN_FILES)]
    for story in stories:
        write(folder / f"{story}.txt", original(story))
    scanning = start_watcher(project, database_url, "scan", "--format", "json")
    eventually(lambda: files_seen(sessions) >= BATCH_SIZE, scanning, "the first batch archived")
    for story in reversed(stories):  # the scan reads in name order: overtake it
        append_half(folder / f"{story}.txt")  # ... and stop mid-paragraph, for now
    first = finished(scanning)
    assert added_up(first) == WRITTEN_FILES
    assert set(bodies(sessions)) <= complete_bodies(stories)  # never a truncated article
    assert first["errors"] > 0  # the writer overtook the scan
    assert listed_errors(project, database_url) == dict.fromkeys(
        [f"{story}.txt" for story in stories[-first["errors"] :]], CHANGED
    )
    for story in stories:
        append_rest(folder / f"{story}.txt")
    time_passes(folder)
    second = scan_json(project, database_url)
    assert (second["errors"], added_up(second)) == (0, WRITTEN_FILES)
    assert listed_errors(project, database_url) == {}
    archived = archived_bodies(sessions)
    assert {f"{story}.txt": archived[f"{story}.txt"] for story in stories} == {
        f"{story}.txt": body_of(final(story)) for story in stories
    }
    assert set(bodies(sessions)) <= complete_bodies(stories)


MANY = 20_000


@pytest.mark.slow
@ONLY_SQLITE  # PostgreSQL doubles the time of the longest test and proves nothing more here
@pytest.mark.skipif(not CORPUS.is_file(), reason=f"the Reuters corpus is absent ({CORPUS})")
def test_twenty_thousand_files_appearing_at_once(
    sessions: sessionmaker[Session], project: Path, database_url: str
) -> None:
    folder = project / "seeds"
    (folder / EXAMPLE.name).unlink()
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        for _ in range(MANY):
            record = json.loads(next(lines))
            write(folder / f"{record['id']:05d}.txt", SEEDS_ARTICLE.format(**record))
    summary = scan_json(project, database_url)
    assert (summary["new"] + summary["duplicate"], summary["waiting"], summary["errors"]) == (
        MANY,
        0,
        0,
    )
    status = run_cli(project, "status", "--format", "json", database_url=database_url)
    counts = json.loads(status.stdout)
    assert (counts["articles"], counts["files"], counts["errors"]) == (summary["new"], MANY, 0)
    assert {key: counts["last_scan"][key] for key in summary} == summary
    reader = CountingReader()
    again = run_scan(sessions, settings(folder), clock=utc_now, read_bytes=reader)
    assert reader.paths == []
    assert (again.new, again.unchanged) == (0, MANY)


def scan_json(project: Path, database_url: str) -> Any:
    """`watcher scan --format json` (through click's runner) and the summary it printed."""
    result = run_cli(project, "scan", "--format", "json", database_url=database_url)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def bodies(sessions: sessionmaker[Session]) -> list[str]:
    """The body of every article version in the archive."""
    with sessions() as session:
        return list(session.scalars(select(ArticleVersionRow.body)))


def archived_bodies(sessions: sessionmaker[Session]) -> dict[str, str]:
    """The newest archived body under each file name the archive knows."""
    newest = (
        select(ArticleVersionRow.article_id, func.max(ArticleVersionRow.id).label("id"))
        .group_by(ArticleVersionRow.article_id)
        .subquery()
    )
    statement = (
        select(ArticleLocationRow.path, ArticleVersionRow.body)
        .join(newest, newest.c.article_id == ArticleLocationRow.article_id)
        .join(ArticleVersionRow, ArticleVersionRow.id == newest.c.id)
    )
    with sessions() as session:
        return {path: body for path, body in session.execute(statement)}  # noqa: C416


def seen_files(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as session:
        return set(session.scalars(select(SeenFileRow.path)))


def files_seen(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return count_files(session)
