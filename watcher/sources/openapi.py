"""The OpenAPI 3.1 document of the intake API: exactly what POST /api/articles takes and
answers (served at /api/openapi.json; tests run schemathesis over it)."""

from __future__ import annotations

from typing import Any

from watcher import __version__

TEXT = {"type": ["string", "number", "null"], "description": "text (a number is taken as written)"}
PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _text(description: str) -> dict[str, Any]:
    return {**TEXT, "description": description}


ARTICLE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "An article, with the fields of the .json reader. It needs a title or a body"
    " (or text); a time without a zone is in the configured timezone; no published time:"
    " the time it is received.",
    "properties": {
        "title": _text("the headline"),
        "body": _text("the text"),
        "text": _text("the text, where there is no body"),
        "lead": _text("the lead paragraph"),
        "summary": _text("the lead, where there is no lead"),
        "source": _text("who published it (default: the config's default_source)"),
        "url": _text("its address: a later post with the same url is a new version of it"),
        "published": {
            "type": ["string", "number", "null"],
            "description": "publication time: ISO 8601 (2026-03-01T12:00:00Z), another common"
            " form, or Unix seconds",
        },
        "date": {
            "type": ["string", "number", "null"],
            "description": "publication time, where there is no published",
        },
        "tags": {
            "type": ["array", "string", "null"],
            "items": {"type": "string"},
            "description": "tags: a list of strings, or one",
        },
    },
}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": PROBLEM}},
    }


def openapi_document(*, max_body_size: int, max_articles: int) -> dict[str, Any]:
    """The document, with this server's limits written in."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "watcher intake API",
            "version": __version__,
            "description": "Post articles: they join the archive, are matched against the"
            " rules at once, and their hits are answered. Idempotent by content: posting the"
            " same again answers the same ids.",
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/articles": {
                "post": {
                    "operationId": "postArticles",
                    "summary": "Archive and match one article or a list of them",
                    "requestBody": {
                        "required": True,
                        "description": f"At most {max_body_size:,} bytes and {max_articles:,}"
                        " articles.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/Article"},
                                        {
                                            "type": "array",
                                            "minItems": 1,
                                            "maxItems": max_articles,
                                            "items": {"$ref": "#/components/schemas/Article"},
                                        },
                                    ]
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Archived and matched: one answer per article, in"
                            " order.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Archived"}
                                }
                            },
                        },
                        "400": _problem("The body is not JSON."),
                        "401": _problem("No token, or not one of WATCHER_API_TOKENS."),
                        "413": _problem("Over the size limit."),
                        "415": _problem("Not Content-Type: application/json (UTF-8)."),
                        "422": _problem(
                            "Articles that cannot be archived, or too many; `errors` names"
                            " the fields by JSON pointer."
                        ),
                        "503": _problem("The database did not answer."),
                    },
                }
            }
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Article": ARTICLE,
                "Archived": {
                    "type": "object",
                    "required": ["articles"],
                    "properties": {
                        "articles": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Posted"},
                        }
                    },
                },
                "Posted": {
                    "type": "object",
                    "required": ["id", "state", "url", "hits"],
                    "properties": {
                        "id": {"type": "string", "description": "the article's stable id"},
                        "state": {
                            "enum": ["new", "changed", "unchanged", "duplicate"],
                            "description": "new; changed: a new version of the article at its"
                            " url; unchanged: posted before; duplicate: archived from"
                            " elsewhere",
                        },
                        "url": {"type": "string", "description": "its page on this server"},
                        "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                    },
                },
                "Hit": {
                    "type": "object",
                    "required": ["rule", "matched_at", "backfill", "matches"],
                    "properties": {
                        "rule": {"type": "string"},
                        "matched_at": {"type": "string", "format": "date-time"},
                        "backfill": {"type": "boolean"},
                        "matches": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["field", "start", "end", "text"],
                                "properties": {
                                    "field": {"enum": ["title", "lead", "body", "source"]},
                                    "start": {"type": "integer"},
                                    "end": {"type": "integer"},
                                    "text": {"type": "string"},
                                },
                            },
                        },
                    },
                },
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "detail"],
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "errors": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["pointer", "detail"],
                                "properties": {
                                    "pointer": {"type": "string"},
                                    "detail": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
    }
