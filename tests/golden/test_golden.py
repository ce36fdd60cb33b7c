"""The golden corpus: hand-written rules over 600 Reuters articles, through the real scan.

The articles are written at test time from ../shared/corpora/ (tests/golden/corpus.py: a
fixed pick by position, in every format the scanner reads). `watcher scan` ingests them
into a real database (SQLite; PostgreSQL too when WATCHER_TEST_POSTGRES_URL is set), with
the rules of tests/golden/rules.yaml, and `watcher hits` reads the hits back. Every rule's
hit set must match tests/golden/expected.json (count and sha256 of the sorted file names),
so that a dependency upgrade (luqum, trafilatura, charset-normalizer, SQLAlchemy ...) or a
change in the analyzer, readers or store that alters what matches fails loudly, listing per
rule the articles added and removed. The percolator, run directly over the same files, must
find exactly what the database recorded.

When a change of hits is intended (or an upgrade's differences have been judged right),
rewrite the expectation, read its diff, and commit it:

    WATCHER_GOLDEN_UPDATE=1 .venv/bin/python -m pytest -p no:cacheprovider tests/golden

A run with WATCHER_GOLDEN_UPDATE set rewrites expected.json and then fails saying so, so
that an update is never silent (in CI or anywhere else).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from golden.corpus import fingerprint, pick_records, write_articles
from golden.pins import Golden, HitSets, differences, mismatches
from support import CORPUS, run_cli

from watcher.articles import ReadContext, read_article
from watcher.percolator import Percolator
from watcher.rules import RuleSet, load_rules

HERE = Path(__file__).resolve().parent
RULES = HERE / "rules.yaml"
EXPECTED = HERE / "expected.json"
UPDATE_ENV = "WATCHER_GOLDEN_UPDATE"
DEFAULT_SOURCE = "Unknown"  # plain .txt articles carry none
UPDATE_HINT = f"{UPDATE_ENV}=1 .venv/bin/python -m pytest -p no:cacheprovider tests/golden"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CORPUS.is_file(), reason=f"the Reuters corpus is absent ({CORPUS})"),
]


@dataclass(frozen=True, slots=True)
class Articles:
    """The generated seeds folder, and the fingerprint of what was written into it."""

    folder: Path
    summary: Mapping[str, object]  # {"count": N, "sha256": ...}


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> Articles:
    folder = tmp_path_factory.mktemp("golden") / "seeds"
    written = write_articles(pick_records(CORPUS), folder)
    return Articles(folder, {"count": len(written), "sha256": fingerprint(written)})


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return load_rules([RULES])


@pytest.fixture(scope="module")
def percolated(articles: Articles, ruleset: RuleSet) -> HitSets:
    """Rule -> the files it matches, by the percolator alone over the readers' articles."""
    percolator = Percolator(ruleset.enabled())
    context = ReadContext(ZoneInfo("UTC"), DEFAULT_SOURCE, datetime(2026, 1, 1, tzinfo=UTC))
    found: dict[str, list[str]] = {rule.name: [] for rule in ruleset.rules}
    for path in sorted(articles.folder.iterdir()):
        for article in read_article(path, path.read_bytes(), context).articles:
            for name in percolator.match(article):
                found[name].append(path.name)
    return {name: sorted(names) for name, names in found.items()}


def make_project(root: Path, seeds: Path) -> Path:
    """A project whose config watches the generated folder with the golden rules."""
    config = root / "config"
    config.mkdir(parents=True)
    (config / "rules.yaml").write_bytes(RULES.read_bytes())
    (config / "watcher.yaml").write_text(
        f"seeds_dir: {json.dumps(str(seeds))}\n"
        "timezone: UTC\n"
        f"default_source: {DEFAULT_SOURCE}\n"
        "feeds:\n  dir: var/feeds\n"
        "mail:\n  maildir: var/mail\n",
        encoding="utf-8",
    )
    return root


def stored_hits(project: Path, database_url: str, ruleset: RuleSet) -> HitSets:
    """Rule -> the files of the articles it hit, as `watcher hits` lists them."""
    listed = run_cli(project, "hits", "--format", "json", "--limit", "0", database_url=database_url)
    assert listed.exit_code == 0, listed.output
    found: dict[str, list[str]] = {rule.name: [] for rule in ruleset.rules}
    for hit in json.loads(listed.stdout):
        found.setdefault(hit["rule"], []).append(Path(hit["path"]).name)
    return {name: sorted(names) for name, names in found.items()}


def scan(project: Path, database_url: str) -> dict[str, int]:
    """`watcher scan` once; its summary's counts (without the time it took, and without the
    hits, which the rules' hit sets pin one by one)."""
    result = run_cli(project, "scan", "--format", "json", database_url=database_url)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    return {key: value for key, value in summary.items() if key not in {"seconds", "hits"}}


def test_the_scan_records_the_checked_in_hit_set_of_every_rule(
    articles: Articles,
    ruleset: RuleSet,
    percolated: HitSets,
    database_url: str,
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path / "project", articles.folder)
    counts = scan(project, database_url)
    stored = stored_hits(project, database_url, ruleset)
    disagreements = differences(percolated, stored)
    if disagreements:
        pytest.fail(
            "the database recorded other hits than the percolator finds:\n"
            + "\n".join(disagreements),
            pytrace=False,
        )
    actual = Golden(articles.summary, counts, stored)
    if os.environ.get(UPDATE_ENV):
        EXPECTED.write_text(actual.render(), encoding="utf-8")
        pytest.fail(f"rewrote {EXPECTED}: read its diff and commit it; run without {UPDATE_ENV}")
    if not EXPECTED.is_file():
        pytest.fail(f"{EXPECTED} is missing: write it with {UPDATE_HINT}")
    problems = mismatches(Golden.load(EXPECTED), actual)
    if problems:
        pytest.fail(
            f"the golden hits changed ({len(problems)} differences); if the change is right, "
            f"rewrite the expectation with {UPDATE_HINT}\n" + "\n".join(problems),
            pytrace=False,
        )
