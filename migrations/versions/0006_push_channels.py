"""Push channels: the notification channels opened for synced calendars (Google push notifications).

- `push_channels`: one row per channel: its id and secret token (what the provider sends back with each notice),
  the local calendar and account it watches, the address notices go to, the provider's resource id, its state,
  expiry and message count.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_channels",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=128), nullable=False),
        sa.Column("calendar_id", sa.String(length=255), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=1024), nullable=False),
        sa.Column("resource_id", sa.String(length=255), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_message_at", sa.DateTime(), nullable=True),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_push_channels_calendar_id"), "push_channels", ["calendar_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_push_channels_calendar_id"), table_name="push_channels")
    op.drop_table("push_channels")
