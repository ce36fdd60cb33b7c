"""What a reload sees in changed files, and what needs a restart."""

from __future__ import annotations

from pathlib import Path

from support import REPO

from watcher.config import load_config
from watcher.daemon.reload import changes, keep_restart_settings, read_files
from watcher.rules import load_rules


def project(tmp_path: Path, config: str = "", rules: str | None = None) -> Path:
    folder = tmp_path / "config"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "watcher.yaml").write_text(config, encoding="utf-8")
    shipped = (REPO / "config" / "rules.yaml").read_text(encoding="utf-8")
    (folder / "rules.yaml").write_text(shipped if rules is None else rules, encoding="utf-8")
    return folder / "watcher.yaml"


def test_nothing_changed(tmp_path: Path) -> None:
    config, ruleset = read_files(project(tmp_path), {})
    found = changes(config, config, ruleset, ruleset)
    assert (found.restart, found.feeds, found.rules, found.subscribers, found.interval) == (
        (),
        False,
        False,
        False,
        False,
    )


def test_settings_read_at_start_are_named_and_kept(tmp_path: Path) -> None:
    old = load_config(project(tmp_path / "a"), {})
    new = load_config(
        project(
            tmp_path / "b",
            "database_url: sqlite:///other.db\nseeds_dir: elsewhere\n"
            "web:\n  port: 9999\nscan:\n  interval: 5m\nfeeds:\n  max_entries: 10\n",
        ),
        {},
    )
    rules = load_rules(old.rule_files)
    found = changes(old, new, rules, rules)
    assert found.restart == ("database_url", "web.port", "seeds_dir")
    assert (found.feeds, found.interval) == (True, True)
    kept = keep_restart_settings(old, new)
    assert (kept.database_url, kept.web, kept.seeds_dir) == (
        old.database_url,
        old.web,
        old.seeds_dir,
    )
    assert (kept.feeds.max_entries, kept.scan.interval) == (10, new.scan.interval)


def test_rules_and_subscribers_changes_are_told_apart(tmp_path: Path) -> None:
    path = project(tmp_path)
    config, before = read_files(path, {})
    rules_file = path.parent / "rules.yaml"
    rules_file.write_text(
        rules_file.read_text(encoding="utf-8").replace("Benghazi", "Misrata"), encoding="utf-8"
    )
    _, edited = read_files(path, {})
    assert changes(config, config, before, edited).rules
    rules_file.write_text(
        rules_file.read_text(encoding="utf-8")
        + "subscribers:\n  - email: desk@example.org\n    rules: [libya]\n",
        encoding="utf-8",
    )
    _, subscribed = read_files(path, {})
    found = changes(config, config, edited, subscribed)
    assert (found.rules, found.subscribers) == (False, True)
