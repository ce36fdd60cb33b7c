"""Query plans for the index tests: capture the statements code sends, then explain them.

EXPLAIN QUERY PLAN on SQLite must not SCAN a big table (nor build an automatic index on it,
which reads it whole); EXPLAIN on PostgreSQL, with sequential scans priced out, must not Seq
Scan one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

Statement = tuple[str, Any]


@contextmanager
def captured(engine: sa.Engine, wanted: Callable[[str], bool]) -> Iterator[list[Statement]]:
    """The statements (with their parameters) sent through `engine` that `wanted` picks."""
    statements: list[Statement] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool):
        if wanted(statement):
            statements.append((statement, params))

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)


def full_scans(
    connection: sa.Connection, statement: str, params: Any, tables: Sequence[str]
) -> list[str]:
    """The plan lines of `statement` that read one of `tables` whole."""
    names = "|".join(tables)
    if connection.dialect.name == "sqlite":
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all()
        details = [row[-1] for row in plan]
        return [
            d
            for d in details
            if re.fullmatch(rf"SCAN ({names})( AS \w+)?", d)
            or re.match(rf"(SCAN|SEARCH) ({names})( AS \w+)? USING AUTOMATIC", d)
        ]
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    lines = connection.exec_driver_sql(f"EXPLAIN {statement}", params).scalars().all()
    return [line for line in lines if re.search(rf"Seq Scan on ({names})\b", line)]
