"""Feed sources in watcher.yaml and config/sources.d, the fetch and API limits: defaults,
values, and every mistake as one line at its file, line and column."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from watcher.config import load_config
from watcher.errors import ConfigError, ConfigErrors

SOURCE = (
    "sources:\n  - name: bbc-africa\n    url: https://feeds.bbci.co.uk/news/world/africa/rss.xml\n"
)


def project(root: Path, text: str, **extra: str) -> Path:
    """config/watcher.yaml holding `text`, and config/sources.d/NAME.yaml for each of `extra`."""
    path = root / "config" / "watcher.yaml"
    (root / "config" / "sources.d").mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    for name, content in extra.items():
        (root / "config" / "sources.d" / f"{name}.yaml").write_text(content, encoding="utf-8")
    return path


def test_a_source_takes_the_defaults(tmp_path: Path) -> None:
    config = load_config(project(tmp_path, SOURCE), {})
    (source,) = config.sources
    assert source.name == "bbc-africa"
    assert source.url == "https://feeds.bbci.co.uk/news/world/africa/rss.xml"
    assert (source.interval, source.tags, source.full_text) == (timedelta(minutes=15), (), False)
    assert (config.fetch.timeout, config.fetch.max_size, config.fetch.max_redirects) == (
        timedelta(seconds=30),
        10_000_000,
        5,
    )
    assert (config.api.max_body_size, config.api.max_articles) == (5_000_000, 1000)


def test_settings_and_sources_d_files_in_name_order(tmp_path: Path) -> None:
    text = (
        SOURCE + "    interval: 10m\n    tags: [mena]\n    full_text: true\n"
        "fetch:\n  timeout: 5s\n  max_size: 2MB\n  max_redirects: 2\n"
        "api:\n  max_body_size: 1MB\n  max_articles: 50\n"
    )
    later = "sources:\n  - name: zeta\n    url: http://z.example.org/feed\n"
    earlier = "sources:\n  - {name: alpha, url: 'https://a.example.org/atom'}\n"
    config = load_config(project(tmp_path, text, b=later, a=earlier), {})
    assert [s.name for s in config.sources] == ["bbc-africa", "alpha", "zeta"]
    bbc = config.sources[0]
    assert (bbc.interval, bbc.tags, bbc.full_text) == (timedelta(minutes=10), ("mena",), True)
    assert (config.fetch.timeout, config.fetch.max_size, config.fetch.max_redirects) == (
        timedelta(seconds=5),
        2_000_000,
        2,
    )
    assert (config.api.max_body_size, config.api.max_articles) == (1_000_000, 50)


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        pytest.param(
            "  - name: Bad Name\n    url: https://x.org/f\n",
            "2:5: sources[0].name: expected a name of lower-case letters, digits and dashes, like"
            ' "bbc-africa", got "Bad Name"',
            id="name",
        ),
        pytest.param(
            "  - name: x\n    url: ftp://x.org/f\n",
            '3:5: sources[0].url: expected an http(s) URL like "https://example.org/feed.xml", '
            'got "ftp://x.org/f"',
            id="url",
        ),
        pytest.param(
            "  - name: x\n    url: https://x.org/f\n    interval: 10s\n",
            '4:5: sources[0].interval: expected at least "1m"',
            id="interval",
        ),
        pytest.param(
            "  - name: x\n    url: https://x.org/f\n    tags: [Mena]\n",
            "4:5: sources[0].tags: expected tags of lower-case letters",
            id="tags",
        ),
        pytest.param(
            "  - name: x\n    url: https://x.org/f\n    fulltext: true\n",
            "4:5: sources[0].fulltext: unknown key",
            id="typo",
        ),
        pytest.param("  - name: x\n", "2:5: sources[0].url: required key is missing", id="no-url"),
    ],
)
def test_source_errors_in_watcher_yaml(tmp_path: Path, item: str, expected: str) -> None:
    path = project(tmp_path, "sources:\n" + item)
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert str(caught.value).startswith(f"{path}:{expected}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "sources:\n  - name: ok\n    url: https://x.org/f\n  - name: x\n    url: nope\n",
            'x.yaml:5:5: source "x": url: expected an http(s) URL',
            id="url",
        ),
        pytest.param("feeds: []\n", "x.yaml:1:1: expected a mapping with one key", id="other-key"),
        pytest.param("sources: 5\n", "x.yaml:1:1: sources: expected a list", id="not-a-list"),
        pytest.param(
            "sources:\n  - just a url\n", "x.yaml:2:5: source: expected a mapping", id="item"
        ),
        pytest.param("sources: [\n", "x.yaml:2:1: YAML syntax", id="yaml"),
    ],
)
def test_source_errors_in_sources_d(tmp_path: Path, text: str, expected: str) -> None:
    path = project(tmp_path, "", x=text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert expected in str(caught.value)
    assert "sources.d/x.yaml:" in str(caught.value)


def test_a_name_used_twice_is_an_error_where_it_is_used_again(tmp_path: Path) -> None:
    again = "sources:\n  - name: other\n    url: https://o.org/f\n  - name: bbc-africa\n    url: https://b.org/f\n"
    path = project(tmp_path, SOURCE, more=again)
    with pytest.raises(ConfigErrors) as caught:
        load_config(path, {})
    (error,) = caught.value.errors
    assert str(error).endswith(
        f'sources.d/more.yaml:4:5: source "bbc-africa": the name is already used at {path}:2:5'
        " — names must be unique"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "fetch:\n  timeout: 0s\n",
            "2:3: fetch.timeout: expected a time above zero",
            id="timeout",
        ),
        pytest.param(
            "fetch:\n  max_size: 0\n", "2:3: fetch.max_size: expected a size above zero", id="size"
        ),
        pytest.param(
            "fetch:\n  max_redirects: 50\n",
            "2:3: fetch.max_redirects: input should be less",
            id="redirects",
        ),
        pytest.param(
            "api:\n  max_body_size: 0\n",
            "2:3: api.max_body_size: expected a size above zero",
            id="body",
        ),
        pytest.param(
            "api:\n  max_articles: 0\n",
            "2:3: api.max_articles: input should be greater",
            id="articles",
        ),
    ],
)
def test_fetch_and_api_errors(tmp_path: Path, text: str, expected: str) -> None:
    path = project(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert str(caught.value).startswith(f"{path}:{expected}")
