"""How commands print: JSON for machines, rich tables and aligned lines for people, ISO times
for both. rich is imported only when a table is printed (it costs 0.05 s at start)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from watcher.terminal import visible

if TYPE_CHECKING:
    from rich.console import Console

PIPE_WIDTH = 200


def cell(value: object) -> str:
    """A table cell: on one line, visible."""
    return " ".join(visible("" if value is None else str(value)).split())


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def echo_pairs(rows: Sequence[tuple[str, Any]]) -> None:
    """`name  value` lines, the values aligned."""
    width = max((len(name) for name, _ in rows), default=0)
    for name, value in rows:
        click.echo(f"{name:<{width}}  {cell(value)}".rstrip())


def echo_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    from rich.table import Table  # noqa: PLC0415 - see the module docstring

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(cell(value) for value in row))
    console().print(table)


def console() -> Console:
    """A console on the current sys.stdout, so click's test runner captures it too."""
    from rich.console import Console  # noqa: PLC0415 - see the module docstring

    # Piped output (a file, grep) gets a wide table rather than rich's 80-column default,
    # unless COLUMNS says how wide.
    if sys.stdout.isatty():
        return Console(file=sys.stdout)
    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() and int(columns) > 0 else PIPE_WIDTH
    return Console(file=sys.stdout, width=width)
