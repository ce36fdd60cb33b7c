"""watcher.digest.compose: pending hits -> sections by rule, each article once, the cut, the
subject line."""

from __future__ import annotations

from datetime import timedelta

import pytest
from digest.factory import DESK, LINKS, T0, hit

from watcher.digest.compose import EMPTY_SUBJECT, SUBJECT_LIMIT, compose, subject
from watcher.digest.model import Digest, DigestHit, RuleInfo, Section

RULES = {
    "libya": RuleInfo("libya", "Libya"),
    "wagner-libya": RuleInfo("wagner-libya", "Wagner Group in Libya"),
    "oil": RuleInfo("oil", "Oil & gas"),
}
HOUR = timedelta(hours=1)


def digest_of(hits: list[DigestHit], *, max_items: int = 200) -> Digest:
    return compose(DESK, "Europe/Rome", hits, RULES, LINKS, max_items=max_items)


def desk_hits() -> list[DigestHit]:
    """libya hits a, b, c, d; wagner-libya hits a, b, e; oil hits f.
    Publication: a newest, then b, ... f oldest."""
    at = {uid: T0 - index * HOUR for index, uid in enumerate("abcdef")}
    return [
        hit(1, "libya", "c", published=at["c"]),
        hit(2, "wagner-libya", "e", published=at["e"]),
        hit(3, "libya", "a", published=at["a"]),
        hit(4, "oil", "f", published=at["f"]),
        hit(5, "wagner-libya", "a", published=at["a"]),
        hit(6, "libya", "d", published=at["d"]),
        hit(7, "libya", "b", published=at["b"]),
        hit(8, "wagner-libya", "b", published=at["b"]),
    ]


def listed(section: Section) -> list[str]:
    return [entry.hit.article_uid for entry in section.entries]


def test_rules_by_hit_count_articles_newest_first_each_once_under_its_first_rule() -> None:
    digest = digest_of(desk_hits())
    assert [s.rule.name for s in digest.sections] == ["libya", "wagner-libya", "oil"]
    libya, wagner, oil = digest.sections
    assert listed(libya) == ["a", "b", "c", "d"]
    assert [entry.also for entry in libya.entries] == [("wagner-libya",), ("wagner-libya",), (), ()]
    assert listed(wagner) == ["e"]  # a and b are under libya, naming wagner-libya
    assert listed(oil) == ["f"]
    assert (libya.count, wagner.count, oil.count) == (4, 3, 1)
    assert libya.rule == RULES["libya"]
    assert [s.more for s in digest.sections] == [0, 0, 0]
    assert digest.articles == 6
    assert digest.hit_ids == (1, 2, 3, 4, 5, 6, 7, 8)
    assert digest.subject == "[watcher] 6 new: libya (4), wagner-libya (3), oil (1)"
    assert (digest.recipient, digest.timezone) == (DESK, "Europe/Rome")


def test_ties_in_hit_count_go_by_name_and_the_article_under_the_first() -> None:
    hits = [hit(1, "wagner-libya", "a"), hit(2, "libya", "a"), hit(3, "oil", "b")]
    digest = digest_of(hits)
    assert [s.rule.name for s in digest.sections] == ["libya", "oil", "wagner-libya"]
    assert digest.sections[0].entries[0].also == ("wagner-libya",)
    assert digest.sections[2].entries == ()
    assert digest.sections[2].count == 1
    assert digest.subject == "[watcher] 2 new: libya (1), oil (1), wagner-libya (1)"


def test_also_names_the_other_rules_in_the_digest_order() -> None:
    hits = [hit(1, "oil", "a"), hit(2, "wagner-libya", "a"), hit(3, "libya", "a")]
    hits += [hit(4, "libya", "b"), hit(5, "wagner-libya", "c"), hit(6, "wagner-libya", "d")]
    [first, *_] = digest_of(hits).sections
    assert first.rule.name == "wagner-libya"
    assert [entry.also for entry in first.entries if entry.hit.article_uid == "a"] == [
        ("libya", "oil")
    ]


def test_same_publication_time_is_ordered_the_same_way_every_time() -> None:
    hits = [hit(index, "libya", uid) for index, uid in enumerate("dbca", start=1)]
    assert listed(digest_of(hits).sections[0]) == ["a", "b", "c", "d"]
    assert listed(digest_of(hits[::-1]).sections[0]) == ["a", "b", "c", "d"]


@pytest.mark.parametrize(
    ("max_items", "shown", "more"),
    [
        pytest.param(1, [["a"], [], []], [3, 1, 1], id="inside the first rule"),
        pytest.param(4, [["a", "b", "c", "d"], [], []], [0, 1, 1], id="at a rule's end"),
        pytest.param(5, [["a", "b", "c", "d"], ["e"], []], [0, 0, 1], id="into the next rule"),
        pytest.param(6, [["a", "b", "c", "d"], ["e"], ["f"]], [0, 0, 0], id="exactly all"),
    ],
)
def test_max_items_lists_the_first_articles_and_counts_the_rest_per_rule(
    max_items: int, shown: list[list[str]], more: list[int]
) -> None:
    digest = digest_of(desk_hits(), max_items=max_items)
    assert [listed(section) for section in digest.sections] == shown
    assert [section.more for section in digest.sections] == more
    assert [section.count for section in digest.sections] == [4, 3, 1]
    assert [section.feed_url for section in digest.sections] == [
        "http://watch.example.org/feeds/rules/libya.xml",
        "http://watch.example.org/feeds/rules/wagner-libya.xml",
        "http://watch.example.org/feeds/rules/oil.xml",
    ]
    assert digest.articles == 6
    assert digest.hit_ids == (1, 2, 3, 4, 5, 6, 7, 8)  # delivered, listed or not
    assert digest.subject == "[watcher] 6 new: libya (4), wagner-libya (3), oil (1)"


def test_an_empty_digest_says_nothing_new() -> None:
    digest = digest_of([])
    assert digest.subject == EMPTY_SUBJECT == "[watcher] nothing new"
    assert digest.sections == ()
    assert (digest.articles, digest.hit_ids) == (0, ())


def test_hits_of_a_rule_deleted_since_are_delivered_under_its_name() -> None:
    digest = digest_of([hit(1, "libya", "a"), hit(2, "gone-rule", "b"), hit(3, "gone-rule", "c")])
    assert [s.rule for s in digest.sections] == [
        RuleInfo("gone-rule", "gone-rule"),
        RuleInfo("libya", "Libya"),
    ]
    assert listed(digest.sections[0]) == ["b", "c"]
    assert digest.subject == "[watcher] 3 new: gone-rule (2), libya (1)"
    assert digest.hit_ids == (1, 2, 3)


def test_a_rule_seen_twice_on_one_article_lists_it_once_with_the_later_match() -> None:
    first = hit(1, "libya", "a", title="First version")
    later = hit(2, "libya", "a", title="Edited version")
    later = DigestHit(**{**_fields(later), "matched_at": T0 + HOUR})
    digest = digest_of([first, later])
    [section] = digest.sections
    assert [entry.hit.title for entry in section.entries] == ["Edited version"]
    assert (section.count, digest.articles, digest.hit_ids) == (1, 1, (1, 2))


def test_the_subscription_is_carried_for_the_footer() -> None:
    digest = compose(
        DESK,
        "UTC",
        [hit(1, "libya", "a")],
        RULES,
        LINKS,
        max_items=5,
        subscribed_rules=["libya"],
        subscribed_tags=["mena"],
    )
    assert (digest.subscribed_rules, digest.subscribed_tags) == (("libya",), ("mena",))


def _fields(value: DigestHit) -> dict[str, object]:
    return {name: getattr(value, name) for name in DigestHit.__slots__}


def _sections(*counts: tuple[str, int]) -> list[Section]:
    return [
        Section(RuleInfo(name, name), count, (), 0, LINKS.rule_feed(name)) for name, count in counts
    ]


def test_the_subject_names_rules_by_count_and_stops_before_120_characters() -> None:
    names = [(f"rule-number-{index:02d}", 40 - index) for index in range(20)]
    text = subject(400, _sections(*names))
    assert len(text) <= SUBJECT_LIMIT
    assert text.startswith("[watcher] 400 new: rule-number-00 (40), rule-number-01 (39), ")
    assert text.endswith(", …")
    parts = text.removeprefix("[watcher] 400 new: ").removesuffix(", …").split(", ")
    assert parts == [f"{name} ({count})" for name, count in names[: len(parts)]]
    # As many whole rules as fit: one more (and the ellipsis) would pass the limit.
    one_more = text.removesuffix(", …") + f", {names[len(parts)][0]} ({names[len(parts)][1]}), …"
    assert len(one_more) > SUBJECT_LIMIT


@pytest.mark.parametrize(
    ("articles", "counts", "expected"),
    [
        pytest.param(4, [("libya", 4)], "[watcher] 4 new: libya (4)", id="one rule"),
        pytest.param(
            3,
            [("a" * 46, 2), ("b" * 46, 1)],
            f"[watcher] 3 new: {'a' * 46} (2), {'b' * 46} (1)",
            id="the last rule fits without an ellipsis",
        ),
        pytest.param(
            3,
            [("a" * 46, 2), ("b" * 46, 1), ("c", 1)],
            f"[watcher] 3 new: {'a' * 46} (2), …",
            id="no room for the second and the ellipsis",
        ),
        pytest.param(
            2,
            [("x" * 130, 1), ("y", 1)],
            f"[watcher] 2 new: {'x' * 130} (1), …",
            id="the first rule is always named in full",
        ),
    ],
)
def test_the_subject_cuts_between_rules_never_inside_a_name(
    articles: int, counts: list[tuple[str, int]], expected: str
) -> None:
    assert subject(articles, _sections(*counts)) == expected
