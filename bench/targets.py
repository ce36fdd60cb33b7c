"""The issue's targets, checked against one run's results: goals to report, not assertions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bench.startup import LIBRARIES

THROUGHPUT_GOALS = ((1_000, 15_000), (10_000, 7_000), (100_000, 1_500))
NAIVE_RATIO_GOAL = (1_000, 250)
PEER_GOALS = ((10_000, 0.5), (100_000, 1.0))  # realistic rules: watcher / tantivy
SELECTIVE_GROWTH_GOAL = 3.0
MEMORY_GOAL_MIB = (100_000, 400)
INGEST_GOAL_S = 10.0
INGEST_FLOOR_GOAL = 8.0
RESCAN_GOAL_S = 1.0
COMMAND_GOAL = 1.3  # the whole `watcher scan` command against the scan's own seconds
INGEST_RULES = 1_000
FEEDS_GOALS = (100_000, 10.0, 0.2)  # hits stored; full rebuild s; rebuild after one hit s
STARTUP_RATIO_GOAL = 3.0  # --version and --help, against python -c pass
STATUS_GOAL_S = 0.5  # watcher status, on an idle machine


def _row(goal: str, value: float | None, shown: str, met: bool | None) -> dict[str, Any]:
    return {"goal": goal, "value": value, "shown": shown, "met": met}


def _missing(goal: str) -> dict[str, Any]:
    return _row(goal, None, "not measured in this run", None)


def _matcher_targets(runs: Mapping[tuple[str, int], Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for rules, goal in THROUGHPUT_GOALS:
        text = f"realistic, {rules:,} rules: >= {goal:,} articles/s (one core)"
        run = runs.get(("realistic", rules))
        if run is None:
            rows.append(_missing(text))
            continue
        rate = run["articles_per_s"]
        rows.append(_row(text, rate, f"{rate:,.0f} articles/s", rate >= goal))
    rules, goal = NAIVE_RATIO_GOAL
    text = f"realistic, {rules:,} rules: >= {goal}x the naive matcher"
    run = runs.get(("realistic", rules))
    if run is None:
        rows.append(_missing(text))
    else:
        ratio = run["ratio_vs_naive"]
        rows.append(_row(text, ratio, f"{ratio:,.0f}x", ratio >= goal))
    return rows


def _peer_targets(
    results: Mapping[str, Any], runs: Mapping[tuple[str, int], Mapping[str, Any]]
) -> list[dict[str, Any]]:
    rows = []
    for rules, goal in PEER_GOALS:
        text = f"realistic, {rules:,} rules: >= {goal:g}x tantivy on the same rules"
        run = runs.get(("realistic", rules))
        if run is None or results.get("peer") is None:
            rows.append(_missing(text))
            continue
        ratio = run["ratio_vs_peer"]
        shown = f"{ratio:.2f}x ({run['peer_articles_per_s']:,.0f} articles/s for tantivy)"
        rows.append(_row(text, ratio, shown, ratio >= goal))
    return rows


def _selective_target(runs: Mapping[tuple[str, int], Mapping[str, Any]]) -> dict[str, Any]:
    text = f"selective: time per article at 100,000 rules <= {SELECTIVE_GROWTH_GOAL:g}x at 100"
    small, large = runs.get(("selective", 100)), runs.get(("selective", 100_000))
    if small is None or large is None:
        return _missing(text)
    growth = large["us_per_article"] / small["us_per_article"]
    shown = f"{growth:.1f}x ({large['us_per_article']:,.0f} vs {small['us_per_article']:,.0f} µs)"
    if "vs_floor" in small and "vs_floor" in large:  # the same, each over its own row's floor
        shown += f"; {large['vs_floor'] / small['vs_floor']:.1f}x over each row's analysis floor"
    return _row(text, growth, shown, growth <= SELECTIVE_GROWTH_GOAL)


def _memory_target(runs: Mapping[tuple[str, int], Mapping[str, Any]]) -> dict[str, Any]:
    rules, goal = MEMORY_GOAL_MIB
    text = f"peak memory at {rules:,} rules <= {goal} MiB"
    peaks = [run["peak_rss_mib"] for (_, size), run in runs.items() if size == rules]
    if not peaks:
        return _missing(text)
    peak = max(peaks)
    return _row(text, peak, f"{peak:,.0f} MiB (largest of both families)", peak <= goal)


def _ingest_targets(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    ingest, rescan = results.get("ingest"), results.get("rescan")
    texts = (
        f"ingest of the corpus with 1,000 rules <= {INGEST_GOAL_S:g} s",
        f"ingest <= {INGEST_FLOOR_GOAL:g}x the read-parse-insert floor",
        f"rescan of the unchanged folder <= {RESCAN_GOAL_S:g} s",
        f"the whole `watcher scan` command <= {COMMAND_GOAL:g}x the scan's own seconds",
    )
    whole = results.get("corpus", {}).get("limit") is None
    if not ingest or not rescan or not whole or ingest["rules"] != INGEST_RULES:
        return [_missing(text) for text in texts]
    seconds, floor = ingest["seconds"], ingest["floor_seconds"]
    ratio, command = seconds / floor, ingest["command_seconds"] / seconds
    return [
        _row(texts[0], seconds, f"{seconds:.2f} s", seconds <= INGEST_GOAL_S),
        _row(texts[1], ratio, f"{ratio:.1f}x ({floor:.2f} s floor)", ratio <= INGEST_FLOOR_GOAL),
        _row(
            texts[2],
            rescan["seconds"],
            f"{rescan['seconds']:.2f} s",
            rescan["seconds"] <= RESCAN_GOAL_S,
        ),
        _row(
            texts[3],
            command,
            f"{command:.2f}x ({ingest['command_seconds']:.2f} s for {seconds:.2f} s)",
            command <= COMMAND_GOAL,
        ),
    ]


def _feeds_targets(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    hits, full_goal, one_goal = FEEDS_GOALS
    texts = (
        f"full rebuild of every feed with {hits:,} hits <= {full_goal:g} s",
        f"feed rebuild after one new hit <= {one_goal:g} s",
    )
    feeds = results.get("feeds")
    if not feeds or feeds["hits"] != hits:
        return [_missing(text) for text in texts]
    full, one = feeds["full_rebuild_s"], feeds["incremental_s"]
    return [
        _row(texts[0], full, f"{full:.2f} s", full <= full_goal),
        _row(texts[1], one, f"{one:.3f} s", one <= one_goal),
    ]


def _startup_targets(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    runs = {run["command"]: run for run in results.get("startup", {}).get("commands", [])}
    rows = []
    for command in ("watcher --version", "watcher --help"):
        text = f"{command} <= {STARTUP_RATIO_GOAL:g}x python -c pass"
        run = runs.get(command)
        if run is None:
            rows.append(_missing(text))
            continue
        ratio = run["ratio_vs_baseline"]
        shown = f"{ratio:.1f}x ({run['wall_s'] * 1000:.0f} ms)"
        rows.append(_row(text, ratio, shown, ratio <= STARTUP_RATIO_GOAL))
    text = f"watcher status <= {STATUS_GOAL_S:g} s (idle machine)"
    status = runs.get("watcher status (empty project)")
    if status is None:
        rows.append(_missing(text))
    else:
        wall = status["wall_s"]
        shown = f"{wall:.2f} s ({status['ratio_vs_baseline']:.0f}x python -c pass"
        libraries = runs.get(LIBRARIES)
        if libraries is not None:
            shown += f"; its libraries alone {libraries['wall_s']:.2f} s"
        shown += ")"
        rows.append(_row(text, wall, shown, wall <= STATUS_GOAL_S))
    return rows


def evaluate(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per target: goal, measured value, and met (None when not measured)."""
    runs = {(run["family"], run["rules"]): run for run in results.get("matcher", [])}
    return [
        *_matcher_targets(runs),
        *_peer_targets(results, runs),
        _selective_target(runs),
        _memory_target(runs),
        *_ingest_targets(results),
        *_feeds_targets(results),
        *_startup_targets(results),
    ]
