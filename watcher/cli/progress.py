"""The scan's progress bar on a terminal: files read out of those to read, and the time left."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.text import Text


class FilesColumn(ProgressColumn):
    """`1,234/21,578 files`; `counting files` until the scan knows how many it will read."""

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("counting files", style="progress.download")
        done, total = int(task.completed), int(task.total)
        return Text(f"{done:,}/{total:,} files", style="progress.download")


def scan_progress(
    *,
    enabled: bool,
    console: Console | None = None,
    get_time: Callable[[], float] | None = None,
) -> Progress:
    """A bar that disappears when the scan ends (its summary line stays)."""
    return Progress(
        TextColumn("scanning"),
        BarColumn(),
        FilesColumn(),
        TimeRemainingColumn(),
        console=console,
        get_time=get_time,
        disable=not enabled,
        transient=True,
    )
