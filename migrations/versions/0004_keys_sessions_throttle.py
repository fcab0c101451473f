"""Least privilege: API keys with scopes, server-side dashboard sessions, failed sign-in counts.

- `api_keys`: a name, the SHA-256 of the key (never the key), its scopes, when it was made, last used, revoked.
- `dashboard_sessions`: one row per dashboard sign-in; the cookie carries the id, and signing out ends the row.
- `auth_failures`: failed sign-ins per kind (login, api), address and fixed time window, shared by every web
  process so that throttling holds however many there are.
- `audit_log`: every change made through the API or the dashboard, with the name of the key that made it.
- `sync_state.last_success_at`: when a calendar's sync last succeeded (`last_sync_at` counts failures too),
  filled from `last_sync_at` where the last run succeeded.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_api_keys_key_hash", "api_keys", ["key_hash"], unique=True)
    op.create_table(
        "dashboard_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_dashboard_sessions_key_hash"), "dashboard_sessions", ["key_hash"], unique=False)
    op.create_table(
        "auth_failures",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("window_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "address", "window_index"),
    )
    op.create_index("ix_auth_failures_window", "auth_failures", ["window_index"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("key_name", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.add_column("sync_state", sa.Column("last_success_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE sync_state SET last_success_at = last_sync_at WHERE status = 'ok'")


def downgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("last_success_at")
    op.drop_table("audit_log")
    op.drop_index("ix_auth_failures_window", table_name="auth_failures")
    op.drop_table("auth_failures")
    op.drop_index(op.f("ix_dashboard_sessions_key_hash"), table_name="dashboard_sessions")
    op.drop_table("dashboard_sessions")
    op.drop_index("ix_api_keys_key_hash", table_name="api_keys")
    op.drop_table("api_keys")
