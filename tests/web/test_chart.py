"""The hits-per-day chart's geometry and words."""

from __future__ import annotations

from datetime import date

from watcher.web.chart import BAR_GAP, BAR_WIDTH, MIN_BAR_HEIGHT, PLOT_HEIGHT, day_chart


def test_bars_are_scaled_to_the_busiest_day() -> None:
    chart = day_chart(date(2026, 2, 27), [0, 40, 2, 200, 1])
    assert [bar.day for bar in chart.bars] == [
        date(2026, 2, 27),
        date(2026, 2, 28),
        date(2026, 3, 1),
        date(2026, 3, 2),
        date(2026, 3, 3),
    ]
    assert [bar.x for bar in chart.bars] == [n * (BAR_WIDTH + BAR_GAP) for n in range(5)]
    heights = [bar.height for bar in chart.bars]
    assert heights == [0, 12, MIN_BAR_HEIGHT, PLOT_HEIGHT, MIN_BAR_HEIGHT]
    assert all(bar.y + bar.height == PLOT_HEIGHT for bar in chart.bars)  # standing on the axis
    assert chart.width == 5 * BAR_WIDTH + 4 * BAR_GAP
    assert (chart.first, chart.last, chart.total) == (date(2026, 2, 27), date(2026, 3, 3), 243)
    assert chart.peak is not None
    assert (chart.peak.day, chart.peak.count) == (date(2026, 3, 2), 200)


def test_the_summary_names_the_period_the_total_and_the_busiest_day() -> None:
    chart = day_chart(date(2026, 2, 1), [0] * 27 + [3, 1, 3])
    assert chart.summary == (
        "Hits recorded per day (UTC), 2026-02-01 to 2026-03-02: 7 hits in all,"
        " most on 2026-03-02 (3)."
    )
    assert day_chart(date(2026, 2, 1), [1]).summary == (
        "Hits recorded per day (UTC), 2026-02-01 to 2026-02-01: 1 hit in all,"
        " most on 2026-02-01 (1)."
    )


def test_a_quiet_month_has_no_bars_and_says_so() -> None:
    chart = day_chart(date(2026, 2, 1), [0] * 30)
    assert chart.peak is None
    assert all(bar.height == 0 for bar in chart.bars)
    assert chart.summary == "Hits recorded per day (UTC), 2026-02-01 to 2026-03-02: 0 hits in all."
