"""Click parameter types shared by commands: durations like 7d."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import click

from watcher.units import parse_duration


class DurationType(click.ParamType):  # type: ignore[type-arg] # generic only in newer click
    name = "duration"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> timedelta:
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DURATION = DurationType()
