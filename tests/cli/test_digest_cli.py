"""`watcher digest preview|send|list` through the CLI, to the Maildir and to a real SMTP server."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

from cli.deskcli import Desk, rules_yaml, run
from click.testing import CliRunner
from digest.smtpd import SmtpServer

from watcher.cli.main import cli

SUBSCRIBED = """\
rules:
  - name: libya
    title: Libya
    query: Libya
  - name: pantsir
    query: Pantsir
subscribers:
  - email: Desk <desk@example.org>
    rules: [libya, pantsir]
  - email: quiet@example.org
    rules: [pantsir]
    schedule: weekly mon 07:00
"""


def scanned(desk: Desk) -> Desk:
    rules_yaml(desk, SUBSCRIBED)
    assert run(desk, "scan").exit_code == 0
    return desk


def test_preview_shows_what_would_go_and_changes_nothing(desk: Desk, tmp_path: Path) -> None:
    scanned(desk)
    page = tmp_path / "desk.html"
    result = run(
        desk, "digest", "preview", "--subscriber", "DESK@example.org", "--text", "--html", str(page)
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "desk@example.org: [watcher] 1 new: libya (1), pantsir (1)"
    assert "*Libya*" in result.stdout
    assert "<mark" in page.read_text(encoding="utf-8")
    assert lines[-1] == f"wrote the HTML part to {page}"
    listed = run(desk, "digest", "list", "--format", "json")
    assert json.loads(listed.stdout) == []
    assert not (desk[0] / "var" / "mail").exists()


def test_send_goes_to_the_maildir_once(desk: Desk) -> None:
    scanned(desk)
    result = run(desk, "digest", "send")
    assert result.exit_code == 0, result.output
    [desk_line, quiet_line] = result.stdout.splitlines()
    assert desk_line.startswith("desk@example.org: 2 hits, <")
    assert desk_line.endswith(", sent")
    assert quiet_line.startswith("quiet@example.org: 1 hits, <")
    box = mailbox.Maildir(desk[0] / "var" / "mail", create=False)
    assert sorted(message["To"] for message in box) == [
        "Desk <desk@example.org>",
        "quiet@example.org",
    ]
    again = run(desk, "digest", "send")
    assert (again.exit_code, again.stdout) == (0, "nothing to send\n")
    listed = json.loads(run(desk, "digest", "list", "--format", "json").stdout)
    assert [(d["recipient"], d["state"], d["attempts"], d["hits"]) for d in listed] == [
        ("quiet@example.org", "sent", 1, 1),
        ("desk@example.org", "sent", 1, 2),
    ]
    table = run(desk, "digest", "list").stdout
    assert "desk@example.org" in table
    assert "sent" in table


def test_a_refused_digest_is_exit_1_listed_failed_and_sent_with_retry_failed(
    desk: Desk, smtpd: SmtpServer
) -> None:
    scanned(desk)
    config = desk[0] / "config" / "watcher.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "mail:\n",
            f"mail:\n  smtp:\n    host: {smtpd.host}\n    port: {smtpd.port}\n"
            "    security: none\n    timeout: 5s\n",
        ),
        encoding="utf-8",
    )
    smtpd.handler.answer("RCPT", "550 5.1.1 no such user")
    refused = run(desk, "digest", "send", "--subscriber", "desk@example.org")
    assert refused.exit_code == 1
    assert refused.stdout.startswith("desk@example.org: 2 hits, <")
    assert "failed: " in refused.stdout
    assert "550 5.1.1 no such user" in refused.stdout
    [failed] = json.loads(run(desk, "digest", "list", "--format", "json").stdout)
    assert (failed["state"], failed["attempts"]) == ("failed", 1)
    assert "550" in failed["last_error"]
    status = json.loads(run(desk, "status", "--format", "json").stdout)
    assert status["digests"] == {"pending": 0, "sent": 0, "failed": 1}
    [shown] = status["failed_digests"]
    assert (shown["recipient"], shown["last_error"]) == ("desk@example.org", failed["last_error"])
    table = run(desk, "status").stdout
    assert f"#{failed['id']} to desk@example.org: " in table
    assert "watcher digest send --retry-failed" in table
    assert run(desk, "digest", "send", "--subscriber", "desk@example.org").stdout == (
        "nothing to send\n"
    )
    retried = run(desk, "digest", "send", "--subscriber", "desk@example.org", "--retry-failed")
    assert retried.exit_code == 0, retried.output
    assert retried.stdout.endswith(", sent\n")
    [message] = [accepted.message() for accepted in smtpd.accepted]
    assert message["Message-ID"] == failed["message_id"]


def test_an_unknown_subscriber_is_exit_2_with_the_known_ones(desk: Desk) -> None:
    scanned(desk)
    result = run(desk, "digest", "send", "--subscriber", "nobody@example.org")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: --subscriber nobody@example.org: no such subscriber "
        "(subscribers: desk@example.org, quiet@example.org)"
    ]


def test_html_preview_of_several_digests_asks_for_one(desk: Desk, tmp_path: Path) -> None:
    scanned(desk)
    config = str(desk[0] / "config" / "watcher.yaml")
    result = CliRunner().invoke(
        cli,
        ["--config", config, "digest", "preview", "--html", str(tmp_path / "x.html")],
        env={"WATCHER_DATABASE_URL": desk[1]},
    )
    assert result.exit_code == 2
    assert "--html writes one digest: name it with --subscriber EMAIL" in result.stderr
