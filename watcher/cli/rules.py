"""`watcher rules check|test|backfill`: validate rules, try them, run them over the archive."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import click
from rich.text import Text

from watcher.articles import ReadContext, read_article
from watcher.cli.options import DURATION
from watcher.cli.output import console, echo_json, echo_table
from watcher.cli.state import CliState, pass_state
from watcher.errors import ConfigError, WatcherError
from watcher.matching import backfill_rule
from watcher.model import Article, Span
from watcher.percolator import Percolator
from watcher.query.compile import CompiledQuery, compile_query
from watcher.store.articles import latest_versions

SNIPPET_CONTEXT = 80


@click.group()
def rules() -> None:
    """Check, try and backfill keyword rules."""


@rules.command()
@pass_state
def check(state: CliState) -> None:
    """Validate every rule file; list each rule with its parsed query."""
    ruleset = state.ruleset()
    for warning in ruleset.warnings:
        click.echo(f"warning: {warning}", err=True)
    rows = [
        (
            rule.name,
            rule.compiled.normalized,
            ", ".join(rule.tags),
            ", ".join(rule.fields),
            "" if rule.enabled else "disabled",
        )
        for rule in ruleset.rules
    ]
    echo_table(None, ["rule", "query", "tags", "fields", "state"], rows)
    click.echo(f"{len(ruleset.rules)} rules OK")


@dataclass(frozen=True, slots=True)
class Found:
    path: str
    article_id: int | None
    article: Article
    spans: tuple[Span, ...]


@rules.command()
@click.argument("name", required=False)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--query", "query_text", help="Try this query instead of a named rule.")
@click.option("--case-sensitive", is_flag=True, help="With --query: compare case.")
@click.option("--since", type=DURATION, help="Only archived articles published within, e.g. 7d.")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many matching articles.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@pass_state
def test(
    state: CliState,
    name: str | None,
    files: tuple[Path, ...],
    query_text: str | None,
    case_sensitive: bool,
    since: timedelta | None,
    limit: int | None,
    fmt: str,
) -> None:
    """What a rule (NAME) or a --query matches: over the archive, or over the given FILES."""
    if query_text is not None and name is not None:
        files = (Path(name), *files)
    compiled = _compiled(state, name if query_text is None else None, query_text, case_sensitive)
    percolator = Percolator({"q": compiled})
    candidates = _from_files(state, files) if files else _from_archive(state, since)
    found = []
    for path, article_id, article in candidates:
        matched = percolator.match(article)
        if "q" in matched:
            found.append(Found(path, article_id, article, matched["q"]))
            if limit is not None and len(found) >= limit:
                break
    if fmt == "json":
        echo_json([_found_json(f) for f in found])
    else:
        _show(found)


def _compiled(
    state: CliState, name: str | None, query: str | None, case_sensitive: bool
) -> CompiledQuery:
    if query is None:
        if name is None:
            raise click.UsageError("give a rule NAME or --query QUERY")
        return state.ruleset().get(name).compiled
    try:
        return compile_query(
            query, fields=state.ruleset().default_fields, case_sensitive=case_sensitive
        )
    except WatcherError as exc:
        col = f" (column {exc.location.col})" if exc.location and exc.location.col else ""
        raise ConfigError(f"--query: {exc.message}{col}") from exc


Candidate = tuple[str, int | None, Article]


def _from_files(state: CliState, files: tuple[Path, ...]) -> Iterator[Candidate]:
    config = state.config()
    for path in files:
        mtime = datetime.fromtimestamp(path.stat().st_mtime, config.zone)
        context = ReadContext(config.zone, config.default_source, mtime)
        try:
            reading = read_article(path, path.read_bytes(), context)
        except WatcherError as exc:
            click.echo(f"warning: {path}: {exc.message}", err=True)
            continue
        for warning in reading.warnings:
            click.echo(f"warning: {path}: {warning}", err=True)
        for article in reading.articles:
            yield str(path), None, article


def _from_archive(state: CliState, since: timedelta | None) -> Iterator[Candidate]:
    services = state.services()
    cutoff = None if since is None else services.clock() - since
    with services.sessions() as session:
        versions = latest_versions(session, published_since=cutoff)
    for version in versions:
        yield version.path, version.article_id, version.article


def _found_json(found: Found) -> dict[str, object]:
    return {
        "path": found.path,
        "article_id": found.article_id,
        "title": found.article.title,
        "matches": [span.as_json() for span in found.spans],
    }


def _show(found: list[Found]) -> None:
    out = console()
    for item in found:
        out.print(Text(f"{item.path}  {item.article.title}", style="bold"))
        if not item.spans:
            out.print("  (matched by negation alone: nothing to highlight)")
        for field in dict.fromkeys(span.field for span in item.spans):
            spans = [s for s in item.spans if s.field == field]
            out.print(
                Text(f"  {field}: ").append_text(highlighted(item.article.field_text(field), spans))
            )
    click.echo(f"{len(found)} matching articles")


def highlighted(text: str, spans: list[Span]) -> Text:
    """The stretch of `text` around its matches, the matches in reverse video."""
    start = max(0, spans[0].start - SNIPPET_CONTEXT)
    end = min(len(text), spans[-1].end + SNIPPET_CONTEXT)
    shown = Text(("…" if start else "") + text[start:end].replace("\n", " "))
    offset = start - (1 if start else 0)
    for span in spans:
        shown.stylize("bold reverse", span.start - offset, span.end - offset)
    if end < len(text):
        shown.append("…")
    return shown


@rules.command()
@click.argument("name")
@click.option("--since", type=DURATION, required=True, help="How far back, e.g. 30d.")
@pass_state
def backfill(state: CliState, name: str, since: timedelta) -> None:
    """Record NAME's hits over the archive's articles of the period, marked as backfill."""
    rule = state.ruleset().get(name)
    services = state.services()
    added = backfill_rule(services.sessions, rule, period=since, now=services.clock())
    click.echo(f"rule {name}: {added} hits backfilled")
