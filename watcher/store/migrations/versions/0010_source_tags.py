"""source tags: the tags of the feed source an article version came from

`source_tag:` in a query looks for them, and a backfill matches stored versions, so they are
stored beside the version's own tags. Until now a feed entry's version kept its source's
tags as its tags (and only a feed entry is at a `source:NAME:KEY` location): those are
copied over, so that rules backfilled over an older archive see them too.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VERSIONS = sa.table(
    "article_versions",
    sa.column("path", sa.Text()),
    sa.column("tags", sa.JSON()),
    sa.column("source_tags", sa.JSON()),
)


def upgrade() -> None:
    with op.batch_alter_table("article_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source_tags", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )
    op.execute(
        sa.update(_VERSIONS)
        .where(_VERSIONS.c.path.startswith("source:", autoescape=True))
        .values(source_tags=_VERSIONS.c.tags)
    )


def downgrade() -> None:
    with op.batch_alter_table("article_versions", schema=None) as batch_op:
        batch_op.drop_column("source_tags")
