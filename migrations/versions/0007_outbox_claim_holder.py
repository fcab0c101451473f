"""Outbox claims name their holder: `pending_upstream_ops.claimed_by` is the heartbeat name of the daemon that
took the row, so a row claimed by a daemon that died (its heartbeat stale, or its process gone on this host) can
be taken again at once instead of after its whole lease.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pending_upstream_ops") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pending_upstream_ops") as batch:
        batch.drop_column("claimed_by")
