"""The endpoints: index, rule, tag and article pages, feed files, /healthz, /metrics."""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from jinja2 import Environment
from markupsafe import Markup
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from watcher.articles.discover import seeds_dir_problem
from watcher.errors import StoreError
from watcher.feeds.plan import OPML_NAME, plan_feeds
from watcher.feeds.text import headline, safe_url
from watcher.metrics import ArchiveSnapshot, Metrics
from watcher.model import Span
from watcher.percolator.highlight import mark_all
from watcher.rules import Rule, RuleSet
from watcher.services import Services
from watcher.sources.health import healths
from watcher.sources.settings import SourceConfig
from watcher.store.articles import count_articles
from watcher.store.db import database_reason
from watcher.store.feeds import ArticlePage, article_page, check_database
from watcher.store.hits import count_hits
from watcher.store.ingest_errors import count_errors
from watcher.store.pages import HitKey, HitPage, hit_page, hits_by_day, ids_of_rules, rule_stats
from watcher.store.scans import last_scan
from watcher.web.chart import day_chart
from watcher.web.cursor import page_cursor, to_token
from watcher.web.excerpt import listed

log = logging.getLogger(__name__)

FEED_TYPES = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
}
GZIP_MIN_BYTES = 500
PAGE_TEXT_LIMIT = 200_000  # characters of one field an article page shows
CHART_DAYS = 30
DAY = timedelta(days=1)


@dataclass(frozen=True)
class WebContext:
    services: Services
    rules: Callable[[], RuleSet]
    metrics: Metrics
    templates: Environment
    health_timeout_s: float
    page_size: int
    # The daemon's own state for /healthz: its last reload error, if any.
    reload_error: Callable[[], str | None] = lambda: None
    sources: Callable[[], Sequence[SourceConfig]] = tuple


def format_time(value: datetime | None) -> str:
    """A time as pages show it: `2020-05-21 17:38 UTC`."""
    if value is None:
        return "never"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def archive_snapshot(
    services: Services, sources: Callable[[], Sequence[SourceConfig]] = tuple
) -> ArchiveSnapshot | None:
    """The database's counts (and the health of `sources()`) for /metrics; None when it
    does not answer (or, like /healthz says, its SQLite file is gone: the open connection
    would still read the deleted file)."""
    if _sqlite_file_gone(services):
        log.warning("metrics: the SQLite database file is gone")
        return None
    try:
        with services.sessions() as session:
            scan = last_scan(session)
            return ArchiveSnapshot(
                articles=count_articles(session),
                hits=count_hits(session),
                ingest_errors=count_errors(session),
                last_scan_at=None if scan is None else scan.finished_at,
                last_scan_seconds=None if scan is None else scan.summary.seconds,
                sources=healths(session, sources(), services.clock()),
            )
    except SQLAlchemyError as exc:
        log.warning("metrics: the database did not answer: %s", exc.__class__.__name__)
        return None


def resolve_feed(root: Path, relative: str) -> Path | None:
    """The feed file `relative` names under `root`, or None for anything else: other file
    types, `..`, `.`, empty or absolute parts, backslashes, and symlinks leading outside."""
    parts = relative.split("/")
    if any(part in ("", ".", "..") or "\\" in part or "\x00" in part for part in parts):
        return None
    if Path(parts[-1]).suffix not in FEED_TYPES:
        return None
    try:
        base = root.resolve(strict=True)
        real = base.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(base) or not real.is_file():
        return None
    return real


def _accepts_gzip(accept_encoding: str) -> bool:
    for token in accept_encoding.lower().split(","):
        name, _, params = token.partition(";")
        if name.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _not_modified(request: Request, etags: set[str], mtime: int) -> bool:
    """If-None-Match (weak comparison) wins; else If-Modified-Since against the file's mtime."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        offered = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in offered or bool(offered & etags)
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        return mtime <= parsedate_to_datetime(since).timestamp()
    except (TypeError, ValueError):
        return False


def feed_response(request: Request, path: Path) -> Response:
    """A feed file with its type, a strong ETag (of its bytes; `-gzip` when compressed),
    Last-Modified, 304 when the client has it, gzip when the client accepts it."""
    with path.open("rb") as handle:
        mtime = int(os.fstat(handle.fileno()).st_mtime)
        data = handle.read()
    digest = hashlib.sha256(data).hexdigest()[:32]
    compress = len(data) >= GZIP_MIN_BYTES and _accepts_gzip(
        request.headers.get("accept-encoding", "")
    )
    etag = f'"{digest}-gzip"' if compress else f'"{digest}"'
    headers = {
        "ETag": etag,
        "Last-Modified": formatdate(mtime, usegmt=True),
        "Vary": "Accept-Encoding",
        "Cache-Control": "no-cache",
    }
    if _not_modified(request, {f'"{digest}"', f'"{digest}-gzip"'}, mtime):
        return Response(status_code=304, headers=headers)
    if compress:
        data = gzip.compress(data, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return Response(data, headers=headers, media_type=FEED_TYPES[path.suffix])


def _marked(text: str, spans: tuple[Span, ...], field: str) -> Markup:
    """One field, matches marked, at most PAGE_TEXT_LIMIT characters of it (a 10 MB article
    must not make a 20 MB page, nor take seconds to mark)."""
    shown = text[:PAGE_TEXT_LIMIT]
    marks = [span for span in spans if span.field == field and span.end <= len(shown)]
    # mark_all escapes everything but its own <mark> tags: safe to embed as markup.
    html = mark_all(shown, marks)
    if len(text) > len(shown):
        rest = len(text) - len(shown)
        html += f' <span class="cut">[… {rest:,} more characters not shown]</span>'
    return Markup(html)  # noqa: S704


def _sqlite_file_gone(services: Services) -> bool:
    url = services.engine.url
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return False
    return not Path(database).is_file()


class Views:
    """The endpoints, bound to one app's context."""

    def __init__(self, context: WebContext) -> None:
        self.context = context

    def _page(self, name: str, values: Mapping[str, Any], status_code: int = 200) -> HTMLResponse:
        template = self.context.templates.get_template(name)
        return HTMLResponse(template.render(values), status_code=status_code)

    def index(self, request: Request) -> Response:
        before = _before(request)
        ruleset = self.context.rules()
        services = self.context.services
        with services.sessions() as session:
            stats = rule_stats(session)
            page = hit_page(session, None, before, self.context.page_size)
            sources = healths(session, self.context.sources(), services.clock())
        specs = plan_feeds(ruleset)
        values = {
            "rules": [(rule, stats.get(rule.name)) for rule in ruleset.rules if rule.enabled],
            "tag_pages": _tag_pages(ruleset),
            "tag_feeds": [spec for spec in specs if spec.kind == "tag"],
            "feeds": specs,
            "opml": f"/feeds/{OPML_NAME}",
            "sources": sources,
            **_hit_list(page, ruleset, "/", before),
        }
        return self._page("index.html", values)

    def rule(self, request: Request) -> Response:
        ruleset = self.context.rules()
        rule = _rule_named(ruleset, request.path_params["name"])
        before = _before(request)
        today = self.context.services.clock().astimezone(UTC).date()
        first_day = today - (CHART_DAYS - 1) * DAY
        stats, page, counts = None, HitPage((), None), [0] * CHART_DAYS
        with self.context.services.sessions() as session:
            found = ids_of_rules(session, [rule.name]).get(rule.name)
            if found is not None:  # else not matched with yet: no hits
                stats = rule_stats(session, [found]).get(rule.name)
                page = hit_page(session, [found], before, self.context.page_size)
                start = datetime.combine(first_day, time(), UTC)
                counts = hits_by_day(session, found, start, CHART_DAYS)
        values = {
            "rule": rule,
            "stats": stats,
            "tag_pages": _tag_pages(ruleset),
            "chart": day_chart(first_day, counts),
            **_hit_list(page, ruleset, f"/rules/{rule.name}", before),
        }
        return self._page("rule.html", values)

    def tag(self, request: Request) -> Response:
        ruleset = self.context.rules()
        tag = request.path_params["tag"]
        spec = next((s for s in plan_feeds(ruleset) if s.kind == "tag" and s.key == tag), None)
        if spec is None:
            raise HTTPException(404)
        before = _before(request)
        with self.context.services.sessions() as session:
            ids = ids_of_rules(session, spec.rules)
            stats = rule_stats(session, ids.values())
            page = hit_page(session, ids.values(), before, self.context.page_size)
        values = {
            "tag": tag,
            "feed": spec,
            "rules": [
                (rule, stats.get(rule.name)) for rule in ruleset.rules if rule.name in spec.rules
            ],
            "tag_pages": _tag_pages(ruleset),
            **_hit_list(page, ruleset, f"/tags/{tag}", before),
        }
        return self._page("tag.html", values)

    def article(self, request: Request) -> Response:
        uid = request.path_params["uid"]
        with self.context.services.sessions() as session:
            page = article_page(session, uid)
        if page is None:
            raise HTTPException(404)
        return self._page("article.html", _article_values(page, self.context.rules()))

    def feed(self, request: Request) -> Response:
        path = resolve_feed(self.context.services.config.feeds.dir, request.path_params["path"])
        if path is None:
            raise HTTPException(404)
        return feed_response(request, path)

    def opml(self, request: Request) -> Response:
        path = resolve_feed(self.context.services.config.feeds.dir, OPML_NAME)
        if path is None:
            raise HTTPException(404)
        return feed_response(request, path)

    async def healthz(self, request: Request) -> Response:
        seeds = await anyio.to_thread.run_sync(
            seeds_dir_problem, self.context.services.config.seeds_dir
        )
        body: dict[str, object] = {"database": "ok", "seeds_dir": seeds or "ok"}
        try:
            with anyio.fail_after(self.context.health_timeout_s):
                body["rules"] = await anyio.to_thread.run_sync(self._ping, abandon_on_cancel=True)
        except (TimeoutError, SQLAlchemyError, StoreError) as exc:
            log.warning("healthz: the database did not answer: %s", exc.__class__.__name__)
            body["database"] = "unavailable"
        if body["database"] != "ok" or seeds is not None:
            return JSONResponse({"status": "error", **body}, status_code=503)
        reload_error = self.context.reload_error()
        if reload_error is not None:
            # Still serving and alerting on the previous rules: degraded, not down (a restart
            # would not mend a typo, and would stop the alerts).
            return JSONResponse({"status": "degraded", **body, "reload": reload_error})
        return JSONResponse({"status": "ok", **body})

    def _ping(self) -> int:
        if _sqlite_file_gone(self.context.services):
            raise StoreError("the SQLite database file is gone")
        with self.context.services.sessions() as session:
            return check_database(session)

    def metrics(self, request: Request) -> Response:
        body = generate_latest(self.context.metrics.registry)
        return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def bad_cursor(self, request: Request, exc: Exception) -> Response:
        values = {"detail": str(exc), "path": request.url.path}
        return self._page("bad_request.html", values, status_code=400)

    async def not_found(self, request: Request, exc: Exception) -> Response:
        return self._page("not_found.html", {"path": request.url.path}, status_code=404)

    async def database_down(self, request: Request, exc: Exception) -> Response:
        log.warning("%s: the database did not answer: %s", request.url.path, database_reason(exc))
        return self._page("unavailable.html", {}, status_code=503)


def _before(request: Request) -> HitKey | None:
    """The page cursor in `?before=`: None for the first page; a bad one is a 400 page."""
    return page_cursor(request.query_params.getlist("before"))


def _rule_named(ruleset: RuleSet, name: str) -> Rule:
    rule = next((rule for rule in ruleset.rules if rule.name == name), None)
    if rule is None:
        raise HTTPException(404)
    return rule


def _tag_pages(ruleset: RuleSet) -> set[str]:
    """The tags with a page: those of the enabled rules, as for feeds."""
    return {tag for rule in ruleset.rules if rule.enabled for tag in rule.tags}


def _hit_list(page: HitPage, ruleset: RuleSet, path: str, before: HitKey | None) -> dict[str, Any]:
    """What the hit list of a page needs: the hits, and links to the older and newest hits."""
    names = {rule.name for rule in ruleset.rules}
    older = None if page.older is None else f"{path}?before={to_token(page.older)}"
    hits = [listed(hit, names) for hit in page.hits]
    return {"hits": hits, "older": older, "newest": path if before is not None else None}


def _article_values(page: ArticlePage, ruleset: RuleSet) -> dict[str, Any]:
    item = page.item
    titles = {rule.name: rule.title for rule in ruleset.rules}
    enabled = {rule.name for rule in ruleset.rules if rule.enabled}
    # A text with no blank line after its header is all lead: it reads as the body, not bold.
    has_body = bool(item.body.strip())
    return {
        "headline": headline(item.title, item.lead, item.body),
        "item": item,
        "url": safe_url(item.url),
        "title": _marked(item.title, item.spans, "title"),
        "lead": _marked(item.lead, item.spans, "lead") if has_body and item.lead else None,
        "body": _marked(item.body, item.spans, "body")
        if has_body
        else _marked(item.lead, item.spans, "lead"),
        "source": _marked(item.source, item.spans, "source"),
        "hits": [
            (hit, titles.get(hit.rule, hit.rule), hit.rule in titles, hit.rule in enabled)
            for hit in page.hits
        ],
    }
