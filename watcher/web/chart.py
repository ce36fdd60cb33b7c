"""A rule's hits per day as the bars of a small SVG chart, drawn by the server. Pure.

The page shows the geometry computed here in an inline <svg> (no script runs on our
pages), with a title naming the period and totals, and the numbers as a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

BAR_WIDTH = 9
BAR_GAP = 3
PLOT_HEIGHT = 60
# A day with one hit among days with hundreds still shows a bar.
MIN_BAR_HEIGHT = 2


@dataclass(frozen=True, slots=True)
class DayBar:
    day: date
    count: int
    x: int
    y: float
    width: int
    height: float


@dataclass(frozen=True, slots=True)
class DayChart:
    """Bars oldest first, in a `width` x `height` view box; `summary` says it in words."""

    bars: tuple[DayBar, ...]
    width: int
    height: int
    total: int
    peak: DayBar | None
    summary: str

    @property
    def first(self) -> date:
        return self.bars[0].day

    @property
    def last(self) -> date:
        return self.bars[-1].day


def _height(count: int, peak: int) -> float:
    if count == 0:
        return 0.0
    return max(MIN_BAR_HEIGHT, round(PLOT_HEIGHT * count / peak, 1))


def day_chart(first_day: date, counts: Sequence[int]) -> DayChart:
    """The chart of `counts`, one a day from `first_day`."""
    peak_count = max(counts, default=0)
    bars = []
    for number, count in enumerate(counts):
        height = _height(count, peak_count)
        x = number * (BAR_WIDTH + BAR_GAP)
        day = first_day + timedelta(days=number)
        bars.append(DayBar(day, count, x, PLOT_HEIGHT - height, BAR_WIDTH, height))
    total = sum(counts)
    peak = max(bars, key=lambda bar: (bar.count, bar.day)) if peak_count else None
    period = f"{bars[0].day} to {bars[-1].day}" if bars else "no days"
    busiest = f", most on {peak.day} ({peak.count})" if peak else ""
    summary = f"Hits recorded per day (UTC), {period}: {_hits(total)} in all{busiest}."
    width = len(counts) * (BAR_WIDTH + BAR_GAP) - BAR_GAP
    return DayChart(tuple(bars), max(width, 0), PLOT_HEIGHT + 1, total, peak, summary)


def _hits(count: int) -> str:
    return "1 hit" if count == 1 else f"{count} hits"
