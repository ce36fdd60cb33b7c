"""The collector's young passes are rarer while a scan runs, and only then."""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from web.desk import BASE_URL, open_desk

from watcher.collector import YOUNG_THRESHOLD, rarer_collections
from watcher.jobs import scan_job

SEEDS_ARTICLE = "Reuters\n\nFighting near Tripoli\n\n5/21/2020, 5:38:06 PM\n\nClashes.\n"


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    """A known starting point, put back afterwards whatever the test did."""
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*before)


def test_the_young_threshold_is_raised_inside_and_restored_after(
    thresholds: tuple[int, int, int],
) -> None:
    gc.set_threshold(500, 5, 7)
    with rarer_collections():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 5, 7)
    assert gc.get_threshold() == (500, 5, 7)


def test_a_higher_threshold_is_kept(thresholds: tuple[int, int, int]) -> None:
    gc.set_threshold(YOUNG_THRESHOLD * 3, 10, 10)
    with rarer_collections():
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD * 3
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD * 3


def test_an_error_inside_restores_the_thresholds(thresholds: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError), rarer_collections():
        raise RuntimeError("boom")
    assert gc.get_threshold() == thresholds


def test_overlapping_bodies_restore_only_when_the_last_ends(
    thresholds: tuple[int, int, int],
) -> None:
    """The daemon's scan and a poll overlap: whichever ends first leaves it raised."""
    entered, release = threading.Event(), threading.Event()

    def other() -> None:
        with rarer_collections():
            entered.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    with rarer_collections():
        thread.start()
        assert entered.wait(10)
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD  # the other body still runs
    release.set()
    thread.join(10)
    assert gc.get_threshold() == thresholds


def test_a_scan_runs_with_rarer_collections(
    thresholds: tuple[int, int, int], tmp_path: Path, database_url: str
) -> None:
    seen: list[int] = []
    with open_desk(tmp_path / "project", database_url) as desk:
        article = desk.root / "seeds" / "libya.txt"
        article.write_text(SEEDS_ARTICLE, encoding="utf-8")
        os.utime(article, (1, 1))  # long settled
        summary = scan_job(
            desk.services,
            desk.ruleset,
            base_url=BASE_URL,
            progress=lambda *_: seen.append(gc.get_threshold()[0]),
        )
    assert (summary.new, summary.hits) == (1, 1)
    assert seen
    assert set(seen) == {YOUNG_THRESHOLD}
    assert gc.get_threshold() == thresholds
