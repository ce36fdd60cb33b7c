"""`watcher digest preview|send|list`: email digests of the new hits, through the outbox."""

from __future__ import annotations

from pathlib import Path

import click

from watcher.cli.output import echo_json, echo_table, iso
from watcher.cli.state import CliState, pass_state
from watcher.digest.send import Outbox, SendResult, preview, send_now
from watcher.errors import ConfigError
from watcher.jobs import outbox_for
from watcher.store.digests import list_digests
from watcher.subscribers import Subscriber
from watcher.terminal import visible


@click.group()
def digest() -> None:
    """Email digests: what would be sent, send now, what was sent."""


def _outbox(state: CliState) -> Outbox:
    return outbox_for(
        state.services(), state.ruleset(), state.environ, base_url=state.feed_link_base()
    )


def _chosen(state: CliState, address: str | None) -> list[Subscriber]:
    subscribers = list(state.ruleset().subscribers)
    if address is None:
        return subscribers
    wanted = [s for s in subscribers if s.key == address.strip().lower()]
    if not wanted:
        known = ", ".join(s.address for s in subscribers) or "none in the rule files"
        raise ConfigError(f"--subscriber {address}: no such subscriber (subscribers: {known})")
    return wanted


@digest.command("preview")
@click.option("--subscriber", "address", help="Only this subscriber's digest.")
@click.option(
    "--html",
    "html_file",
    type=click.Path(path_type=Path, dir_okay=False, writable=True),
    help="Write the HTML part here (with --subscriber when there are several).",
)
@click.option("--text", "show_text", is_flag=True, help="Print the plain-text part.")
@pass_state
def preview_command(
    state: CliState, address: str | None, html_file: Path | None, show_text: bool
) -> None:
    """What each subscriber would get now: nothing is stored, marked or sent."""
    subscribers = _chosen(state, address)
    if html_file is not None and len(subscribers) > 1:
        raise click.UsageError("--html writes one digest: name it with --subscriber EMAIL")
    outbox = _outbox(state)
    for subscriber in subscribers:
        found = preview(outbox, subscriber)
        if found is None:
            click.echo(f"{subscriber.address}: nothing new")
            continue
        composed, message = found
        click.echo(f"{subscriber.address}: {composed.subject}")
        if show_text:
            text = message.get_body(("plain",))
            click.echo(text.get_content() if text is not None else "")
        if html_file is not None:
            html = message.get_body(("html",))
            html_file.write_text(html.get_content() if html is not None else "", encoding="utf-8")
            click.echo(f"wrote the HTML part to {html_file}")


@digest.command("send")
@click.option("--subscriber", "address", help="Only this subscriber's digests.")
@click.option("--retry-failed", is_flag=True, help="Also send again digests that were refused.")
@pass_state
def send_command(state: CliState, address: str | None, retry_failed: bool) -> None:
    """Send now: retry what waits (whatever its backoff), then compose and send what is new."""
    subscribers = _chosen(state, address)
    outbox = _outbox(state)
    results = send_now(outbox, subscribers, ignore_backoff=True, retry_failed=retry_failed)
    for result in results:
        click.echo(visible(result_line(result)))
    if not results:
        click.echo("nothing to send")
    if any(result.outcome != "sent" for result in results):
        raise click.exceptions.Exit(1)


def result_line(result: SendResult) -> str:
    """`desk@example.org: 7 hits, <id@host>, sent` (or the reason it was not)."""
    line = f"{result.recipient}: {result.hits} hits, {result.message_id}, {result.outcome}"
    if result.error:
        line += f": {result.error}"
    if result.retry_at is not None:
        line += f" (next try {iso(result.retry_at)})"
    return line


@digest.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_state
def list_command(state: CliState, limit: int, fmt: str) -> None:
    """Digests, newest first: recipient, state, attempts, hits, last error, sent time."""
    with state.services().sessions() as session:
        found = list_digests(session, limit=limit)
    rows = [
        {
            "id": d.id,
            "recipient": d.address,
            "state": d.state,
            "attempts": d.attempts,
            "hits": d.hit_count,
            "message_id": d.message_id,
            "subject": d.subject,
            "last_error": d.last_error,
            "created_at": iso(d.created_at),
            "next_attempt_at": iso(d.next_attempt_at) if d.state == "pending" else None,
            "sent_at": iso(d.sent_at),
        }
        for d in found
    ]
    if fmt == "json":
        echo_json(rows)
    elif not rows:
        click.echo("no digests yet")
    else:
        columns = ["id", "recipient", "state", "attempts", "hits", "last_error", "sent_at"]
        echo_table(None, columns, [[row[c] for c in columns] for row in rows])
