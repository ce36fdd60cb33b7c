"""POST /api/articles: articles in over HTTP, for whoever holds a token of $WATCHER_API_TOKENS.

Checked in this order, each refusal a problem document (RFC 9457, application/problem+json)
that says what to fix: the bearer token (401, compared in constant time, never logged), the
content type (415), the size, announced or while reading (413), the JSON (400), the articles
(422, each error at its JSON pointer: `/2/tags`; too many of them is one too). What passes
is archived, matched and answered at once, with each article's id and hits; a retry gets the
same answer.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

import anyio.to_thread
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from watcher.articles import ReadContext, storable
from watcher.articles.dates import published_from_value
from watcher.articles.json_ import ARTICLE_KEYS, FieldError, article_from_item, text_field
from watcher.errors import ConfigError, IngestError
from watcher.model import Article
from watcher.sources.openapi import openapi_document
from watcher.store.db import database_reason

log = logging.getLogger(__name__)

TOKENS_ENV = "WATCHER_API_TOKENS"
MIN_TOKEN_LENGTH = 16
ARTICLES_PATH = "/api/articles"
SCHEMA_PATH = "/api/openapi.json"
PROBLEM_TYPE = "application/problem+json"
TEXT_KEYS = ("title", "body", "text", "lead", "summary", "source", "url")
TIME_KEYS = ("published", "date")
TIME_FORMS = "5/21/2020, 5:38:06 PM, or Unix seconds"
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]+")


class Problem(Exception):
    """A refusal: its status, a title, what to do, and the errors of fields, if any."""

    def __init__(
        self, status: int, title: str, detail: str, errors: Sequence[Mapping[str, str]] = ()
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = list(errors)

    def response(self, headers: Mapping[str, str] | None = None) -> Response:
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = self.errors
        return JSONResponse(body, self.status, headers=headers, media_type=PROBLEM_TYPE)


@dataclass(frozen=True)
class Intake:
    """What the endpoint needs: the tokens, the limits, how times are read, and `ingest`,
    which archives and matches articles (blocking: it runs on a worker thread) and returns
    one JSON-ready answer per article."""

    tokens: tuple[bytes, ...]
    max_body_size: int
    max_articles: int
    timezone: tzinfo
    default_source: str
    clock: Callable[[], datetime]
    ingest: Callable[[list[Article]], list[dict[str, Any]]]


def api_tokens(environ: Mapping[str, str]) -> tuple[bytes, ...]:
    """The tokens of $WATCHER_API_TOKENS (separated by commas or spaces); none: no API.
    ConfigError, naming a token by its place and never by its value, for a weak one."""
    found = [token for token in re.split(r"[\s,]+", environ.get(TOKENS_ENV, "")) if token]
    for place, token in enumerate(found, start=1):
        if not _TOKEN.fullmatch(token) or len(token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"{TOKENS_ENV}: token {place} must be at least {MIN_TOKEN_LENGTH} characters of "
                "letters, digits and ._~+/=- — make one with "
                "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
    return tuple(token.encode("ascii") for token in found)


def api_routes(intake: Intake) -> list[Route]:
    """The endpoint and its OpenAPI document."""
    schema = openapi_document(max_body_size=intake.max_body_size, max_articles=intake.max_articles)

    async def post_articles(request: Request) -> Response:
        try:
            _authorize(request, intake.tokens)
        except Problem as problem:
            return problem.response({"WWW-Authenticate": 'Bearer realm="watcher"'})
        try:
            articles = _articles(await _body(request, intake), intake)
            answers = await anyio.to_thread.run_sync(intake.ingest, articles)
        except Problem as problem:
            return problem.response()
        except SQLAlchemyError as exc:
            log.warning("%s: the database did not answer: %s", ARTICLES_PATH, database_reason(exc))
            return Problem(
                503, "Service Unavailable", "the database did not answer; try again later"
            ).response({"Retry-After": "30"})
        return JSONResponse({"articles": answers})

    def openapi(request: Request) -> Response:
        return JSONResponse(schema)

    return [
        Route(ARTICLES_PATH, post_articles, methods=["POST"]),
        Route(SCHEMA_PATH, openapi, methods=["GET"]),
    ]


def _authorize(request: Request, tokens: Sequence[bytes]) -> None:
    scheme, _, offered = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not offered.strip():
        raise Problem(
            401, "Unauthorized", "send a token of WATCHER_API_TOKENS: Authorization: Bearer TOKEN"
        )
    given = offered.strip().encode("utf-8", "replace")
    # Every token is compared, whichever matches: the time taken tells nothing.
    matched = [hmac.compare_digest(given, token) for token in tokens]
    if not any(matched):
        raise Problem(401, "Unauthorized", "the token is not one of WATCHER_API_TOKENS")


async def _body(request: Request, intake: Intake) -> bytes:
    """The body, refused as it arrives once it passes the limit (or when it says it will)."""
    media_type, _, parameters = request.headers.get("content-type", "").partition(";")
    charset = parameters.strip().lower().removeprefix("charset=").strip('"')
    if media_type.strip().lower() != "application/json" or charset not in ("", "utf-8"):
        raise Problem(
            415, "Unsupported Media Type", "send JSON: Content-Type: application/json (UTF-8)"
        )
    too_big = Problem(
        413,
        "Content Too Large",
        f"the body may hold at most {intake.max_body_size:,} bytes (api.max_body_size) — "
        "send the articles in smaller batches",
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > intake.max_body_size:
        raise too_big
    parts, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > intake.max_body_size:
                raise too_big
            parts.append(chunk)
    except ClientDisconnect as exc:
        raise Problem(400, "Bad Request", "the body ended before it was complete") from exc
    return b"".join(parts)


def _articles(body: bytes, intake: Intake) -> list[Article]:
    """The articles of a JSON body, by the JSON reader's rules; Problem for the first thing
    wrong with the JSON, or for every wrong field at once."""
    try:
        document = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Problem(400, "Bad Request", f"the body is not JSON: {_first_line(exc)}") from exc
    if isinstance(document, dict):
        items, pointers = [document], [""]
    elif isinstance(document, list) and document:
        items, pointers = document, [f"/{index}" for index in range(len(document))]
    else:
        raise Problem(
            422,
            "Unprocessable Content",
            "send an article object, or a list of one or more",
            [{"pointer": "", "detail": "expected an article object or a non-empty list of them"}],
        )
    if len(items) > intake.max_articles:
        detail = (
            f"at most {intake.max_articles:,} articles a request (api.max_articles), "
            f"not {len(items):,} — send them in smaller batches"
        )
        raise Problem(422, "Unprocessable Content", detail, [{"pointer": "", "detail": detail}])
    context = ReadContext(intake.timezone, intake.default_source, intake.clock())
    articles, errors = [], []
    for item, pointer in zip(items, pointers, strict=True):
        try:
            articles.append(_article(item, pointer, context))
        except Problem as problem:
            errors.extend(problem.errors)
    if errors:
        raise Problem(
            422, "Unprocessable Content", "some articles cannot be archived: see errors", errors
        )
    return articles


def _article(item: object, pointer: str, context: ReadContext) -> Article:
    if not isinstance(item, dict):
        raise _field(pointer, f"expected an article object, not {_json_type(item)}")
    unknown = sorted(key for key in item if key not in ARTICLE_KEYS)
    if unknown:
        known = ", ".join(ARTICLE_KEYS)
        errors = [
            {"pointer": f"{pointer}/{_escape(key)}", "detail": f"unknown field (fields: {known})"}
            for key in unknown
        ]
        raise Problem(422, "Unprocessable Content", "unknown fields", errors)
    try:
        # Every field given is checked, not only those the reader would use (`text` beside
        # `body`, `date` beside `published`): what the document calls invalid is refused.
        for key in TEXT_KEYS:
            text_field(item, key, "article")
        for key in TIME_KEYS:
            if key in item and published_from_value(item[key], context, where=key).warning:
                raise FieldError(f"article: cannot read the time {key}", key)
        article, _ = article_from_item(item, context, where="article")
    except FieldError as exc:
        detail = exc.message.removeprefix("article: ")
        if exc.key in TIME_KEYS:
            detail = f"cannot read the time: write it as 2026-03-01T12:00:00Z (or {TIME_FORMS})"
        raise _field(f"{pointer}/{exc.key}", detail) from exc
    except IngestError as exc:
        detail = exc.message.replace("JSON object", "the article").removeprefix("article ")
        raise _field(pointer, detail) from exc
    return storable(article)


def _field(pointer: str, detail: str) -> Problem:
    return Problem(422, "Unprocessable Content", detail, [{"pointer": pointer, "detail": detail}])


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _escape(key: str) -> str:
    """A key as a JSON pointer token (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


def _json_type(value: object) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    return names.get(type(value), type(value).__name__)


def _first_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]
