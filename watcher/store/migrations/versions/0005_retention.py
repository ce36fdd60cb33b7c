"""indexes for retention: versions by when they were archived, and the foreign keys a prune
deletes through (without them each deleted row makes the database scan the referring table)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, index, column)
INDEXES = (
    ("article_versions", "ix_article_versions_created_at", "created_at"),
    ("article_locations", "ix_article_locations_article_id", "article_id"),
    ("hits", "ix_hits_article_version_id", "article_version_id"),
    ("digest_items", "ix_digest_items_hit_id", "hit_id"),
)


def upgrade() -> None:
    for table, index, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(index, [column], unique=False)


def downgrade() -> None:
    for table, index, _ in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(index)
