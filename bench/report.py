"""Results -> rich tables on the terminal, or Markdown for bench/README.md.

`python -m bench.report RESULTS.json [--markdown]` shows a saved run again.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.targets import evaluate


def naive_note(budget_s: float | None) -> str:
    if budget_s is None:
        return "naive: timed on every article"
    return (
        f"naive: timed on an evenly spaced sample of n articles (about {budget_s:g} s of "
        "work); its full-corpus time is extrapolated from the sample"
    )


FEEDS_NOTE = "feeds: not measured in this run"


def feeds_line(results: Mapping[str, Any]) -> str:
    feeds = results.get("feeds")
    if feeds is None:
        return FEEDS_NOTE
    return (
        f"feeds: {feeds['hits']:,} hits stored: full rebuild {feeds['full_rebuild_s']:.2f} s "
        f"({feeds['feeds_written']} files), rebuild after one hit {feeds['incremental_s']:.3f} s "
        f"({feeds['incremental_written']} files)"
    )


def _met(met: bool | None) -> str:
    return "not measured" if met is None else "met" if met else "MISSED"


def matcher_rows(results: Mapping[str, Any]) -> list[list[str]]:
    rows = []
    for run in results["matcher"]:
        rows.append(
            [
                run["family"],
                f"{run['rules']:,}",
                f"{run['articles_per_s']:,.0f}",
                f"{run['us_per_article']:,.1f}",
                f"{run['vs_floor']:.1f}x" if "vs_floor" in run else "",  # (runs before it: none)
                f"{run['matches_per_article']:.2f}",
                f"{run['candidates_per_article']:,.1f}",
                f"{run['naive_articles_per_s']:,.1f} (n={run['naive_sample']:,})",
                f"{run['ratio_vs_naive']:,.0f}x",
                f"{run['compile_s']:.2f}",
                f"{run['index_build_s']:.2f}",
                f"{run['peak_rss_mib']:,.0f}",
            ]
        )
    return rows


MATCHER_HEADERS = (
    "family",
    "rules",
    "articles/s",
    "µs/article",
    "x floor",
    "matches/article",
    "candidates/article",
    "naive articles/s*",
    "vs naive",
    "compile s",
    "index build s",
    "peak RSS MiB",
)


def ingest_rows(results: Mapping[str, Any]) -> list[list[str]]:
    ingest, rescan = results["ingest"], results["rescan"]
    return [
        [
            f"watcher scan: {ingest['articles']:,} files, {ingest['rules']:,} rules, SQLite",
            f"{ingest['seconds']:.2f}",
            f"{ingest['articles_per_s']:,.0f}",
            f"{ingest['hits']:,} hits, {ingest['new']:,} new articles; "
            f"whole command {ingest['command_seconds']:.2f} s",
        ],
        [
            "watcher scan without rules (archive only)",
            f"{ingest['no_rules_seconds']:.2f}",
            f"{ingest['articles'] / ingest['no_rules_seconds']:,.0f}",
            f"{ingest['no_rules_seconds'] / ingest['floor_seconds']:.1f}x the floor",
        ],
        [
            "floor: read, decode, split, executemany (SQLAlchemy Core)",
            f"{ingest['floor_seconds']:.2f}",
            f"{ingest['articles'] / ingest['floor_seconds']:,.0f}",
            f"ingest is {ingest['seconds'] / ingest['floor_seconds']:.1f}x the floor",
        ],
        [
            "rescan of the unchanged folder",
            f"{rescan['seconds']:.2f}",
            "",
            f"whole command {rescan['command_seconds']:.2f} s",
        ],
    ]


INGEST_HEADERS = ("what", "seconds", "articles/s", "notes")

PEER_HEADERS = (
    "family",
    "rules",
    "watcher articles/s",
    "tantivy articles/s",
    "watcher / tantivy",
    "index s",
    "queries s",
    "skipped rules",
    "agreement",
)


def peer_line(results: Mapping[str, Any]) -> str:
    peer = results.get("peer")
    if peer is None:
        return "peer: tantivy not installed (pip install -e '.[bench]'): not measured"
    return (
        f"peer: {peer['name']} {peer['version']}, one core: each batch of 500 articles indexed "
        "in RAM, then every rule run as a query over it (the time of both counted); "
        "agreement: the share of (rule, article) decisions both make the same"
    )


def peer_rows(results: Mapping[str, Any]) -> list[list[str]]:
    return [
        [
            run["family"],
            f"{run['rules']:,}",
            f"{run['articles_per_s']:,.0f}",
            f"{run['peer_articles_per_s']:,.0f} (n={run['peer_articles']:,})",
            f"{run['ratio_vs_peer']:.2f}x",
            f"{run['peer_index_s']:.2f}",
            f"{run['peer_query_s']:.2f}",
            f"{run['peer_skipped_rules']:,}",
            f"{run['peer_agreement']:.5f}",
        ]
        for run in results["matcher"]
    ]


def target_rows(results: Mapping[str, Any]) -> list[list[str]]:
    return [[t["goal"], t["shown"], _met(t["met"])] for t in evaluate(results)]


TARGET_HEADERS = ("target", "measured", "status")


def machine_line(results: Mapping[str, Any]) -> str:
    m, code = results["machine"], results.get("code", {})
    mixed = " — CODE CHANGED DURING THE RUN" if code.get("changed_during_run") else ""
    return (
        f"{results['mode']} run, {m['date']}: Python {m['python']}, {m['cpu_count']} CPUs "
        f"({m['processor']}), {m['platform']}; watcher at {code.get('git_head')} "
        f"+ working tree {code.get('watcher_sha256')}{mixed}; load average "
        f"{m.get('loadavg_start', ['?'])[0]} at start, {m.get('loadavg_end', ['?'])[0]} at end"
    )


def floor_line(results: Mapping[str, Any]) -> str:
    floor = results["analysis_floor"]
    return (
        f"analysis floor (analyzer alone, no matching): {floor['articles_per_s']:,.0f} "
        f"articles/s ({floor['us_per_article']:,.1f} µs/article), "
        f"{floor['articles']:,} articles"
    )


STARTUP_HEADERS = ("command", "wall (median)", "cpu (median)", "vs python -c pass")


def startup_rows(results: Mapping[str, Any]) -> list[list[str]]:
    startup = results.get("startup") or {}
    rows = [["python -c pass", f"{startup.get('baseline_wall_s', 0) * 1000:.0f} ms", "", "1.0x"]]
    for run in startup.get("commands", []):
        rows.append(
            [
                run["command"],
                f"{run['wall_s'] * 1000:.0f} ms",
                f"{run['cpu_s'] * 1000:.0f} ms",
                f"{run['ratio_vs_baseline']:.1f}x",
            ]
        )
    return rows


def _table(title: str, headers: Sequence[str], rows: list[list[str]], caption: str = "") -> Table:
    table = Table(title=title, caption=caption or None, title_justify="left")
    for i, header in enumerate(headers):
        table.add_column(header, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def print_report(results: Mapping[str, Any], console: Console | None = None) -> None:
    if console is None:
        console = Console()
        if not console.is_terminal:  # piped to a file: do not squeeze the tables into 80 columns
            console = Console(width=170)
    console.print(machine_line(results))
    reps = results["matcher"][0]["repetitions"] if results["matcher"] else 0
    console.print(
        _table(
            f"Matcher: one core, median of {reps} passes over every article",
            MATCHER_HEADERS,
            matcher_rows(results),
            "* " + naive_note(results["naive_budget_s"]),
        )
    )
    console.print(floor_line(results))
    if results.get("peer") is not None:
        console.print(_table("Beside a search engine", PEER_HEADERS, peer_rows(results)))
    console.print(peer_line(results))
    if results.get("ingest"):
        console.print(_table("Ingest", INGEST_HEADERS, ingest_rows(results)))
    console.print(feeds_line(results))
    if results.get("startup"):
        rounds = results["startup"]["rounds"]
        title = f"Start-up: whole processes, {rounds} rounds, pairwise ratios"
        console.print(_table(title, STARTUP_HEADERS, startup_rows(results)))
    console.print(_table("Targets (goals, not assertions)", TARGET_HEADERS, target_rows(results)))


def _markdown_table(headers: Sequence[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(results: Mapping[str, Any]) -> str:
    """The README's results section for one run."""
    parts = [
        machine_line(results) + ".",
        _markdown_table(MATCHER_HEADERS, matcher_rows(results)),
        "\\* " + naive_note(results["naive_budget_s"]) + ".",
        floor_line(results) + ".",
    ]
    if results.get("peer") is not None:
        parts.append(_markdown_table(PEER_HEADERS, peer_rows(results)))
    parts.append(peer_line(results) + ".")
    if results.get("ingest"):
        parts.append(_markdown_table(INGEST_HEADERS, ingest_rows(results)))
    if results.get("startup"):
        parts.append(_markdown_table(STARTUP_HEADERS, startup_rows(results)))
    parts.append(_markdown_table(TARGET_HEADERS, target_rows(results)))
    return "\n\n".join(parts) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Show a saved bench run.")
    parser.add_argument("results", type=Path, help="a JSON file written by bench/run.py")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text(encoding="utf-8"))
    if args.markdown:
        print(markdown(results), end="")
    else:
        print_report(results)


if __name__ == "__main__":
    main()
