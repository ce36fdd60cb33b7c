"""POST /api/articles through the real server (uvicorn on a loopback port) with a real HTTP
client: a good batch, tokens, limits, types, fields, a replay; the rest stays read-only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from web.desk import Desk, open_desk
from web.feedcheck import check_feed
from web.live import LiveServer, free_port

from watcher.errors import ConfigError
from watcher.feeds import build_all
from watcher.sources.api import api_tokens
from watcher.sources.settings import ApiConfig
from watcher.web import build_app
from watcher.web.intake import make_intake

TOKEN = "s3cret-token-for-the-desk-0123456789"  # noqa: S105 - a test token
OTHER = "another-token-for-a-robot-9876543210"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LIMITS = ApiConfig(max_body_size=20_000, max_articles=5)
STORY = {
    "title": "Clashes near Tripoli",
    "body": "Fighting resumed south of Tripoli today.",
    "published": "2026-03-01T10:00:00Z",
    "source": "Desk Wire",
    "url": "https://news.example.org/1",
    "tags": ["mena"],
}
OIL = {"title": "Oil output falls", "text": "Oil production fell again."}


def serve(desk: Desk, environ: dict[str, str]) -> LiveServer:
    services = desk.services.with_config(desk.config.model_copy(update={"api": LIMITS}))
    base = desk.config.feeds.base_url or ""
    intake = make_intake(services, lambda: desk.ruleset, environ, base_url=base)
    return LiveServer(build_app(services, desk.ruleset, intake=intake))


@pytest.fixture
def desk(tmp_path: Path, database_url: str) -> Iterator[Desk]:
    with open_desk(tmp_path / "project", database_url) as opened:
        build_all(opened.services.sessions, opened.config.feeds, opened.ruleset)
        yield opened


@pytest.fixture
def api(desk: Desk) -> Iterator[httpx.Client]:
    with (
        serve(desk, {"WATCHER_API_TOKENS": f"{TOKEN}, {OTHER}"}) as live,
        httpx.Client(base_url=live.url, timeout=10) as client,
    ):
        yield client


def problem(reply: httpx.Response, status: int) -> dict[str, Any]:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = reply.json()
    assert (body["status"], body["type"]) == (status, "about:blank")
    return body


def test_a_batch_is_archived_matched_and_answered_with_its_hits(
    api: httpx.Client, desk: Desk
) -> None:
    reply = api.post("/api/articles", json=[STORY, OIL], headers=AUTH)
    assert reply.status_code == 200, reply.text
    story, oil = reply.json()["articles"]
    assert story["state"] == oil["state"] == "new"
    assert story["url"] == f"{desk.config.feeds.base_url}articles/{story['id']}"
    assert [(h["rule"], h["backfill"]) for h in story["hits"]] == [("libya", False)]
    matches = {(m["field"], m["start"], m["end"], m["text"]) for m in story["hits"][0]["matches"]}
    assert matches == {("title", 13, 20, "Tripoli"), ("body", 26, 33, "Tripoli")}
    assert [h["rule"] for h in oil["hits"]] == ["oil"]
    feed = check_feed("libya.xml", (desk.feeds_dir / "rules/libya.xml").read_bytes())
    assert [entry.title for entry in feed.entries] == ["Clashes near Tripoli"]
    page = api.get(f"/articles/{story['id']}")
    assert page.status_code == 200
    assert "Fighting resumed" in page.text


def test_a_replay_answers_the_same_ids_and_a_new_version_keeps_its_id(api: httpx.Client) -> None:
    first = api.post("/api/articles", json=[STORY, OIL], headers=AUTH).json()["articles"]
    again = api.post("/api/articles", json=[STORY, OIL], headers=AUTH).json()["articles"]
    assert [a["id"] for a in again] == [a["id"] for a in first]
    assert [a["state"] for a in again] == ["unchanged", "unchanged"]
    assert [a["hits"] for a in again] == [a["hits"] for a in first]
    one = api.post("/api/articles", json=OIL, headers={"Authorization": f"bearer {OTHER}"})
    assert one.json()["articles"][0] == {**first[1], "state": "unchanged"}
    corrected = {**STORY, "body": "Fighting resumed near Tripoli, officials said."}
    changed = api.post("/api/articles", json=corrected, headers=AUTH).json()["articles"][0]
    assert (changed["id"], changed["state"]) == (first[0]["id"], "changed")
    assert [h["rule"] for h in changed["hits"]] == ["libya"]  # hit once, whatever the version


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="none"),
        pytest.param({"Authorization": "Bearer wrong-token-wrong-token-00"}, id="wrong"),
        pytest.param({"Authorization": f"Basic {TOKEN}"}, id="basic"),
        pytest.param({"Authorization": f"Bearer {TOKEN}x"}, id="longer"),
        pytest.param({"Authorization": "Bearer"}, id="empty"),
    ],
)
def test_without_a_good_token_401_and_nothing_archived(
    api: httpx.Client, headers: dict[str, str]
) -> None:
    body = problem(api.post("/api/articles", json=STORY, headers=headers), 401)
    assert "WATCHER_API_TOKENS" in body["detail"]
    assert TOKEN not in json.dumps(body)
    replay = api.post("/api/articles", json=STORY, headers=AUTH).json()["articles"][0]
    assert replay["state"] == "new"


def test_the_401_says_how_to_authenticate(api: httpx.Client) -> None:
    reply = api.post("/api/articles", json=STORY)
    assert reply.headers["www-authenticate"] == 'Bearer realm="watcher"'


def test_oversize_bodies_are_413_announced_or_streamed(api: httpx.Client) -> None:
    big = [{**STORY, "body": "x" * 15_000}, {**STORY, "body": "y" * 15_000}]
    body = problem(api.post("/api/articles", json=big, headers=AUTH), 413)
    assert "at most 20,000 bytes" in body["detail"]

    def chunks() -> Iterator[bytes]:
        yield b"["
        for _ in range(100):
            yield json.dumps({**STORY, "body": "z" * 1000}).encode() + b","
        yield b"{}]"

    streamed = api.post(
        "/api/articles",
        content=chunks(),
        headers={**AUTH, "Content-Type": "application/json"},
    )
    problem(streamed, 413)


def test_more_articles_than_the_limit_is_422(api: httpx.Client) -> None:
    too_many = problem(api.post("/api/articles", json=[OIL] * 6, headers=AUTH), 422)
    assert too_many["detail"].startswith("at most 5 articles a request")


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1", ""],
)
def test_anything_but_json_is_415(api: httpx.Client, content_type: str) -> None:
    headers = {**AUTH, "Content-Type": content_type}
    problem(api.post("/api/articles", content=json.dumps(STORY), headers=headers), 415)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        pytest.param(
            [STORY, {"title": 5, "tags": [1]}, {"body": ["x"]}],
            [("/1/tags", "'tags' must be a list of strings"), ("/2/body", "'body' must be text")],
            id="types",
        ),
        pytest.param(
            {"titel": "Typo", "body": "x"},
            [("/titel", "unknown field (fields: title, body, text, lead")],
            id="unknown",
        ),
        pytest.param(
            [{"lead": "only a lead"}], [("/0", "has neither 'title' nor 'body'/'text'")], id="empty"
        ),
        pytest.param(
            {"title": "x", "published": "the day after"},
            [("/published", "cannot read the time")],
            id="time",
        ),
        pytest.param([], [("", "expected an article object or a non-empty list")], id="list"),
        pytest.param("text", [("", "expected an article object")], id="string"),
        pytest.param([1, None], [("/0", "not a number"), ("/1", "not null")], id="items"),
    ],
)
def test_invalid_articles_are_422_naming_each_field(
    api: httpx.Client, body: object, errors: list[tuple[str, str]]
) -> None:
    found = problem(api.post("/api/articles", json=body, headers=AUTH), 422)["errors"]
    assert [e["pointer"] for e in found] == [pointer for pointer, _ in errors]
    for error, (_, detail) in zip(found, errors, strict=True):
        assert detail in error["detail"]


@pytest.mark.parametrize("body", [b"{", b'{"title": NaN}', b"\xff\xfe", b"[" * 100_000])
def test_a_body_that_is_not_json_is_400(api: httpx.Client, body: bytes) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    big = LIMITS.max_body_size < len(body)
    problem(api.post("/api/articles", content=body, headers=headers), 413 if big else 400)


def test_the_rest_of_the_server_stays_read_only_with_its_csp(api: httpx.Client) -> None:
    for path in ("/", "/feeds/all.xml", "/api/openapi.json", "/api/articles/x", "/api"):
        assert api.post(path, json=STORY, headers=AUTH).status_code == 405, path
    for method in ("PUT", "DELETE", "PATCH"):
        reply = api.request(method, "/api/articles", json=STORY, headers=AUTH)
        assert (reply.status_code, reply.headers["allow"]) == (405, "POST"), method
    assert api.get("/api/articles").status_code == 405
    reply = api.post("/api/articles", json=STORY, headers=AUTH)
    assert "default-src 'none'" in reply.headers["content-security-policy"]


def test_the_openapi_document_is_served(api: httpx.Client) -> None:
    document = api.get("/api/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    post = document["paths"]["/api/articles"]["post"]
    assert set(post["responses"]) == {"200", "400", "401", "413", "415", "422", "503"}
    assert "20,000 bytes" in post["requestBody"]["description"]


def test_without_tokens_the_api_does_not_exist(desk: Desk) -> None:
    with serve(desk, {}) as live, httpx.Client(base_url=live.url) as client:
        assert client.post("/api/articles", json=STORY, headers=AUTH).status_code == 404
        assert client.get("/api/openapi.json").status_code == 404
        assert client.post("/", json=STORY).status_code == 405


@pytest.mark.parametrize("value", ["short", f"{TOKEN} tok\u00e9n-with-accent-0000000", "a" * 15])
def test_a_weak_token_is_a_config_error_that_does_not_show_it(value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        api_tokens({"WATCHER_API_TOKENS": value})
    assert "WATCHER_API_TOKENS: token" in str(raised.value)
    assert value.rsplit(maxsplit=1)[-1] not in str(raised.value)


def test_tokens_are_split_on_commas_and_spaces() -> None:
    assert api_tokens({"WATCHER_API_TOKENS": f" {TOKEN},{OTHER}\n"}) == (
        TOKEN.encode(),
        OTHER.encode(),
    )
    assert api_tokens({}) == ()


def test_a_database_that_does_not_answer_is_503_with_a_retry_after(tmp_path: Path) -> None:
    nobody = f"postgresql+psycopg://watcher@127.0.0.1:{free_port()}/gone?connect_timeout=2"
    with (
        open_desk(tmp_path / "project", nobody, migrate=False) as desk,
        serve(desk, {"WATCHER_API_TOKENS": TOKEN}) as live,
    ):
        reply = httpx.post(f"{live.url}api/articles", json=STORY, headers=AUTH, timeout=30)
    body = problem(reply, 503)
    assert body["detail"] == "the database did not answer; try again later"
    assert reply.headers["retry-after"] == "30"
