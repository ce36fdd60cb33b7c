"""Which feeds exist: one per enabled rule, one per tag, `all`; and which a new hit touches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from watcher.rules import RuleSet

FeedKind = Literal["rule", "tag", "all"]
SUFFIXES = (".xml", ".atom")
OPML_NAME = "feeds.opml"


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed: which rules feed it, what it is called, where it lives (`rules/libya`)."""

    kind: FeedKind
    key: str
    title: str
    description: str
    rules: tuple[str, ...]

    @property
    def stem(self) -> str:
        """The path under feeds.dir (and under /feeds/ on the server), without suffix."""
        if self.kind == "rule":
            return f"rules/{self.key}"
        if self.kind == "tag":
            return f"tags/{self.key}"
        return "all"

    @property
    def urn(self) -> str:
        """The feed's identity (its Atom id), stable as long as its rule or tag keeps its name."""
        return f"urn:watcher:feed:{self.stem}"


@dataclass(frozen=True, slots=True)
class Site:
    """What links need: the server's base URL and every enabled rule's tags."""

    base_url: str
    rule_tags: Mapping[str, tuple[str, ...]]

    def feed_url(self, spec: FeedSpec, suffix: str) -> str:
        return f"{self.base_url}feeds/{spec.stem}{suffix}"

    def article_url(self, uid: str) -> str:
        return f"{self.base_url}articles/{uid}"

    @property
    def opml_url(self) -> str:
        return f"{self.base_url}feeds/{OPML_NAME}"


def site_of(ruleset: RuleSet, base_url: str) -> Site:
    return Site(base_url, {rule.name: rule.tags for rule in ruleset.rules if rule.enabled})


def plan_feeds(ruleset: RuleSet) -> list[FeedSpec]:
    """Every feed of the enabled rules: rules by name, then tags by name, then `all`."""
    enabled = sorted((rule for rule in ruleset.rules if rule.enabled), key=lambda r: r.name)
    specs = [
        FeedSpec(
            "rule",
            rule.name,
            f"watcher: {rule.title}",
            f"Articles matching {rule.query}",
            (rule.name,),
        )
        for rule in enabled
    ]
    tagged: dict[str, list[str]] = {}
    for rule in enabled:
        for tag in rule.tags:
            tagged.setdefault(tag, []).append(rule.name)
    for tag in sorted(tagged):
        names = tuple(tagged[tag])
        specs.append(
            FeedSpec(
                "tag",
                tag,
                f"watcher: tag {tag}",
                f"Articles matching the rules tagged {tag}: {', '.join(names)}",
                names,
            )
        )
    every = tuple(rule.name for rule in enabled)
    specs.append(FeedSpec("all", "all", "watcher: all hits", "Articles matching any rule", every))
    return _distinct_titles(specs)


def _distinct_titles(specs: list[FeedSpec]) -> list[FeedSpec]:
    """Feeds that share a title (two rules with one `title`) are told apart by their path:
    a reader that lists them, or imports the OPML, shows them by title."""
    counts = Counter(spec.title for spec in specs)
    return [
        replace(spec, title=f"{spec.title} ({spec.stem})") if counts[spec.title] > 1 else spec
        for spec in specs
    ]


def touched(specs: Sequence[FeedSpec], rules_hit: Collection[str]) -> list[FeedSpec]:
    """The feeds that hits of `rules_hit` change: those rules', their tags', and `all`."""
    hit = set(rules_hit)
    return [spec for spec in specs if hit.intersection(spec.rules)]
