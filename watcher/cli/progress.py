"""The scan's progress bar on a terminal: files read out of those to read, then the feeds
written out of those to write, each with the time left."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.text import Text


class CountColumn(ProgressColumn):
    """`1,234/21,578 files` (the task's `unit`, files by default); `counting files` until
    the scan knows how many it will read."""

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", "files")
        if task.total is None:
            return Text(f"counting {unit}", style="progress.download")
        done, total = int(task.completed), int(task.total)
        return Text(f"{done:,}/{total:,} {unit}", style="progress.download")


def scan_progress(
    *,
    enabled: bool,
    console: Console | None = None,
    get_time: Callable[[], float] | None = None,
) -> Progress:
    """A bar per task ("scanning", then "writing feeds" with `unit="feeds"`) that disappears
    when the scan ends (its summary line stays)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        CountColumn(),
        TimeRemainingColumn(),
        console=console,
        get_time=get_time,
        disable=not enabled,
        transient=True,
    )
