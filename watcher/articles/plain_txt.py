"""Reader for an ordinary .txt file: the first non-blank line is the headline, the rest the body."""

from __future__ import annotations

from typing import TYPE_CHECKING

from watcher.articles.decode import tidy_block
from watcher.model import Article

if TYPE_CHECKING:
    from watcher.articles import ReadContext


def read_plain(text: str, ctx: ReadContext) -> Article:
    """One article: headline from the first non-blank line; source and time from `ctx`."""
    head, _, rest = text.lstrip().partition("\n")
    return Article(
        title=head.strip(),
        lead="",
        body=tidy_block(rest),
        source=ctx.default_source,
        published=ctx.mtime,
    )
