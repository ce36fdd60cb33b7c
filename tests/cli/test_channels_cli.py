"""`watcher channels list|send|test`, `rules check` and `status` with push channels, through
the CLI, to a real webhook receiver; secrets come from the environment and never show."""

from __future__ import annotations

import json

import pytest
from cli.deskcli import Desk, rules_yaml
from click.testing import CliRunner, Result
from notify.receiver import Receiver, receiver

from watcher.cli.main import cli

__all__ = ["receiver"]  # a fixture, imported for pytest

TOKEN = "tok-0123456789abcdef"  # noqa: S105 - a made-up one, to look for
RULES = """\
rules:
  - name: libya
    title: Libya
    query: Libya
  - name: pantsir
    query: Pantsir
channels:
  - name: desk
    url: {url}/${{DESK_TOKEN}}
    rules: [libya]
    max_per_hour: 20
    timezone: Europe/Rome
  - name: down
    url: json://127.0.0.1:{closed}/hook
    rules: [libya, pantsir]
"""


def run(desk: Desk, *args: str, env: dict[str, str] | None = None) -> Result:
    environ = {"WATCHER_DATABASE_URL": desk[1], "DESK_TOKEN": TOKEN, **(env or {})}
    config = str(desk[0] / "config" / "watcher.yaml")
    return CliRunner().invoke(cli, ["--config", config, *args], env=environ)


@pytest.fixture
def channelled(desk: Desk, receiver: Receiver) -> Desk:
    closed = Receiver()  # a port nothing listens on
    rules_yaml(desk, RULES.format(url=receiver.json_url, closed=closed.port))
    assert run(desk, "scan").exit_code == 0
    return desk


def test_rules_check_lists_channels_with_their_urls_redacted(
    channelled: Desk, receiver: Receiver
) -> None:
    result = run(channelled, "rules", "check")
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output
    assert "channel desk (rules libya)" in result.stdout
    assert f"  url:       {receiver.json_url}/${{DESK_TOKEN}}" in result.stdout
    assert "  deliver:   immediate, at most 20 alerts an hour, in Europe/Rome" in result.stdout
    assert result.stdout.splitlines()[-1] == "2 rules, 2 channels OK"


def test_a_missing_variable_is_a_config_error_naming_it(channelled: Desk) -> None:
    result = run(channelled, "rules", "check", env={"DESK_TOKEN": ""})
    assert result.exit_code == 2
    assert "rules.yaml:9:5: " in result.stderr
    assert 'channel "desk": url: ${DESK_TOKEN} is not set in the environment' in result.stderr


def test_send_delivers_what_is_due_one_line_each_and_exit_1_if_any_failed(
    channelled: Desk, receiver: Receiver
) -> None:
    result = run(channelled, "channels", "send")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith('desk: alert 1 (1 hits) "Haftar announces raids')
    assert lines[0].endswith(", sent")
    assert lines[1].startswith("down: alert 2 (2 hits)")
    assert ", retry: json:// did not accept it: " in lines[1]
    assert "(next try " in lines[1]
    assert TOKEN not in result.output
    [arrival] = receiver.wait_for(1)
    assert arrival.path == f"/hook/{TOKEN}"
    assert f", id {arrival.alert_id}, sent" in lines[0]

    again = run(channelled, "channels", "send", "desk")
    assert (again.exit_code, again.stdout) == (0, "nothing to send\n")
    retried = run(channelled, "channels", "send", "down")  # at once, whatever the backoff
    assert retried.exit_code == 1
    assert retried.stdout.startswith("down: alert 2 (2 hits)")


def test_list_shows_each_channels_state_and_status_in_brief(
    channelled: Desk, receiver: Receiver
) -> None:
    run(channelled, "channels", "send")
    listed = json.loads(run(channelled, "channels", "list", "--format", "json").stdout)
    desk, down = listed
    assert desk["url"] == f"{receiver.json_url}/${{DESK_TOKEN}}"
    assert (desk["status"], desk["sent"], desk["pending"], desk["waiting_hits"]) == (
        "ok",
        1,
        0,
        0,
    )
    assert desk["last_sent_at"] is not None
    assert (down["status"], down["sent"], down["pending"]) == ("failing", 0, 1)
    assert down["failing_since"] is not None
    assert "did not accept it" in down["last_error"]
    text = run(channelled, "channels", "list").stdout
    assert "channel    desk (ok)" in text
    assert "failing since" in text
    assert TOKEN not in text
    status = run(channelled, "status").stdout
    assert "desk: ok, 1 sent, 0 waiting" in status
    assert "down: FAILING, 0 sent, 1 waiting — since " in status


def test_test_sends_a_message_now_and_says_how_it_went(
    channelled: Desk, receiver: Receiver
) -> None:
    result = run(channelled, "channels", "test", "desk")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"desk: {receiver.json_url}/${{DESK_TOKEN}}: test message accepted\n"
    [arrival] = receiver.wait_for(1)
    assert arrival.payload["title"] == "watcher: test message"
    failed = run(channelled, "channels", "test", "down")
    assert failed.exit_code == 1
    assert "down: json://127.0.0.1:" in failed.stdout
    assert ": failed: json:// did not accept it" in failed.stdout
    unknown = run(channelled, "channels", "test", "nope")
    assert unknown.exit_code == 2
    assert 'no channel named "nope" (channels: desk, down)' in unknown.stderr
