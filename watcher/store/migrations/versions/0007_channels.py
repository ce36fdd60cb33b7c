"""channels: what kind of delivery each outbox row is (digest, alert, summary)

Push channels and `deliver: immediate` share the outbox with the digests: a channel is a
subscriber row ("apprise", its name), each alert or summary a row of `digests` whose items
carry the unique (subscriber, hit). Only the kind is new, and an index for "what did this
channel get in the last hour" (rate limits, quiet hours).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=10), server_default="digest", nullable=False)
        )
        batch_op.create_index(
            "ix_digests_subscriber_id_created_at", ["subscriber_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.drop_index("ix_digests_subscriber_id_created_at")
        batch_op.drop_column("kind")
