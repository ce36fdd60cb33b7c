"""The intake API wired to the services: on only when $WATCHER_API_TOKENS holds tokens."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from watcher.jobs import Posted, intake_job
from watcher.matching import Matchers
from watcher.metrics import Metrics
from watcher.model import Article
from watcher.rules import RuleSet
from watcher.services import Services
from watcher.sources.api import Intake, api_tokens


def make_intake(
    services: Services,
    rules: Callable[[], RuleSet],
    environ: Mapping[str, str],
    *,
    base_url: str,
    metrics: Metrics | None = None,
) -> Intake | None:
    """The API's wiring, or None (no endpoint at all) when no token is configured.
    ConfigError for a token too weak to use."""
    tokens = api_tokens(environ)
    if not tokens:
        return None
    matchers = Matchers(services.sessions)

    def ingest(articles: list[Article]) -> list[dict[str, Any]]:
        posted = intake_job(
            services, rules(), articles, matchers=matchers, base_url=base_url, metrics=metrics
        )
        return [_answer(item, base_url) for item in posted]

    config = services.config
    return Intake(
        tokens=tokens,
        max_body_size=config.api.max_body_size,
        max_articles=config.api.max_articles,
        timezone=config.zone,
        default_source=config.default_source,
        clock=services.clock,
        ingest=ingest,
    )


def _answer(posted: Posted, base_url: str) -> dict[str, Any]:
    return {
        "id": posted.uid,
        "state": posted.state,
        "url": f"{base_url}articles/{posted.uid}",
        "hits": [
            {
                "rule": hit.rule,
                "matched_at": hit.matched_at.isoformat(),
                "backfill": hit.backfill,
                "matches": [span.as_json() for span in hit.spans],
            }
            for hit in posted.hits
        ],
    }
