"""watcher.cli.progress: the scan's bar counts files and tells the time left."""

from __future__ import annotations

import io

from rich.console import Console

from watcher.cli.progress import scan_progress


class Ticks:
    """A clock for rich that tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def shown(ticks: Ticks, *updates: tuple[float, int | None, int], **task: str) -> str:
    """The bar's line after each (time, total, done) update of its task."""
    quiet = Console(file=io.StringIO(), force_terminal=True, width=120)
    progress = scan_progress(enabled=True, console=quiet, get_time=ticks)
    task_id = progress.add_task(task.pop("description", "scanning"), total=None, **task)
    for at, total, done in updates:
        ticks.now = at
        progress.update(task_id, total=total, completed=done)
    screen = Console(file=io.StringIO(), width=120, record=True)
    screen.print(progress.make_tasks_table(progress.tasks))
    return screen.export_text().strip()


def test_before_the_files_are_counted() -> None:
    assert "counting files" in shown(Ticks())


def test_files_done_out_of_all_with_the_time_left() -> None:
    line = shown(Ticks(), (1000.0, 21_578, 0), (1010.0, 21_578, 617), (1020.0, 21_578, 1_234))
    # 617 files every 10 s is 61.7 a second: the 20,344 files left take 5 min 30 s.
    assert "1,234/21,578 files" in line
    assert "0:05:30" in line


def test_feeds_written_out_of_those_to_write() -> None:
    """After the files, a big scan writes its feeds for a while: a second line counts them."""
    updates = ((1000.0, 1_001, 0), (1004.0, 1_001, 286), (1008.0, 1_001, 572))
    line = shown(Ticks(), *updates, description="writing feeds", unit="feeds")
    assert line.startswith("writing feeds")
    assert "572/1,001 feeds" in line
    assert "0:00:06" in line  # 71.5 feeds a second: 429 left
