"""Rule files: what loads, and every error at once with file:line:col."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from support import REPO

from watcher.errors import ConfigErrors
from watcher.query.compile import keywords_query
from watcher.rules import load_rules


def rules_file(folder: Path, text: str, name: str = "rules.yaml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(*paths: Path) -> list[str]:
    with pytest.raises(ConfigErrors) as caught:
        load_rules(list(paths))
    assert caught.value.exit_code == 2
    return [str(error) for error in caught.value.errors]


def test_shipped_rules_load() -> None:
    ruleset = load_rules([REPO / "config" / "rules.yaml"])
    names = [rule.name for rule in ruleset.rules]
    assert names == ["libya", "wagner-libya", "raids", "pantsir"]
    assert ruleset.warnings == ()


def test_rule_settings_and_defaults(tmp_path: Path) -> None:
    path = rules_file(
        tmp_path,
        """\
defaults:
  fields: [title, body]
rules:
  - name: libya
    query: Libya
    tags: [mena]
  - name: us
    title: US diplomacy
    query: US AND ambassador
    case_sensitive: true
    enabled: false
    fields: [title]
    backfill: 30d
  - name: pantsir
    keywords: [Pantsir, "Watiya air base", NO]
subscribers:
  - email: desk@example.org
    rules: [libya]
    schedule: "0 7 * * mon-fri"
""",
    )
    ruleset = load_rules([path])
    libya, us, pantsir = ruleset.rules
    assert (libya.title, libya.fields, libya.tags, libya.enabled) == (
        "libya",
        ("title", "body"),
        ("mena",),
        True,
    )
    assert (us.title, us.fields, us.case_sensitive, us.backfill) == (
        "US diplomacy",
        ("title",),
        True,
        timedelta(days=30),
    )
    assert pantsir.query == '"Pantsir" OR "Watiya air base" OR "NO"'
    assert set(ruleset.enabled()) == {"libya", "pantsir"}
    assert ruleset.subscribers[0].address == "desk@example.org"
    assert ruleset.default_fields == ("title", "body")


def test_keywords_are_quoted_safely() -> None:
    assert keywords_query(['say "hi"', "a\\b"]) == '"say \\"hi\\"" OR "a\\\\b"'


def test_negation_only_query_loads_with_a_warning(tmp_path: Path) -> None:
    path = rules_file(tmp_path, "rules:\n  - name: quiet\n    query: NOT football\n")
    ruleset = load_rules([path])
    assert [rule.name for rule in ruleset.rules] == ["quiet"]
    assert len(ruleset.warnings) == 1
    assert ruleset.warnings[0].startswith(f'{path}:3:12: rule "quiet": query: ')


def test_lower_case_operator_warns_at_its_column_and_the_rule_still_loads(tmp_path: Path) -> None:
    path = rules_file(
        tmp_path,
        "rules:\n"
        "  - name: softs\n"
        "    query: coffee or cocoa\n"
        "  - name: quoted\n"
        "    query: 'sugar and  spice'\n",
    )
    ruleset = load_rules([path])
    assert [rule.name for rule in ruleset.rules] == ["softs", "quoted"]
    assert [w.split(" — ")[0] for w in ruleset.warnings] == [
        f'{path}:3:19: rule "softs": query: "or" is searched as a word here',
        f'{path}:5:19: rule "quoted": query: "and" is searched as a word here',
    ]
    assert all("did you mean" in w for w in ruleset.warnings)


RULE_ERRORS = [
    pytest.param(
        "rules:\n  - name: raids\n    query: 'a OR b)'\n",
        '3:19: rule "raids": query: unexpected ")" — check the parentheses',
        id="paren-quoted",
    ),
    pytest.param(
        "rules:\n  - name: raids\n    query: a OR b)\n",
        '3:18: rule "raids": query: unexpected ")" — check the parentheses',
        id="paren-plain",
    ),
    pytest.param(
        "rules:\n  - name: x\n    query: auhtor:Smith\n",
        '3:12: rule "x": query: unknown field "auhtor"',
        id="unknown-field",
    ),
    pytest.param(
        "rules:\n  - name: x\n    query: ''\n",
        '3:13: rule "x": query: empty query',
        id="empty-query",
    ),
    pytest.param(
        "rules:\n  - name: x\n    query: '*'\n", '3:13: rule "x": query: ', id="bare-star"
    ),
    pytest.param(
        "rules:\n  - name: x\n    query: '*bya'\n", '3:13: rule "x": query: ', id="leading-wildcard"
    ),
    pytest.param("rules:\n  - name: x\n    query: '\"open phrase'\n", "3:", id="open-quote"),
    pytest.param(
        "rules:\n  - name: Bad_Name\n    query: a\n",
        '2:5: rule "Bad_Name": name: "Bad_Name" is not allowed — use lower-case letters, '
        'digits and "-" (at most 100), e.g. bad-name',
        id="bad-name",
    ),
    pytest.param(
        'rules:\n  - name: "two\\nlines"\n    query: a\n',
        '2:5: rule "two\\nlines": name: "two\\nlines" is not allowed',
        id="name-with-a-line-break",
    ),
    pytest.param(
        "rules:\n  - name: x\n    keywords:\n      - Libya\n      - '~'\n",
        '5:9: rule "x": keywords[1] "~": an empty phrase — it can match nothing',
        id="keyword-that-is-no-phrase",
    ),
    pytest.param(
        "rules:\n  - name: x\n    query: a\n    tags: energy\n",
        '4:5: rule "x": tags: expected a list like [energy]',
        id="tags-not-a-list",
    ),
    pytest.param(
        "rules:\n  - name: x\n    query: a\n    tags: [mena, Energy]\n",
        '4:18: rule "x": tags[1]: "Energy" is not allowed — use lower-case letters, digits '
        'and "-" (at most 100), e.g. energy',
        id="tag-upper-case",
    ),
    pytest.param(
        "rules:\n  - name: x\n    query: a\n    fields: title\n",
        '4:5: rule "x": fields: expected a list like [title]',
        id="fields-not-a-list",
    ),
    pytest.param(
        "rules:\n  - name: x\n    keywords: Pantsir\n",
        '3:5: rule "x": keywords: expected a list like [Pantsir]',
        id="keywords-not-a-list",
    ),
    pytest.param(
        "rules:\n  - name: x\n    qurey: a\n", '3:5: rule "x": qurey: unknown key', id="unknown-key"
    ),
    pytest.param(
        "rules:\n  - name: x\n",
        '2:5: rule "x": give exactly one of query or keywords',
        id="no-query",
    ),
    pytest.param(
        "rules:\n  - name: x\n    query: a\n    keywords: [b]\n",
        '2:5: rule "x": give exactly one of query or keywords',
        id="query-and-keywords",
    ),
    pytest.param(
        "rules:\n  - name: x\n    query: a\n    fields: [title, author]\n",
        '4:21: rule "x": fields[1]: ',
        id="bad-fields",
    ),
    pytest.param(
        "rules:\n  - name: x\n    query: a\n    fields: [source]\n",
        '4:14: rule "x": fields[0]: ',
        id="source-not-a-bare-field",
    ),
    pytest.param(
        "rules:\n  - name: x\n    query: a\n    enabled: maybe\n",
        '4:5: rule "x": enabled: expected true or false, got "maybe"',
        id="bad-bool",
    ),
    pytest.param(
        "rules:\n  - name: x\n    query: a\n    backfill: soon\n",
        '4:5: rule "x": backfill: expected a duration like "2s", got "soon"',
        id="bad-backfill",
    ),
    pytest.param(
        "rules:\n  - just a string\n", "2:5: rule #1: expected a mapping", id="rule-not-mapping"
    ),
    pytest.param("rules: [a\n", "2:1: YAML syntax", id="yaml-syntax"),
    pytest.param("rulez: []\n", "1:1: rulez: unknown key", id="unknown-top-key"),
]


@pytest.mark.parametrize(("text", "expected"), RULE_ERRORS)
def test_rule_errors_name_file_line_and_column(tmp_path: Path, text: str, expected: str) -> None:
    path = rules_file(tmp_path, text)
    errors = errors_of(path)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{path}:{expected}"), errors[0]
    assert "\n" not in errors[0]


def test_a_duplicate_is_reported_even_when_the_first_copy_has_an_error(tmp_path: Path) -> None:
    first = rules_file(
        tmp_path,
        "rules:\n  - name: libya\n    query: 'Libya)'\n  - name: libya\n    query: Libya\n",
    )
    second = rules_file(tmp_path, "rules:\n  - name: libya\n    query: b\n", name="rules.d/x.yaml")
    assert [error.split(" — ")[0] for error in errors_of(first, second)] == [
        f'{first}:3:18: rule "libya": query: unexpected ")"',
        f'{first}:4:5: rule "libya": name: already used at {first}:2:5',
        f'{second}:2:5: rule "libya": name: already used at {first}:2:5',
    ]


def test_errors_come_sorted_by_file_then_line(tmp_path: Path) -> None:
    first = rules_file(
        tmp_path,
        "rules:\n  - name: a\n    query: x\n  - name: b\n    query: 'y)'\n"
        "  - name: a\n    query: z\n  - name: c\n    query: w\n    tags: T\n",
    )
    second = rules_file(tmp_path, "rules:\n  - name: B\n    query: q\n", name="rules.d/x.yaml")
    lines = [error.split(": rule")[0] for error in errors_of(first, second)]
    assert lines == [f"{first}:5:14", f"{first}:6:5", f"{first}:10:5", f"{second}:2:5"]


def test_duplicate_names_across_files_name_both_places(tmp_path: Path) -> None:
    first = rules_file(tmp_path, "rules:\n  - name: libya\n    query: Libya\n")
    second = rules_file(
        tmp_path,
        "rules:\n  - name: other\n    query: a\n  - name: libya\n    query: b\n",
        name="rules.d/mena.yaml",
    )
    assert errors_of(first, second) == [
        f'{second}:4:5: rule "libya": name: already used at {first}:2:5 '
        "— rule names must be unique across all rule files"
    ]


def test_every_error_in_every_file_is_reported_at_once(tmp_path: Path) -> None:
    first = rules_file(
        tmp_path,
        "rules:\n  - name: a\n    query: 'x)'\n  - name: b\n    query: ok\n"
        "  - name: c\n    qurey: y\n",
    )
    second = rules_file(tmp_path, "rules: [oops\n", name="rules.d/broken.yaml")
    errors = errors_of(first, second)
    assert [e.split(": ")[0] for e in errors] == [f"{first}:3:14", f"{first}:7:5", f"{second}:2:1"]


def test_a_rule_merged_from_an_anchor_loads_and_its_errors_are_placed_at_the_rule(
    tmp_path: Path,
) -> None:
    good = rules_file(tmp_path, "rules:\n  - <<: {name: libya, query: Libya}\n    tags: [mena]\n")
    [rule] = load_rules([good]).rules
    assert (rule.name, rule.query, rule.tags, str(rule.location)) == (
        "libya",
        "Libya",
        ("mena",),
        f"{good}:2:5",
    )
    bad = rules_file(tmp_path, "rules:\n  - <<: {name: a, query: 'x AND'}\n", name="bad.yaml")
    assert errors_of(bad) == [f'{bad}:2:5: rule "a": query: "AND" at the end needs a term after it']
