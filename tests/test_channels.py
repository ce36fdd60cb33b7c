"""The channels: block of the rule files: typed, checked against the rules, secrets from the
environment, located errors; and subscribers' deliver: immediate."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from test_rules import rules_file

from watcher.errors import ConfigErrors
from watcher.rules import load_rules

RULES = """\
rules:
  - name: libya
    query: Libya
    tags: [mena]
  - name: oil
    query: oil
"""
ENV = {"NTFY_TOPIC": "libya-desk-s3cret", "HOOK_PASSWORD": "pa55word"}


def with_channels(tmp_path: Path, block: str) -> Path:
    return rules_file(tmp_path, RULES + "channels:\n" + block)


def errors_of(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigErrors) as caught:
        load_rules([path], environ=ENV if environ is None else environ)
    assert caught.value.exit_code == 2
    return [str(error) for error in caught.value.errors]


def test_a_channel_with_every_setting_and_its_secret_from_the_environment(
    tmp_path: Path,
) -> None:
    path = with_channels(
        tmp_path,
        """\
  - name: desk-ntfy
    url: ntfy://ntfy.example.org/${NTFY_TOPIC}
    rules: [oil]
    tags: [mena]
    deliver: immediate
    quiet: "22:00-07:00"
    max_per_hour: 20
    timezone: Europe/Rome
    include_backfill: true
""",
    )
    [desk] = load_rules([path], timezone="Asia/Tokyo", environ=ENV).channels
    assert desk.url.url == "ntfy://ntfy.example.org/libya-desk-s3cret"
    assert desk.url.shown == "ntfy://ntfy.example.org/${NTFY_TOPIC}"
    assert "s3cret" not in repr(desk)
    assert desk.follows == {"oil", "libya"}
    assert (desk.schedule, desk.max_per_hour, desk.timezone, desk.include_backfill) == (
        None,
        20,
        "Europe/Rome",
        True,
    )
    assert desk.quiet is not None
    assert (desk.quiet.start, desk.quiet.end) == (time(22), time(7))
    assert str(desk.location) == f"{path}:8:5"
    assert desk.url.redact("POST https://ntfy.example.org/libya-desk-s3cret failed") == (
        "POST https://ntfy.example.org/${NTFY_TOPIC} failed"
    )


def test_defaults_and_a_schedule(tmp_path: Path) -> None:
    path = with_channels(
        tmp_path,
        "  - name: hook\n    url: json://user:${HOOK_PASSWORD}@hooks.example.org/in\n"
        "    tags: [mena]\n  - name: daily\n    url: json://hooks.example.org/d\n"
        "    rules: [oil]\n    deliver: daily 07:00\n",
    )
    hook, daily = load_rules([path], timezone="Asia/Tokyo", environ=ENV).channels
    assert (hook.immediate, hook.quiet, hook.max_per_hour, hook.timezone) == (
        True,
        None,
        None,
        "Asia/Tokyo",
    )
    assert "pa55word" not in hook.url.shown
    assert hook.url.shown.startswith("json://user:")
    assert daily.schedule is not None
    assert daily.describe() == "daily 07:00, in Asia/Tokyo"


CHANNEL_ERRORS = [
    pytest.param(
        "  - name: a\n    url: ntfy://ntfy.example.org/${NOPE}\n    rules: [oil]\n",
        '9:5: channel "a": url: ${NOPE} is not set in the environment',
        id="missing-variable",
    ),
    pytest.param(
        "  - name: a\n    url: ntfy://h/${NOPE}/${NADA}\n    rules: [oil]\n",
        '9:5: channel "a": url: ${NOPE}, ${NADA} are not set in the environment',
        id="two-missing-variables",
    ),
    pytest.param(
        "  - name: a\n    url: ntfy://h/${not a name}\n    rules: [oil]\n",
        '9:5: channel "a": url: "${not a name}" names no environment variable',
        id="bad-variable",
    ),
    pytest.param(
        "  - name: a\n    url: bogus://h/x\n    rules: [oil]\n",
        '9:5: channel "a": url: Apprise cannot use this "bogus://" URL',
        id="unknown-service",
    ),
    pytest.param(
        "  - name: a\n    url: ntfy.example.org/topic\n    rules: [oil]\n",
        '9:5: channel "a": url: expected an Apprise URL like ntfy://',
        id="no-scheme",
    ),
    pytest.param(
        "  - name: a\n    url: json://h/x\n    rules: [lybia]\n",
        '10:13: channel "a": rules[0]: no rule named "lybia" (known: libya, oil)',
        id="unknown-rule",
    ),
    pytest.param(
        "  - name: a\n    url: json://h/x\n    tags: [europe]\n",
        '10:12: channel "a": tags[0]: no tag named "europe" (known: mena)',
        id="unknown-tag",
    ),
    pytest.param(
        "  - name: a\n    url: json://h/x\n",
        '8:5: channel "a": give rules or tags (or both) to follow',
        id="follows-nothing",
    ),
    pytest.param(
        "  - name: a\n    url: json://h/x\n    rules: [oil]\n    quiet: 10pm-7am\n",
        '11:5: channel "a": quiet: "10pm-7am": write the window as HH:MM-HH:MM',
        id="bad-quiet",
    ),
    pytest.param(
        "  - name: a\n    url: json://h/x\n    rules: [oil]\n    quiet: 07:00-07:00\n",
        '11:5: channel "a": quiet: "07:00-07:00": the window starts and ends at the same time',
        id="empty-quiet",
    ),
    pytest.param(
        "  - name: a\n    url: json://h/x\n    rules: [oil]\n    deliver: sometimes\n",
        '11:5: channel "a": deliver: "sometimes" has 1 fields',
        id="bad-deliver",
    ),
    pytest.param(
        "  - name: a\n    url: json://h/x\n    rules: [oil]\n    deliver: hourly\n"
        "    max_per_hour: 5\n",
        '12:5: channel "a": max_per_hour: only for deliver: immediate',
        id="limit-with-schedule",
    ),
    pytest.param(
        "  - name: a\n    url: json://h/x\n    rules: [oil]\n    max_per_hour: 0\n",
        '11:5: channel "a": max_per_hour: input should be greater than or equal to 1',
        id="zero-limit",
    ),
    pytest.param(
        "  - name: a\n    url: json://h/x\n    rules: [oil]\n    quite: 22:00-07:00\n",
        '11:5: channel "a": quite: unknown key',
        id="unknown-key",
    ),
    pytest.param(
        "  - name: Desk Ntfy\n    url: json://h/x\n    rules: [oil]\n",
        '8:5: channel "Desk Ntfy": name: "Desk Ntfy" is not allowed',
        id="bad-name",
    ),
    pytest.param(
        "  - name: a\n    url: json://h/x\n    rules: [oil]\n"
        "  - name: a\n    url: json://h/y\n    rules: [oil]\n",
        '11:5: channel "a": name: already used at ',
        id="duplicate-name",
    ),
    pytest.param("  - json://h/x\n", "8:5: channel #1: expected a mapping", id="not-a-mapping"),
]


@pytest.mark.parametrize(("block", "expected"), CHANNEL_ERRORS)
def test_channel_errors_name_file_line_and_column(
    tmp_path: Path, block: str, expected: str
) -> None:
    path = with_channels(tmp_path, block)
    [error] = errors_of(path)
    assert error.startswith(f"{path}:{expected}"), error
    assert "\n" not in error


def test_an_error_never_shows_a_secret(tmp_path: Path) -> None:
    path = with_channels(
        tmp_path, "  - name: a\n    url: bogus://${HOOK_PASSWORD}@h/x\n    rules: [oil]\n"
    )
    [error] = errors_of(path)
    assert "pa55word" not in error


def test_subscribers_deliver_immediate_or_a_schedule_not_both(tmp_path: Path) -> None:
    block = "subscribers:\n  - email: a@example.org\n    rules: [oil]\n    deliver: immediate\n"
    [subscriber] = load_rules([rules_file(tmp_path, RULES + block)]).subscribers
    assert subscriber.immediate
    both = block + "    schedule: hourly\n"
    path = rules_file(tmp_path, RULES + both)
    [error] = errors_of(path)
    assert error.startswith(
        f'{path}:10:5: subscriber "a@example.org": deliver: give deliver or schedule, not both'
    )
