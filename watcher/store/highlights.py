"""What a stored hit needs to be highlighted: its rule version's query, its version's text.

Hits store no spans (see watcher.percolator.spans): a query joins the rule version a hit
was recorded with (`RULE_QUERY` columns), and the spans are found again from these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from watcher.model import Span
from watcher.store.tables import RuleVersionRow, table

if TYPE_CHECKING:
    from watcher.percolator.spans import RuleQuery

# The percolator is imported when a hit is first highlighted, not by every command that
# only counts or lists the outbox (`watcher status`).

RULE_VERSIONS = table(RuleVersionRow)
# Select these beside a hit (joined on hits.rule_version_id) to highlight it.
RULE_QUERY = (
    RULE_VERSIONS.c.query.label("rule_query"),
    RULE_VERSIONS.c.fields.label("rule_fields"),
    RULE_VERSIONS.c.case_sensitive.label("rule_case_sensitive"),
)


def rule_query(row: Any) -> RuleQuery:
    """The rule query of a row selected with `RULE_QUERY`."""
    from watcher.percolator.spans import RuleQuery  # noqa: PLC0415 - see the top

    return RuleQuery(row.rule_query, tuple(row.rule_fields), row.rule_case_sensitive)


def highlight(version: Any, rows: Iterable[Any]) -> tuple[Span, ...]:
    """The spans, in `version` (a row with title, lead, body, source), of the rules of
    `rows` (selected with `RULE_QUERY`)."""
    return highlight_each(version, [rows])[0]


def highlight_each(version: Any, row_groups: Sequence[Iterable[Any]]) -> list[tuple[Span, ...]]:
    """`highlight` one version for each group of rows, the version analyzed once."""
    from watcher.percolator.spans import Texts, spans_of_each  # noqa: PLC0415 - see the top

    texts = Texts(version.title, version.lead, version.body, version.source)
    return spans_of_each(texts, [[rule_query(row) for row in rows] for rows in row_groups])
