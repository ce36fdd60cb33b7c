"""The shape of the results document: the keys the issue asks for, and their types."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SECTIONS: Mapping[str, type] = {
    "machine": dict,
    "matcher": list,
    "analysis_floor": dict,
    "ingest": dict,
    "rescan": dict,
    "feeds": dict,
    "startup": dict,
}
# `peer` is {"name", "version"} of the search engine measured beside watcher, or null.
MACHINE_KEYS = ("python", "cpu_count", "date")
MATCHER_KEYS = (
    "family",
    "rules",
    "articles_per_s",
    "us_per_article",
    "floor_us_per_article",
    "vs_floor",
    "matches_per_article",
    "naive_articles_per_s",
    "ratio_vs_naive",
    "index_build_s",
    "peak_rss_mib",
)
INGEST_KEYS = ("articles", "rules", "seconds", "articles_per_s", "hits", "floor_seconds")
FEEDS_KEYS = ("hits", "full_rebuild_s", "incremental_s")
STARTUP_KEYS = ("wall_s", "cpu_s", "ratio_vs_baseline")
STARTUP_BEST_KEYS = ("python_s", "version_s", "status_s", "rescan_command_s", "libraries_s")
PEER_KEYS = ("peer_articles_per_s", "ratio_vs_peer", "peer_skipped_rules")
_NUMBER = (int, float)


def _numbers(where: str, section: Mapping[str, Any], keys: tuple[str, ...]) -> list[str]:
    return [
        f"{where}.{key}: missing or not a number"
        for key in keys
        if not isinstance(section.get(key), _NUMBER) or isinstance(section.get(key), bool)
    ]


def _matcher(run: Mapping[str, Any]) -> list[str]:
    where = f"matcher[{run.get('family')}/{run.get('rules')}]"
    found = [] if isinstance(run.get("family"), str) else [f"{where}.family: missing"]
    return found + _numbers(where, run, MATCHER_KEYS[1:])


def problems(results: Mapping[str, Any]) -> list[str]:
    """Every missing or mistyped key of a results document; empty when it is complete."""
    found = [
        f"{key}: expected {kind.__name__}"
        for key, kind in SECTIONS.items()
        if not isinstance(results.get(key), kind)
    ]
    if found:
        return found
    found += [f"machine.{k}: missing" for k in MACHINE_KEYS if k not in results["machine"]]
    if not results["matcher"]:
        found.append("matcher: empty")
    for run in results["matcher"]:
        found += _matcher(run)
        if results.get("peer") is not None:
            found += _numbers(f"matcher[{run.get('family')}/{run.get('rules')}]", run, PEER_KEYS)
    found += _numbers("ingest", results["ingest"], INGEST_KEYS)
    found += _numbers("rescan", results["rescan"], ("seconds",))
    found += _numbers("feeds", results["feeds"], FEEDS_KEYS)
    found += _numbers("analysis_floor", results["analysis_floor"], ("articles_per_s",))
    startup = results["startup"]
    found += _numbers("startup", startup, ("baseline_wall_s", *STARTUP_BEST_KEYS))
    if not startup.get("commands"):
        found.append("startup.commands: empty")
    for run in startup.get("commands", []):
        found += _numbers(f"startup[{run.get('command')}]", run, STARTUP_KEYS)
    return found
