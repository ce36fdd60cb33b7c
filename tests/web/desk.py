"""A project with real services, rules and articles matched by the real percolator, for the
feed, web and end-to-end tests (imported as `web.desk`; tests/ is on sys.path)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from migrated import migrate_fast

from watcher.config import Config, load_config
from watcher.feeds.text import headline
from watcher.matching import prepare_matching
from watcher.model import Article
from watcher.rules import RuleSet, load_rules
from watcher.services import Services, build_services
from watcher.store.articles import Located, store_articles

BASE_URL = "http://feeds.example.org:8080/"
# Article text that tries everything: markup, CDATA ends, control characters, RTL override.
HOSTILE_TITLE = "Libya <script>alert('t')</script> ]]> \u202eطرابلس\x01\x1b]0;PWNED\x07"  # noqa: RUF001 - RTL text on purpose
HOSTILE_BODY = (
    "Libya <script>alert('b')</script> <img src=x onerror=alert(1)> <b><i>broken <p <a href='\">"
    " ]]> &amp; &bogus; \x02\x1f\x7f\ufffe ليبيا עברית " + "long " * 4000 + "Tripoli"
)
HOSTILE_HEADLINE = headline(HOSTILE_TITLE, "", "")
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RULES_YAML = """\
rules:
  - name: libya
    title: Libya
    query: Libya OR Tripoli
    tags: [mena]
  - name: wagner
    title: Wagner Group
    query: Wagner
    tags: [russia, mena]
  - name: oil
    title: Oil & gas <prices>
    query: oil
  - name: dormant
    query: Libya
    tags: [sleepy]
    enabled: false
"""


@dataclass
class Desk:
    root: Path
    config: Config
    services: Services
    ruleset: RuleSet

    @property
    def feeds_dir(self) -> Path:
        return self.config.feeds.dir

    def ingest(self, articles: Sequence[Article], at: datetime) -> None:
        """Archive the articles and record their hits as a scan at `at` would."""
        recorder = prepare_matching(self.services.sessions, self.ruleset, at)
        batch = [Located(f"{a.title[:20]}-{i}.json", 0, a) for i, a in enumerate(articles)]
        with self.services.sessions.begin() as session:
            outcome = store_articles(session, batch, at)
            recorder(session, outcome.versions, at)

    def with_rules(self, text: str) -> RuleSet:
        path = self.root / "config" / "rules.yaml"
        path.write_text(text, encoding="utf-8")
        self.ruleset = load_rules([path])
        return self.ruleset


def article(
    title: str,
    body: str,
    *,
    published: datetime = T0,
    source: str = "The Limited Times",
    lead: str = "",
    url: str | None = None,
) -> Article:
    return Article(title, lead, body, source, published, url)


@contextmanager
def open_desk(
    root: Path, database_url: str, *, max_entries: int = 50, migrate: bool = True
) -> Iterator[Desk]:
    """Write a project under `root`, open its services; close them when done."""
    (root / "config").mkdir(parents=True)
    (root / "seeds").mkdir()
    (root / "config" / "watcher.yaml").write_text(
        f"feeds:\n  dir: var/feeds\n  max_entries: {max_entries}\n  base_url: {BASE_URL}\n"
        "web:\n  port: 0\n",
        encoding="utf-8",
    )
    (root / "config" / "rules.yaml").write_text(RULES_YAML, encoding="utf-8")
    config = load_config(
        root / "config" / "watcher.yaml", environ={"WATCHER_DATABASE_URL": database_url}
    )
    if migrate:
        migrate_fast(database_url)
    services = build_services(config, migrate=migrate)
    try:
        yield Desk(root, config, services, load_rules(config.rule_files))
    finally:
        services.close()


def newsroom() -> list[tuple[list[Article], datetime]]:
    """Batches of articles and the time each batch was scanned, oldest first."""
    return [
        (
            [
                article("Clashes near Tripoli", "Fighting resumed south of Tripoli today."),
                article("Oil output falls", "Oil production fell again.", url="https://x.org/oil"),
            ],
            T0,
        ),
        (
            [
                article(
                    "Wagner fighters in Libya",
                    "Wagner mercenaries were seen near Sirte, Libya, said officials.",
                    published=T0 - timedelta(hours=5),
                    url="https://news.example.com/wagner?id=1&x=2",
                ),
                article(
                    "",
                    "Untitled dispatch: the Libya talks in Geneva ended without a deal on oil.",
                    published=T0 - timedelta(hours=1),
                    source="Agence",
                ),
            ],
            T0 + timedelta(hours=1),
        ),
    ]
