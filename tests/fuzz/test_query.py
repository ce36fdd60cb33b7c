"""Fuzzing the query parser: any text compiles, or is a WatcherError placed in the query
(1-based line and column inside it), one line long; never another exception or a hang."""

from __future__ import annotations

from fuzz import hostile
from fuzz.hostile import one_line
from hypothesis import example, given

from watcher.errors import WatcherError
from watcher.query import compile_query
from watcher.query.check import QUERY_PATH
from watcher.query.compile import CompiledQuery


def compiled_or_error(query: str, *, case_sensitive: bool) -> CompiledQuery | WatcherError:
    try:
        return compile_query(query, fields=("title", "lead", "body"), case_sensitive=case_sensitive)
    except WatcherError as exc:
        return exc


def check_placed(error: WatcherError, query: str) -> None:
    """`<query>:line:col: message`, the line and column inside the query text."""
    assert error.message.strip()
    assert one_line(str(error)), repr(str(error))
    location = error.location
    assert location is not None, str(error)
    assert location.path == QUERY_PATH
    lines = query.split("\n")
    assert location.line is not None
    assert 1 <= location.line <= len(lines), (str(error), query)
    if location.col is not None:
        assert 1 <= location.col <= len(lines[location.line - 1]) + 1, (str(error), query)


@hostile.fuzz_settings(hostile.EXAMPLES * 3)
@given(query=hostile.queries, case_sensitive=hostile.st.booleans())
@example(query="(" * 3000 + "Libya" + ")" * 3000, case_sensitive=False)
@example(query="NOT " * 3000 + "Libya", case_sensitive=False)
@example(query='"Libya"~' + "9" * 30, case_sensitive=False)
@example(query="title:(body:x)", case_sensitive=False)
@example(query="Libya\n AND\n  (", case_sensitive=True)
def test_a_query_compiles_or_is_an_error_placed_in_it(query: str, case_sensitive: bool) -> None:
    result = compiled_or_error(query, case_sensitive=case_sensitive)
    if isinstance(result, WatcherError):
        check_placed(result, query)
        return
    assert isinstance(result, CompiledQuery)
    for warning in result.warnings:
        assert one_line(warning.message), repr(warning.message)
        assert warning.offset is None or 0 <= warning.offset <= len(query)
