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


def shown(ticks: Ticks, *updates: tuple[float, int | None, int]) -> str:
    """The bar's line after each (time, total, done) update."""
    quiet = Console(file=io.StringIO(), force_terminal=True, width=120)
    progress = scan_progress(enabled=True, console=quiet, get_time=ticks)
    task = progress.add_task("scanning", total=None)
    for at, total, done in updates:
        ticks.now = at
        progress.update(task, total=total, completed=done)
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
