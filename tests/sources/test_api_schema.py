"""schemathesis over the served OpenAPI document, against the real server: whatever a client
sends, valid by the document or not, the API answers as the document says, never with a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.schemas import APIOperation
from sources.test_api import AUTH, TOKEN, serve
from web.desk import open_desk

from watcher.feeds import build_all

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Derandomized: the same cases on every run, so a CI result never depends on luck.
RUN = settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture
def operation(tmp_path: Path) -> Iterator[APIOperation]:
    """POST /api/articles as the live server's document describes it."""
    with open_desk(tmp_path / "project", f"sqlite:///{tmp_path / 'w.db'}") as desk:
        build_all(desk.services.sessions, desk.config.feeds, desk.ruleset)
        with serve(desk, {"WATCHER_API_TOKENS": TOKEN}) as live:
            document = schemathesis.openapi.from_url(f"{live.url}api/openapi.json")
            yield document["/api/articles"]["POST"]


def test_valid_requests_get_documented_answers_and_no_5xx(operation: APIOperation) -> None:
    @given(case=operation.as_strategy(schemathesis.GenerationMode.POSITIVE))
    @RUN
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=AUTH, checks=CHECKS)

    check()


def test_invalid_requests_are_refused_with_documented_answers(operation: APIOperation) -> None:
    @given(case=operation.as_strategy(schemathesis.GenerationMode.NEGATIVE))
    @RUN
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=AUTH, checks=[*CHECKS, negative_data_rejection])

    check()


def test_without_a_token_every_request_is_401(operation: APIOperation) -> None:
    @given(case=operation.as_strategy())
    @settings(RUN, max_examples=30)
    def check(case: schemathesis.Case) -> None:
        assert case.call().status_code == 401

    check()
