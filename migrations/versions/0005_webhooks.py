"""Webhooks: subscriptions, the delivery outbox and log, planned timed firings, announced dead letters.

- `webhooks`: url, types, optional calendar filter, offset for event.starting, the signing secret (kept as
  given: signing needs it), enabled flag, why it was disabled, consecutive failed deliveries.
- `webhook_deliveries`: one message per webhook, written with the change it reports; retried until delivered
  or failed.
- `webhook_firings`: event.starting / event.ended messages planned per event and webhook, by due time.
- `commands.dead_letter_sent_at`: when a failed command was announced (command.failed); commands that failed
  before this release count as announced.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("calendars", sa.JSON(), nullable=True),
        sa.Column("offset_minutes", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["webhook_id"], ["webhooks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_webhook_deliveries_webhook", "webhook_deliveries", ["webhook_id", "id"])
    op.create_table(
        "webhook_firings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("fired_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["webhook_id"], ["webhooks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("webhook_id", "event_id", "type", name="uq_webhook_firing"),
    )
    op.create_index("ix_webhook_firings_due", "webhook_firings", ["fired_at", "due_at"])
    op.create_index("ix_webhook_firings_event", "webhook_firings", ["event_id"])
    op.add_column("commands", sa.Column("dead_letter_sent_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE commands SET dead_letter_sent_at = COALESCE(failed_at, updated_at) WHERE status = 'failed'")
    op.create_index("ix_commands_dead_letter", "commands", ["status", "dead_letter_sent_at"])


def downgrade() -> None:
    op.drop_index("ix_commands_dead_letter", table_name="commands")
    with op.batch_alter_table("commands") as batch:
        batch.drop_column("dead_letter_sent_at")
    op.drop_index("ix_webhook_firings_event", table_name="webhook_firings")
    op.drop_index("ix_webhook_firings_due", table_name="webhook_firings")
    op.drop_table("webhook_firings")
    op.drop_index("ix_webhook_deliveries_webhook", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_due", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
