"""build_app(services, ruleset) -> the Starlette app: routes, read-only guard, headers, metrics."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from watcher.feeds.text import xml_safe
from watcher.metrics import ArchiveCollector, Metrics
from watcher.rules import RuleSet
from watcher.services import Services
from watcher.sources.api import ARTICLES_PATH, Intake, api_routes
from watcher.sources.settings import SourceConfig
from watcher.web.cursor import BadCursor
from watcher.web.views import Views, WebContext, archive_snapshot, format_time

HERE = Path(__file__).parent
READ_METHODS = frozenset({"GET", "HEAD"})
SECURITY_HEADERS = {
    # No script may run on our pages at all; styles and images only from our own files.
    "content-security-policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


class ReadOnly:
    """Anything but GET and HEAD is 405, on every path but `routed` ones, whose methods are
    left to their routes: the intake API's path, whose one route takes POST alone when the
    API is on, and which does not exist (404) when it is off. Nothing else changes anything."""

    def __init__(self, app: ASGIApp, routed: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.routed = routed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in READ_METHODS
            and scope["path"] not in self.routed
        ):
            response = PlainTextResponse(
                "Method Not Allowed", status_code=405, headers={"Allow": "GET, HEAD"}
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class SecureAndCount:
    """Adds the security headers to every response; counts responses by status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                self.metrics.http_requests.labels(str(message["status"])).inc()
            await send(message)

        await self.app(scope, receive, send_with_headers)


def without_controls(value: object) -> object:
    """Every value a page shows, without control characters (ESC, BEL...): they have no
    place in HTML, and copied from a page into a terminal they would drive it."""
    if isinstance(value, Markup):
        return Markup(xml_safe(str(value)))  # noqa: S704 - already escaped; only removing
    if isinstance(value, str):
        return xml_safe(value)
    return value


def _templates() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=without_controls,
    )
    environment.filters["when"] = format_time
    return environment


def build_app(
    services: Services,
    ruleset: RuleSet | Callable[[], RuleSet],
    *,
    metrics: Metrics | None = None,
    health_timeout_s: float = 3.0,
    page_size: int = 50,
    reload_error: Callable[[], str | None] = lambda: None,
    sources: Callable[[], Sequence[SourceConfig]] | None = None,
    intake: Intake | None = None,
) -> Starlette:
    """The web app over `services`; `ruleset` may be a callable that returns the current rules,
    `sources` one that returns the feed sources in force (default: the config's). Pages list
    `page_size` hits at a time; /healthz reports `reload_error()` (the daemon's). With
    `intake`, POST /api/articles takes articles in."""
    metrics = metrics or Metrics.create(CollectorRegistry())
    feed_sources = sources or (lambda: services.config.sources)
    metrics.registry.register(ArchiveCollector(lambda: archive_snapshot(services, feed_sources)))
    rules = ruleset if callable(ruleset) else (lambda: ruleset)
    context = WebContext(
        services,
        rules,
        metrics,
        _templates(),
        health_timeout_s,
        page_size,
        reload_error,
        feed_sources,
    )
    views = Views(context)
    gzip = [Middleware(GZipMiddleware, minimum_size=500)]
    routes = [
        Route("/", views.index, middleware=gzip),
        Route("/rules/{name}", views.rule, middleware=gzip),
        Route("/tags/{tag}", views.tag, middleware=gzip),
        Route("/articles/{uid}", views.article, middleware=gzip),
        Route("/feeds/{path:path}", views.feed),
        Route("/feeds.opml", views.opml),
        Route("/healthz", views.healthz),
        Route("/metrics", views.metrics, middleware=gzip),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    if intake is not None:
        routes[:0] = api_routes(intake)
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(SecureAndCount, metrics=metrics),
            Middleware(ReadOnly, routed=frozenset({ARTICLES_PATH})),
        ],
        exception_handlers={
            BadCursor: views.bad_cursor,
            404: views.not_found,
            SQLAlchemyError: views.database_down,
        },
    )
