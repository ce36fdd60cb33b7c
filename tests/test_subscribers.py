"""The subscribers: block of the rule files: typed, checked against the rules, located errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_rules import errors_of, rules_file

from watcher.rules import load_rules
from watcher.subscribers import parse_mailbox

RULES = """\
rules:
  - name: libya
    query: Libya
    tags: [mena]
  - name: wagner
    query: Wagner
    tags: [russia, mena]
  - name: oil
    query: oil
"""


def with_subscribers(tmp_path: Path, block: str) -> Path:
    return rules_file(tmp_path, RULES + "subscribers:\n" + block)


def test_a_subscriber_with_every_setting(tmp_path: Path) -> None:
    path = with_subscribers(
        tmp_path,
        """\
  - email: Desk Team <desk@Example.ORG>
    rules: [oil]
    tags: [russia]
    schedule: "0 7 * * mon-fri"
    timezone: Europe/Rome
    send_empty: true
    include_backfill: true
    max_items: 20
""",
    )
    [desk] = load_rules([path], timezone="Asia/Tokyo").subscribers
    assert (desk.address, desk.mailbox.name, str(desk.mailbox)) == (
        "desk@example.org",
        "Desk Team",
        "Desk Team <desk@example.org>",
    )
    assert desk.follows == {"oil", "wagner"}
    assert (desk.timezone, desk.send_empty, desk.include_backfill, desk.max_items) == (
        "Europe/Rome",
        True,
        True,
        20,
    )
    assert desk.schedule.day_of_week == "mon,tue,wed,thu,fri"
    assert str(desk.location) == f"{path}:11:5"


def test_defaults_and_the_configs_time_zone(tmp_path: Path) -> None:
    path = with_subscribers(tmp_path, "  - email: desk@example.org\n    tags: [mena]\n")
    [desk] = load_rules([path], timezone="Asia/Tokyo").subscribers
    assert desk.follows == {"libya", "wagner"}
    assert (desk.timezone, desk.send_empty, desk.include_backfill, desk.max_items) == (
        "Asia/Tokyo",
        False,
        False,
        200,
    )
    assert desk.schedule.text == "daily 07:00"


SUBSCRIBER_ERRORS = [
    pytest.param(
        "  - email: not-an-address\n    rules: [oil]\n",
        '11:5: subscriber "not-an-address": email: "not-an-address": An email address must '
        "have an @-sign.",
        id="no-at-sign",
    ),
    pytest.param(
        '  - email: "desk@example.org\\r\\nBcc: evil@example.net"\n    rules: [oil]\n',
        '11:5: subscriber "desk@example.org\\r\\nBcc: evil@example.net": email: an address may '
        "not hold line breaks or control characters",
        id="header-injection",
    ),
    pytest.param(
        "  - email: a@example.org, b@example.org\n    rules: [oil]\n",
        '11:5: subscriber "a@example.org, b@example.org": email: "a@example.org, b@example.org"'
        ' is not an address like "desk@example.org" or "Desk <desk@example.org>"',
        id="two-addresses",
    ),
    pytest.param(
        "  - email: a@example.org\n    rules: [oil, lybia]\n",
        '12:18: subscriber "a@example.org": rules[1]: no rule named "lybia" '
        "(known: libya, oil, wagner)",
        id="unknown-rule",
    ),
    pytest.param(
        "  - email: a@example.org\n    tags: [europe]\n",
        '12:12: subscriber "a@example.org": tags[0]: no tag named "europe" (known: mena, russia)',
        id="unknown-tag",
    ),
    pytest.param(
        "  - email: a@example.org\n",
        '11:5: subscriber "a@example.org": give rules or tags (or both) to follow',
        id="follows-nothing",
    ),
    pytest.param(
        "  - email: a@example.org\n    rules: oil\n",
        '12:5: subscriber "a@example.org": rules: expected a list like [oil]',
        id="rules-not-a-list",
    ),
    pytest.param(
        "  - email: a@example.org\n    rules: [oil]\n    schedule: '0 7 * * 9'\n",
        '13:5: subscriber "a@example.org": schedule: "0 7 * * 9": the day of week field "9" is '
        'invalid: "9" is not a day',
        id="bad-cron",
    ),
    pytest.param(
        "  - email: a@example.org\n    rules: [oil]\n    timezone: Mars/Olympus\n",
        '13:5: subscriber "a@example.org": timezone: unknown time zone "Mars/Olympus"',
        id="bad-zone",
    ),
    pytest.param(
        "  - email: a@example.org\n    rules: [oil]\n    max_items: 0\n",
        '13:5: subscriber "a@example.org": max_items: input should be greater than or equal to 1',
        id="max-items",
    ),
    pytest.param(
        "  - email: a@example.org\n    rules: [oil]\n    sendempty: true\n",
        '13:5: subscriber "a@example.org": sendempty: unknown key — remove it or check its '
        "spelling",
        id="unknown-key",
    ),
    pytest.param(
        "  - desk@example.org\n",
        "11:5: subscriber #1: expected a mapping with email and rules",
        id="not-a-mapping",
    ),
    pytest.param(
        "  - email: a@example.org\n    rules: [oil]\n  - email: A@Example.org\n    tags: [mena]\n",
        '13:5: subscriber "A@Example.org": email: already subscribed at ',
        id="duplicate-address",
    ),
]


@pytest.mark.parametrize(("block", "expected"), SUBSCRIBER_ERRORS)
def test_subscriber_errors_name_file_line_and_column(
    tmp_path: Path, block: str, expected: str
) -> None:
    path = with_subscribers(tmp_path, block)
    [error] = errors_of(path)
    assert error.startswith(f"{path}:{expected}"), error
    assert "\n" not in error


def test_a_rule_title_with_a_line_break_is_refused(tmp_path: Path) -> None:
    path = rules_file(
        tmp_path, 'rules:\n  - name: x\n    title: "Oil\\r\\nBcc: evil@example.net"\n    query: a\n'
    )
    assert errors_of(path) == [
        f'{path}:3:5: rule "x": title: must be one line of text, without line breaks or '
        "control characters"
    ]


@pytest.mark.parametrize(
    ("text", "address", "name"),
    [
        pytest.param("desk@example.org", "desk@example.org", "", id="bare"),
        pytest.param("Desk <desk@EXAMPLE.org>", "desk@example.org", "Desk", id="named"),
        pytest.param('"Desk, Rome" <d@example.org>', "d@example.org", "Desk, Rome", id="quoted"),
        pytest.param("  <d@example.org>  ", "d@example.org", "", id="angle-only"),
    ],
)
def test_parse_mailbox(text: str, address: str, name: str) -> None:
    mailbox = parse_mailbox(text)
    assert (mailbox.address, mailbox.name) == (address, name)
