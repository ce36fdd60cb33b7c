"""`watcher rules check|test|backfill`: validate rules, try them, run them over the archive."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from rich.text import Text

from watcher.articles import ReadContext, read_article
from watcher.articles.discover import read_named_file
from watcher.channels import Channel
from watcher.cli.options import DURATION
from watcher.cli.output import console, echo_json
from watcher.cli.state import CliState, pass_state
from watcher.config import Config
from watcher.errors import ConfigError, WatcherError
from watcher.matching import backfill_rule
from watcher.model import TEXT_FIELDS, Article, Span
from watcher.percolator import Percolator
from watcher.percolator.excerpt import ELLIPSIS, excerpts, printable_line
from watcher.query.compile import CompiledQuery, compile_query
from watcher.rules import Rule, RuleSet
from watcher.store.articles import ArchiveSpan, archive_span, latest_versions
from watcher.subscribers import Subscriber
from watcher.terminal import visible
from watcher.units import format_duration

EXCERPT_WIDTH = 240
MAX_EXCERPTS = 3  # per field
MATCH_STYLE = "bold black on yellow"


@click.group()
def rules() -> None:
    """Check, try and backfill keyword rules."""


@rules.command()
@pass_state
def check(state: CliState) -> None:
    """Validate every rule file; list each rule with its query as parsed, fully parenthesized."""
    ruleset = state.ruleset()
    for warning in ruleset.warnings:
        click.echo(f"warning: {visible(warning)}", err=True)
    for rule in ruleset.rules:
        click.echo(visible("\n".join(_rule_lines(rule))))
    now = datetime.now(UTC)
    for subscriber in ruleset.subscribers:
        click.echo(visible("\n".join(_subscriber_lines(subscriber, now))))
    for channel in ruleset.channels:
        click.echo(visible("\n".join(_channel_lines(channel))))
    tail = "".join(
        f", {count} {noun}{'' if count == 1 else 's'}"
        for count, noun in (
            (len(ruleset.subscribers), "subscriber"),
            (len(ruleset.channels), "channel"),
        )
        if count
    )
    click.echo(f"{len(ruleset.rules)} rules{tail} OK")


def _channel_lines(channel: Channel) -> list[str]:
    """A channel as `rules check` shows it: what it follows, its URL redacted, when."""
    follows = []
    if channel.rules:
        follows.append(f"rules {', '.join(channel.rules)}")
    if channel.tags:
        follows.append(f"tags {', '.join(channel.tags)}")
    return [
        f"channel {channel.name} ({'; '.join(follows)})",
        f"  url:       {channel.url.shown}",
        f"  deliver:   {channel.describe()}",
    ]


def _subscriber_lines(subscriber: Subscriber, now: datetime) -> list[str]:
    """A subscriber as `rules check` shows it: what it follows, when its next digests go."""
    follows = []
    if subscriber.rules:
        follows.append(f"rules {', '.join(subscriber.rules)}")
    if subscriber.tags:
        follows.append(f"tags {', '.join(subscriber.tags)}")
    zone = subscriber.zone
    if subscriber.immediate:
        return [
            f"subscriber {subscriber.mailbox} ({'; '.join(follows)})",
            "  deliver:   immediate (one email per article)",
        ]
    times = subscriber.schedule.next_times(now, zone)
    return [
        f"subscriber {subscriber.mailbox} ({'; '.join(follows)})",
        f"  schedule:  {subscriber.schedule.text} in {subscriber.timezone}",
        "  next:      " + ", ".join(f"{moment:%a %Y-%m-%d %H:%M %Z}" for moment in times),
    ]


def _rule_lines(rule: Rule) -> list[str]:
    """One rule as `rules check` shows it: name and settings, the query and how it was read."""
    settings = [f"in {', '.join(rule.fields)}"]
    if rule.tags:
        settings.append(f"tags {', '.join(rule.tags)}")
    if rule.case_sensitive:
        settings.append("case-sensitive")
    if not rule.enabled:
        settings.append("disabled")
    return [
        f"{rule.name} ({'; '.join(settings)})",
        f"  query:     {' '.join(rule.query.split())}",
        f"  parsed as: {rule.compiled.normalized}",
    ]


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
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=1_000_000_000),
    help="Stop after this many matching articles.",
)
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
    """What a rule (NAME) or a --query matches: over the archive, or over the given FILES.

    `--query Q FILE...` works anywhere, even outside a project (the defaults apply).
    """
    if query_text is not None and name is not None:
        files = (Path(name), *files)
    if query_text is not None and files:
        config, ruleset = state.config_or_defaults()
    else:
        config, ruleset = state.config(), state.ruleset()
    compiled = _compiled(ruleset, name if query_text is None else None, query_text, case_sensitive)
    percolator = Percolator({"q": compiled})
    candidates = _from_files(config, files) if files else _from_archive(state, since)
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
    ruleset: RuleSet, name: str | None, query: str | None, case_sensitive: bool
) -> CompiledQuery:
    if query is None:
        if name is None:
            raise click.UsageError("give a rule NAME or --query QUERY")
        return ruleset.get(name).compiled
    try:
        return compile_query(query, fields=ruleset.default_fields, case_sensitive=case_sensitive)
    except WatcherError as exc:
        col = f" (column {exc.location.col})" if exc.location and exc.location.col else ""
        raise ConfigError(f"--query: {exc.message}{col}") from exc


Candidate = tuple[str, int | None, Article]


def _from_files(config: Config, files: tuple[Path, ...]) -> Iterator[Candidate]:
    for path in files:
        try:
            data = read_named_file(path, config.scan.max_file_size)
            mtime = datetime.fromtimestamp(path.stat().st_mtime, config.zone)
            context = ReadContext(config.zone, config.default_source, mtime)
            reading = read_article(path, data, context)
        except OSError as exc:
            _warn(path, exc.strerror or str(exc))
            continue
        except WatcherError as exc:
            _warn(path, exc.message)
            continue
        for warning in reading.warnings:
            _warn(path, warning)
        for article in reading.articles:
            yield str(path), None, article


def _warn(path: Path, message: str) -> None:
    click.echo(f"warning: {visible(f'{path}: {message}')}", err=True)


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
    markers = not out.is_terminal  # piped: [[word]]; on a terminal: colour
    for item in found:
        title = printable_line(item.article.title) or "(untitled)"
        out.print(Text(f"{printable_line(item.path)}  {title}", style="bold"), soft_wrap=markers)
        if not item.spans:
            out.print("  (matched by negation alone: nothing to highlight)")
        for field in TEXT_FIELDS:
            spans = [span for span in item.spans if span.field == field]
            if spans:
                line = Text(f"  {field}: ").append_text(
                    highlighted(item.article.field_text(field), spans, markers=markers)
                )
                out.print(line, soft_wrap=markers)
    count = len(found)
    click.echo(f"{count} matching article{'' if count == 1 else 's'}")


def highlighted(text: str, spans: list[Span], *, markers: bool) -> Text:
    """Short windows around the matches, "…" where text is left out; each match in colour,
    or between [[ and ]] for output that is not a terminal."""
    shown = Text()
    end = 0
    windows = excerpts(text, spans, width=EXCERPT_WIDTH)
    for excerpt in windows[:MAX_EXCERPTS]:
        if excerpt.start > end:
            shown.append(f"{ELLIPSIS} " if not shown else f" {ELLIPSIS} ")
        elif shown:
            shown.append(" ")
        position = 0
        for start, stop in excerpt.marks:
            shown.append(excerpt.text[position:start])
            word = excerpt.text[start:stop]
            shown.append(f"[[{word}]]" if markers else word, style=MATCH_STYLE)
            position = stop
        shown.append(excerpt.text[position:])
        end = excerpt.end
    if end < len(text.rstrip()):
        shown.append(f" {ELLIPSIS}")
    if len(windows) > MAX_EXCERPTS:
        hidden = sum(len(excerpt.marks) for excerpt in windows[MAX_EXCERPTS:])
        shown.append(f" (+{hidden} more match{'' if hidden == 1 else 'es'})")
    return shown


@rules.command()
@click.argument("name")
@click.option("--since", type=DURATION, required=True, help="How far back, e.g. 30d, 2w, 1y.")
@pass_state
def backfill(state: CliState, name: str, since: timedelta) -> None:
    """Record NAME's hits over the archive's articles of the period, marked as backfill."""
    rule = state.ruleset().get(name)
    services = state.services()
    now = services.clock()
    added = backfill_rule(services.sessions, rule, period=since, now=now)
    click.echo(f"rule {name}: {added} hits backfilled")
    if added == 0:
        with services.sessions() as session:
            span = archive_span(session, published_since=now - since)
        click.echo(_backfill_advice(span, since, now))


def _backfill_advice(span: ArchiveSpan, since: timedelta, now: datetime) -> str:
    """Why nothing was found: how many articles the period held, what the archive holds."""
    period = format_duration(since)
    held = f"{span.in_period} archive article{'' if span.in_period == 1 else 's'}"
    if span.oldest is None or span.newest is None:
        return f"{held} published in the last {period}; the archive is empty — run watcher scan"
    whole = f"{span.total} article{'' if span.total == 1 else 's'}"
    dates = f"from {span.oldest:%Y-%m-%d} to {span.newest:%Y-%m-%d}"
    advice = f"{held} published in the last {period}; the archive holds {whole} {dates}"
    if span.in_period < span.total:
        needed = now - span.oldest
        advice += f" (--since {format_duration(_round_up(needed))} covers them all)"
    return advice


def _round_up(delta: timedelta) -> timedelta:
    """A period at least `delta`, in whole years, weeks or days, as users write them."""
    for unit in (timedelta(days=365), timedelta(weeks=1), timedelta(days=1)):
        if delta >= unit:
            return unit * -(-delta // unit)
    return timedelta(days=1)
