"""hits without spans: highlights are found when a hit is shown

A hit's spans were stored as JSON at match time; they are now found again from the
article version and the rule version a hit points at, when a feed, page, digest or alert
shows it (watcher.percolator.spans). The column goes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hits", schema=None) as batch_op:
        batch_op.drop_column("matches")


def downgrade() -> None:
    with op.batch_alter_table("hits", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("matches", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )
