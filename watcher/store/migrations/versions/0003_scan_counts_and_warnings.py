"""scan counts (duplicate, waiting, warnings) and ingest warnings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Earlier scans counted duplicate and waiting files as unchanged, and no warnings.
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("duplicate", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("waiting", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("warnings", sa.Integer(), server_default="0", nullable=False))
    # Every row recorded so far is a file that could not be ingested.
    with op.batch_alter_table("ingest_errors", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("level", sa.String(length=16), server_default="error", nullable=False)
        )


def downgrade() -> None:
    # Warnings were not kept before this revision.
    op.execute(sa.text("DELETE FROM ingest_errors WHERE level = 'warning'"))
    with op.batch_alter_table("ingest_errors", schema=None) as batch_op:
        batch_op.drop_column("level")
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.drop_column("warnings")
        batch_op.drop_column("waiting")
        batch_op.drop_column("duplicate")
