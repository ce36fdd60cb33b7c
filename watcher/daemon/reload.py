"""Reading the config and rule files again, and what a change means for a running daemon.

An invalid edit never replaces what is in force: it is reported (file:line:col) and kept
as the reload error until a later reload succeeds. Settings read only at start (the
database, the web address, the API's limits) are named as needing a restart. Feed sources
and `fetch` take effect at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from watcher.config import Config, load_config, shown_path
from watcher.rules import RuleSet, load_rules


@dataclass(frozen=True, slots=True)
class Changes:
    """What differs between the state in force and the files just read."""

    restart: tuple[str, ...]  # settings that take effect only after a restart
    feeds: bool  # feeds.*: every feed is rebuilt
    rules: bool  # the rules themselves (queries, titles, tags, enabled)
    subscribers: bool  # digest schedules are registered again
    channels: bool  # channel schedules and quiet hours are registered again
    interval: bool  # scan.interval: the scan is rescheduled


def read_files(config_path: Path, environ: Mapping[str, str]) -> tuple[Config, RuleSet]:
    """The config and the rules as the files say now; ConfigError(s) if they are wrong."""
    config = load_config(config_path, environ)
    files = config.rule_files
    shown = {path: shown_path(path) for path in files}
    return config, load_rules(files, shown=shown, timezone=config.timezone, environ=environ)


def changes(old: Config, new: Config, old_rules: RuleSet, new_rules: RuleSet) -> Changes:
    restart = tuple(
        name
        for name, before, after in (
            ("database_url", old.database_url, new.database_url),
            ("web.host", old.web.host, new.web.host),
            ("web.port", old.web.port, new.web.port),
            ("seeds_dir", old.seeds_dir, new.seeds_dir),
            ("api", old.api, new.api),
        )
        if before != after
    )
    return Changes(
        restart=restart,
        feeds=old.feeds != new.feeds,
        rules=_rules(old_rules) != _rules(new_rules),
        subscribers=old_rules.subscribers != new_rules.subscribers,
        channels=old_rules.channels != new_rules.channels,
        interval=old.scan.interval != new.scan.interval,
    )


def _rules(ruleset: RuleSet) -> list[tuple[object, ...]]:
    """What of the rules shows in matching or feeds (not where in a file a rule sits)."""
    return [
        (r.name, r.title, r.query, r.tags, r.fields, r.case_sensitive, r.enabled, r.backfill)
        for r in ruleset.rules
    ]


def keep_restart_settings(old: Config, new: Config) -> Config:
    """`new`, with the settings that need a restart as they were: the daemon keeps using them."""
    return new.model_copy(
        update={
            "database_url": old.database_url,
            "web": old.web,
            "seeds_dir": old.seeds_dir,
            "api": old.api,
        }
    )
