"""`watcher channels list|send|test`: push channels (Apprise), through their outbox."""

from __future__ import annotations

from typing import Any

import click

from watcher.channels import Channel
from watcher.cli.channel_state import channel_rows
from watcher.cli.output import echo_json, echo_pairs, iso
from watcher.cli.state import CliState, pass_state
from watcher.errors import ConfigError
from watcher.jobs import channel_outbox_for, channels_job
from watcher.notify.send import ChannelOutbox, ChannelReport, Delivery, probe


@click.group()
def channels() -> None:
    """Push channels (Apprise): their state, send what is due, send a test message."""


def _outbox(state: CliState) -> ChannelOutbox:
    return channel_outbox_for(state.services(), base_url=state.feed_link_base())


def chosen(state: CliState, name: str | None) -> list[Channel]:
    """Every channel, or the one named (a ConfigError naming the known ones otherwise)."""
    found = list(state.ruleset().channels)
    if name is None:
        return found
    wanted = [channel for channel in found if channel.name == name]
    if not wanted:
        known = ", ".join(channel.name for channel in found) or "none in the rule files"
        raise ConfigError(f'no channel named "{name}" (channels: {known})')
    return wanted


@channels.command("send")
@click.argument("name", required=False)
@pass_state
def send_command(state: CliState, name: str | None) -> None:
    """Deliver now what is due: new alerts, due summaries, and every retry (whatever its
    backoff). One line per delivery; exit 1 if any failed."""
    selected = chosen(state, name)
    reports = channels_job(
        _outbox(state), state.services(), selected, ignore_backoff=True, wait=True
    )
    failed = False
    for report in reports:
        for delivery in report.deliveries:
            click.echo(delivery_line(delivery))
            failed = failed or delivery.outcome != "sent"
        waiting = _waiting_line(report)
        if waiting:
            click.echo(waiting)
    if not any(report.deliveries for report in reports):
        click.echo("nothing to send")
    if failed:
        raise click.exceptions.Exit(1)


def delivery_line(delivery: Delivery) -> str:
    """`desk-ntfy: alert 7 (2 hits) "Clashes near Tripoli", id 3f..., sent`."""
    line = (
        f"{delivery.channel}: {delivery.kind} {delivery.digest_id} ({delivery.hits} hits) "
        f'"{delivery.title}", id {delivery.alert_id}, {delivery.outcome}'
    )
    if delivery.error:
        line += f": {delivery.error}"
    if delivery.retry_at is not None:
        line += f" (next try {iso(delivery.retry_at)})"
    return line


def _waiting_line(report: ChannelReport) -> str | None:
    if report.quiet_until is not None:
        return (
            f"{report.channel}: quiet hours until {iso(report.quiet_until)}; "
            f"{report.held} articles wait for the summary at their end"
        )
    if report.held and report.next_check is not None:
        return (
            f"{report.channel}: {report.held} articles wait until {iso(report.next_check)} "
            "(the hourly limit, or the schedule)"
        )
    return None


@channels.command("test")
@click.argument("name")
@pass_state
def test_command(state: CliState, name: str) -> None:
    """Send a test message to channel NAME now and say how it went (exit 1 if it failed)."""
    [channel] = chosen(state, name)
    error = probe(_outbox(state), channel)
    if error is not None:
        click.echo(f"{channel.name}: {channel.url.shown}: failed: {error}")
        raise click.exceptions.Exit(1)
    click.echo(f"{channel.name}: {channel.url.shown}: test message accepted")


@channels.command("list")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@pass_state
def list_command(state: CliState, fmt: str) -> None:
    """Each channel: its URL (redacted), when it delivers, what it sent, what waits, and
    whether it is failing (since when, the last error)."""
    rows = channel_rows(state, list(state.ruleset().channels))
    if fmt == "json":
        echo_json(rows)
        return
    if not rows:
        click.echo("no channels in the rule files")
        return
    for row in rows:
        echo_pairs(_pairs(row))


def _pairs(row: dict[str, Any]) -> list[tuple[str, Any]]:
    status = row["status"] + (", quiet now" if row["quiet_now"] else "")
    pairs: list[tuple[str, Any]] = [
        ("channel", f"{row['name']} ({status})"),
        ("  url", row["url"]),
        ("  deliver", row["deliver"]),
        ("  follows", ", ".join(row["follows"])),
        ("  sent", f"{row['sent']} (last {row['last_sent_at'] or 'never'})"),
        ("  waiting", f"{row['pending']} deliveries, {row['waiting_hits']} hits not yet in one"),
    ]
    if row["failing_since"]:
        pairs.append(("  failing since", row["failing_since"]))
        pairs.append(("  next try", row["next_attempt_at"]))
        pairs.append(("  last error", row["last_error"]))
    return pairs
