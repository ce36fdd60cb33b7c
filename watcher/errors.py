"""The one exception tree, source locations, and the exit codes the CLI maps them to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    OK = 0
    RUNTIME = 1
    USAGE = 2


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a file something is: 1-based line and column, both optional."""

    path: Path | str
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        parts = [str(self.path)]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)


class WatcherError(Exception):
    """Root of every error watcher reports to a user: one line, with a location if known."""

    exit_code = ExitCode.RUNTIME

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location}: {self.message}"


class ConfigError(WatcherError):
    """A config file (or an option) is wrong; the user must edit it."""

    exit_code = ExitCode.USAGE

    def each(self) -> list[ConfigError]:
        """Every error this reports, one per place: this one alone."""
        return [self]


class ConfigNotFound(ConfigError):
    """No config file was given or found; commands that can work on defaults catch this."""


class ConfigErrors(ConfigError):
    """Several config errors found at once, reported together, one per line."""

    def __init__(self, errors: list[ConfigError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors

    def __str__(self) -> str:
        return self.message

    def each(self) -> list[ConfigError]:
        return list(self.errors)


class RuleError(ConfigError):
    """A rule file or one rule in it is wrong."""


class QuerySyntaxError(RuleError):
    """A query string does not parse; line and col are relative to the query text."""


class IngestError(WatcherError):
    """A file could not be turned into articles; `reason` is shown by `watcher errors`."""


class SeedsDirError(WatcherError):
    """seeds_dir cannot be walked (missing, not a folder, unreadable): no scan can run."""


class StoreError(WatcherError):
    """The database refused or is unreachable."""


class DeliveryError(WatcherError):
    """A digest could not be delivered; `transient` errors are retried."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient
