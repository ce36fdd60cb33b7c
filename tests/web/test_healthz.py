"""/healthz reports the seeds folder beside the database: 503 while seeds_dir cannot be read;
a page while the database fails is a 503 page, and one log line."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
from pathlib import Path

import pytest
from web.desk import open_desk
from web.live import LiveServer

from watcher.store.db import make_engine, make_sessionmaker
from watcher.web import build_app


def test_healthz_is_503_while_seeds_dir_is_missing(tmp_path: Path) -> None:
    with (
        open_desk(tmp_path / "project", f"sqlite:///{tmp_path / 'w.db'}") as desk,
        LiveServer(build_app(desk.services, desk.ruleset)) as live,
    ):
        ok = live.request("/healthz")
        assert ok.status == 200
        assert json.loads(ok.body) == {
            "status": "ok",
            "database": "ok",
            "seeds_dir": "ok",
            "rules": 0,  # no scan has synced the rules into this database yet
        }
        seeds = desk.config.seeds_dir
        shutil.rmtree(seeds)
        down = live.request("/healthz")
        assert down.status == 503
        assert json.loads(down.body) == {
            "status": "error",
            "database": "ok",
            "seeds_dir": f"missing: {seeds} — create the folder, or point seeds_dir in the "
            "config at your articles folder",
            "rules": 0,
        }
        seeds.mkdir()
        assert live.request("/healthz").status == 200


def test_healthz_and_metrics_agree_when_the_sqlite_file_is_removed(tmp_path: Path) -> None:
    database = tmp_path / "w.db"
    with (
        open_desk(tmp_path / "project", f"sqlite:///{database}") as desk,
        LiveServer(build_app(desk.services, desk.ruleset)) as live,
    ):
        assert live.request("/healthz").status == 200
        assert "watcher_database_up 1.0" in live.request("/metrics").text
        moved = database.rename(tmp_path / "aside.db")
        down = live.request("/healthz")
        assert (down.status, json.loads(down.body)["database"]) == (503, "unavailable")
        # The pool's open connection still reads the removed file: the file is what counts.
        metrics = live.request("/metrics").text
        assert "watcher_database_up 0.0" in metrics
        assert "watcher_archive_articles" not in metrics
        moved.rename(database)
        assert live.request("/healthz").status == 200
        assert "watcher_database_up 1.0" in live.request("/metrics").text


def test_a_page_while_the_database_fails_is_503_and_one_log_line_without_the_sql(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no tables: every query fails
    with open_desk(tmp_path / "project", f"sqlite:///{tmp_path / 'w.db'}") as desk:
        services = dataclasses.replace(
            desk.services, engine=empty, sessions=make_sessionmaker(empty)
        )
        with (
            caplog.at_level(logging.WARNING, logger="watcher.web.views"),
            LiveServer(build_app(services, desk.ruleset)) as live,
        ):
            assert live.request("/").status == 503
    empty.dispose()
    [record] = [r for r in caplog.records if r.name == "watcher.web.views"]
    assert record.getMessage() == "/: the database did not answer: no such table: hits"
