"""watcher.yaml: defaults, path resolution, overrides, and one-line errors with positions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from support import REPO

from watcher.config import find_config_path, load_config
from watcher.errors import ConfigError, ConfigErrors


def config_file(root: Path, text: str) -> Path:
    path = root / "config" / "watcher.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_loads_with_paths_under_the_project_root() -> None:
    config = load_config(REPO / "config" / "watcher.yaml", {})
    assert config.seeds_dir == REPO / "seeds"
    assert config.database_url == f"sqlite:///{REPO / 'var' / 'watcher.db'}"
    assert config.scan.interval == timedelta(seconds=60)
    assert config.scan.settle == timedelta(seconds=2)
    assert config.scan.max_file_size == 10_000_000
    assert config.feeds.dir == REPO / "var" / "feeds"
    assert config.feeds.max_entries == 50
    assert (config.web.host, config.web.port) == ("127.0.0.1", 8080)
    assert config.feeds.base_url is None  # links follow web.host and web.port
    assert config.rule_files == [REPO / "config" / "rules.yaml"]
    assert config.retention is None  # nothing is pruned unless asked


def test_empty_config_takes_every_default(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path, ""), {})
    assert config.seeds_dir == tmp_path / "seeds"
    assert config.timezone == "UTC"
    assert config.feeds.base_url is None


def test_values_are_parsed(tmp_path: Path) -> None:
    text = (
        "seeds_dir: /srv/articles\ntimezone: Europe/Rome\nscan:\n  interval: 1h30m\n"
        "  settle: 500ms\n  max_file_size: 2MiB\nfeeds:\n  base_url: https://news.example.org\n"
    )
    config = load_config(config_file(tmp_path, text), {})
    assert config.seeds_dir == Path("/srv/articles")
    assert config.zone.key == "Europe/Rome"
    assert config.scan.interval == timedelta(minutes=90)
    assert config.scan.settle == timedelta(milliseconds=500)
    assert config.scan.max_file_size == 2 * 1024 * 1024
    assert config.feeds.base_url == "https://news.example.org/"


@pytest.mark.parametrize(
    ("text", "period"),
    [
        pytest.param("retention: 90d\n", timedelta(days=90), id="days"),
        pytest.param("retention: 12w\n", timedelta(weeks=12), id="weeks"),
        pytest.param("retention: 1y\n", timedelta(days=365), id="year"),
        pytest.param("retention: 36h\n", timedelta(hours=36), id="hours"),
        pytest.param("retention: null\n", None, id="null"),
        pytest.param("retention:\n", None, id="empty"),
        pytest.param("", None, id="absent"),
    ],
)
def test_retention_is_a_period_or_off(tmp_path: Path, text: str, period: timedelta | None) -> None:
    assert load_config(config_file(tmp_path, text), {}).retention == period


def test_environment_database_url_wins(tmp_path: Path) -> None:
    path = config_file(tmp_path, "database_url: sqlite:///var/a.db\n")
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert load_config(path, {"WATCHER_DATABASE_URL": url}).database_url == url


def test_yaml_12_keeps_no_as_a_string(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path, "default_source: NO\n"), {})
    assert config.default_source == "NO"


def test_config_path_lookup_order(tmp_path: Path) -> None:
    env = {"WATCHER_CONFIG": "/etc/watcher/watcher.yaml"}
    assert find_config_path(Path("x.yaml"), env, tmp_path) == Path("x.yaml")
    assert find_config_path(None, env, tmp_path) == Path("/etc/watcher/watcher.yaml")
    config_file(tmp_path, "")
    assert find_config_path(None, env, tmp_path) == Path("config/watcher.yaml")
    with pytest.raises(ConfigError, match="no config found"):
        find_config_path(None, {}, tmp_path / "elsewhere")


CONFIG_ERRORS = [
    pytest.param(
        "scan:\n  settle: .inf\n",
        '2:3: scan.settle: expected a duration of at most 1000y, got "inf"',
        id="settle-infinite",
    ),
    pytest.param(
        "mail:\n  smtp:\n    host: smtp.example.org\n    timeout: 0s\n",
        '4:5: mail.smtp.timeout: expected a time above zero, like "30s"',
        id="smtp-timeout-zero",
    ),
    pytest.param(
        "seeds_dir: seeds\nscan:\n  settle: fast\n",
        '3:3: scan.settle: expected a duration like "2s", got "fast"',
        id="bad-duration",
    ),
    pytest.param(
        "scan:\n  max_file_size: huge\n",
        '2:3: scan.max_file_size: expected a size like "10MB", got "huge"',
        id="bad-size",
    ),
    pytest.param(
        "web:\n  prot: 8080\n",
        "2:3: web.prot: unknown key — remove it or check its spelling",
        id="unknown-key",
    ),
    pytest.param("colour: blue\n", "1:1: colour: unknown key", id="unknown-top-key"),
    pytest.param(
        "web:\n  port: high\n",
        '2:3: web.port: expected a whole number, got "high"',
        id="wrong-type",
    ),
    pytest.param(
        "web:\n  port: 70000\n",
        "2:3: web.port: input should be less than or equal to 65535",
        id="out-of-range",
    ),
    pytest.param(
        "timezone: Mars/Olympus\n", '1:1: timezone: unknown time zone "Mars/Olympus"', id="bad-zone"
    ),
    pytest.param(
        "feeds:\n  base_url: example.org\n",
        "2:3: feeds.base_url: expected an absolute http(s) URL",
        id="bad-url",
    ),
    pytest.param(
        "database_url: nonsense\n", "1:1: database_url: expected a database URL", id="bad-db-url"
    ),
    pytest.param(
        "retention: 0d\n",
        '1:1: retention: expected a period above zero like "90d" (or null: keep everything), '
        'got "0d"',
        id="retention-zero",
    ),
    pytest.param(
        "seeds_dir: seeds\nretention: -30d\n",
        '2:1: retention: expected a period above zero like "90d" (or null: keep everything), '
        'got "-30d"',
        id="retention-negative",
    ),
    pytest.param(
        "retention: -5\n",
        '1:1: retention: expected a period above zero like "90d"',
        id="retention-below-zero",
    ),
    pytest.param(
        "retention: forever\n",
        '1:1: retention: expected a period above zero like "90d" (or null: keep everything), '
        'got "forever"',
        id="retention-bad-text",
    ),
    pytest.param("scan: [1, 2\n", "2:1: YAML syntax:", id="yaml-syntax"),
    pytest.param(
        "scan: 5\n", '1:1: scan: expected a mapping of keys, got "5"', id="section-not-mapping"
    ),
    pytest.param("- a\n- b\n", "1:1: expected a mapping of settings", id="top-not-mapping"),
]


@pytest.mark.parametrize(("text", "expected"), CONFIG_ERRORS)
def test_config_errors_name_file_line_and_column(tmp_path: Path, text: str, expected: str) -> None:
    path = config_file(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    lines = str(caught.value).splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}:{expected}")
    assert caught.value.exit_code == 2


def test_every_error_is_reported_at_once(tmp_path: Path) -> None:
    path = config_file(tmp_path, "scan:\n  settle: fast\n  interval: never\nweb:\n  port: x\n")
    with pytest.raises(ConfigErrors) as caught:
        load_config(path, {})
    assert [str(e).split(": ")[0] for e in caught.value.errors] == [
        f"{path}:2:3",
        f"{path}:3:3",
        f"{path}:5:3",
    ]


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml", {})


@pytest.mark.parametrize(
    ("value", "address", "name"),
    [
        pytest.param("watcher@localhost", "watcher@localhost", "", id="local-host"),
        pytest.param(
            "Desk Alerts <alerts@News.Example.org>",
            "alerts@news.example.org",
            "Desk Alerts",
            id="named",
        ),
    ],
)
def test_mail_from_address(tmp_path: Path, value: str, address: str, name: str) -> None:
    path = config_file(tmp_path, f'mail:\n  from_address: "{value}"\n')
    sender = load_config(path, environ={}).mail.from_address
    assert (sender.address, sender.name) == (address, name)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("nobody", 'is not an address like "watcher@example.org"', id="no-at-sign"),
        pytest.param("nobody@", 'is not an address like "watcher@example.org"', id="no-domain"),
        pytest.param("a b@example.org", "is not an address like", id="space"),
        pytest.param(
            "w@example.org\\r\\nBcc: evil@example.net",
            "an address may not hold line breaks or control characters",
            id="injection",
        ),
    ],
)
def test_a_bad_from_address_is_one_line(tmp_path: Path, value: str, message: str) -> None:
    path = config_file(tmp_path, f'mail:\n  from_address: "{value}"\n')
    with pytest.raises(ConfigErrors) as caught:
        load_config(path, environ={})
    [error] = caught.value.errors
    assert str(error).startswith(f"{path}:2:3: mail.from_address: ")
    assert message in str(error)


POSTGRES_FORMS = [
    pytest.param("postgres://u:pw@db.example.org:5432/news", id="postgres"),
    pytest.param("postgresql://u:pw@db.example.org:5432/news", id="postgresql"),
    pytest.param("postgresql+psycopg://u:pw@db.example.org:5432/news", id="explicit"),
]
PSYCOPG_URL = "postgresql+psycopg://u:pw@db.example.org:5432/news"


@pytest.mark.parametrize("url", POSTGRES_FORMS)
def test_postgres_urls_as_hosts_give_them_mean_psycopg(tmp_path: Path, url: str) -> None:
    from_key = load_config(config_file(tmp_path, f"database_url: {url}\n"), {})
    from_env = load_config(config_file(tmp_path, ""), {"WATCHER_DATABASE_URL": url})
    assert from_key.database_url == from_env.database_url == PSYCOPG_URL


def test_normalised_url_keeps_its_query_and_escapes(tmp_path: Path) -> None:
    url = "postgres://u:p%40ss@db/news?sslmode=require"
    config = load_config(config_file(tmp_path, ""), {"WATCHER_DATABASE_URL": url})
    assert config.database_url == "postgresql+psycopg://u:p%40ss@db/news?sslmode=require"


UNUSABLE_URLS = [
    pytest.param(
        "mysql://u:secret@h/db",
        '"mysql://" is not a database watcher supports — write '
        "sqlite:///var/watcher.db or postgresql+psycopg://user@host/db",
        id="mysql",
    ),
    pytest.param(
        "postgresql+asyncpg://u:secret@h/db",
        '"postgresql+asyncpg://" is an asyncio driver, which watcher does not use — write '
        "postgresql+psycopg://user@host/db",
        id="async-driver",
    ),
    pytest.param(
        "postgresql+psycopg2://u:secret@h/db",
        '"postgresql+psycopg2://" needs the Python module psycopg2, which is not installed — '
        "write postgresql+psycopg://user@host/db (psycopg comes with watcher)",
        id="driver-not-installed",
    ),
    pytest.param(
        "postgresql+nosuch://u:secret@h/db",
        '"postgresql+nosuch://" names no driver SQLAlchemy knows — write '
        "postgresql+psycopg://user@host/db",
        id="unknown-driver",
    ),
    pytest.param(
        "sqlite:///var/w.db?timeout=soon",
        "timeout=soon is not a number of seconds — give how long watcher waits for another "
        'program\'s lock on the database, e.g. "sqlite:///var/watcher.db?timeout=60"',
        id="sqlite-timeout-not-seconds",
    ),
]


@pytest.mark.parametrize(("url", "reason"), UNUSABLE_URLS)
def test_unusable_database_url_in_the_config_is_one_line_with_advice(
    tmp_path: Path, url: str, reason: str
) -> None:
    path = config_file(tmp_path, f"timezone: UTC\ndatabase_url: {url}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert str(caught.value).splitlines() == [f"{path}:2:1: database_url: {reason}"]
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize(("url", "reason"), UNUSABLE_URLS)
def test_unusable_database_url_in_the_environment_is_one_line_with_advice(
    tmp_path: Path, url: str, reason: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(config_file(tmp_path, ""), {"WATCHER_DATABASE_URL": url})
    assert str(caught.value).splitlines() == [f"WATCHER_DATABASE_URL: {reason}"]
    assert caught.value.exit_code == 2


def test_malformed_database_url_in_the_environment_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(config_file(tmp_path, ""), {"WATCHER_DATABASE_URL": "nonsense"})
    assert str(caught.value) == (
        'WATCHER_DATABASE_URL: expected a database URL like "sqlite:///var/watcher.db", '
        'got "nonsense"'
    )


def test_a_wrong_value_with_line_breaks_is_quoted_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config" / "watcher.yaml"
    path.parent.mkdir()
    path.write_text('sources: "a\\nb\\u2028c\\x1b"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert str(caught.value).splitlines() == [
        f'{path}:1:1: sources: input should be a valid tuple, got "a\\nb\\u2028c\\u001b"'
    ]
