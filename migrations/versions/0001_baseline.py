"""Baseline: the schema of release 0.1.0, the first with migrations.

Every table, and the full-text index of each backend: an FTS5 table kept in step by triggers on SQLite, a
stored weighted tsvector with a GIN index on PostgreSQL. A SQLite database made by 0.1.0 (no migration
history) already has all of this; app.schema stamps it with this revision instead of running it.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# An event's length in days as SQLite computes it (app.models.events.SPAN_SQL must be the same text).
SPAN_SQL = "(julianday(end_time) - julianday(start_time))"

SQLITE_SEARCH = [
    """CREATE VIRTUAL TABLE events_fts USING fts5(
        title, description, location,
        content='events', content_rowid='id', tokenize='unicode61 remove_diacritics 2',
        prefix='2 3')""",
    "CREATE VIRTUAL TABLE events_fts_terms USING fts5vocab(events_fts, instance)",
    """CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN
        INSERT INTO events_fts(rowid, title, description, location)
        VALUES (new.id, new.title, coalesce(new.description, ''), coalesce(new.location, ''));
    END""",
    """CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
        INSERT INTO events_fts(events_fts, rowid, title, description, location)
        VALUES ('delete', old.id, old.title, coalesce(old.description, ''), coalesce(old.location, ''));
    END""",
    """CREATE TRIGGER events_fts_update AFTER UPDATE OF title, description, location ON events
    BEGIN
        INSERT INTO events_fts(events_fts, rowid, title, description, location)
        VALUES ('delete', old.id, old.title, coalesce(old.description, ''), coalesce(old.location, ''));
        INSERT INTO events_fts(rowid, title, description, location)
        VALUES (new.id, new.title, coalesce(new.description, ''), coalesce(new.location, ''));
    END""",
]

# Title weighs most (A), then location (B), then description (C); 'simple' keeps words as written (no
# language's stemming), as SQLite's unicode61 tokenizer does.
POSTGRESQL_SEARCH = [
    """ALTER TABLE events ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(location, '')), 'B')
        || setweight(to_tsvector('simple', coalesce(description, '')), 'C')) STORED""",
    "CREATE INDEX ix_events_search ON events USING gin (search_vector)",
]


def upgrade() -> None:
    op.create_table(
        "commands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.String(length=200), nullable=False),
        sa.Column("command", sa.String(length=100), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", sa.DateTime(), nullable=False),
        sa.Column("lease_expires_at", sa.DateTime(), nullable=True),
        sa.Column("processed_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("failed_at", sa.DateTime(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("source_key", sa.String(length=1100), nullable=False),
        sa.Column("calendar_id", sa.String(length=255), nullable=True),
        sa.Column("external_id", sa.String(length=1024), nullable=True),
        sa.Column("event_title", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_key"),
    )
    op.create_index("ix_commands_due", "commands", ["system_id", "status", "id", "available_at"], unique=False)
    op.create_index("ix_commands_lease", "commands", ["status", "lease_expires_at"], unique=False)
    op.create_table(
        "dismissed_suggestions",
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=False),
        sa.Column("start_time", sa.DateTime(), nullable=False),
        sa.Column("end_time", sa.DateTime(), nullable=False),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column("all_day_date", sa.Date(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("calendar_id", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=1024), nullable=True),
        sa.Column("recurring_event_id", sa.String(length=1024), nullable=True),
        sa.Column("original_start_time", sa.DateTime(), nullable=True),
        sa.Column("upstream_updated", sa.String(length=64), nullable=True),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("event_type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("calendar_id", "external_id", name="uq_events_calendar_external"),
    )
    op.create_index(op.f("ix_events_calendar_id"), "events", ["calendar_id"], unique=False)
    op.create_index("ix_events_end", "events", ["end_time"], unique=False)
    op.create_index("ix_events_start", "events", ["start_time"], unique=False)
    op.create_index("ix_events_start_end", "events", ["start_time", "end_time"], unique=False)
    op.create_table(
        "heartbeats",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("beat_at", sa.DateTime(), nullable=False),
        sa.Column("interval_seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "job_records",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_started_at", sa.DateTime(), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(), nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=1100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("event_time", sa.DateTime(), nullable=True),
        sa.Column("event_end_time", sa.DateTime(), nullable=True),
        sa.Column("calendar_id", sa.String(length=255), nullable=False),
        sa.Column("external_id", sa.String(length=1024), nullable=True),
        sa.Column("event_details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_key"),
    )
    op.create_table(
        "pending_upstream_ops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=1024), nullable=False),
        sa.Column("op", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("calendar_id", "external_id", "op", name="uq_upstream_op"),
    )
    op.create_table(
        "planning_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("event_title", sa.String(length=200), nullable=False),
        sa.Column("suggestion_key", sa.String(length=500), nullable=False),
        sa.Column("previous_start", sa.DateTime(), nullable=False),
        sa.Column("previous_end", sa.DateTime(), nullable=False),
        sa.Column("new_start", sa.DateTime(), nullable=False),
        sa.Column("new_end", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("upstream_patch_queued", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_planning_actions_event_id"), "planning_actions", ["event_id"], unique=False)
    op.create_table(
        "sync_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("days_ahead", sa.Integer(), nullable=False),
        sa.Column("force_refresh", sa.Boolean(), nullable=False),
        sa.Column("calendar_id", sa.String(length=255), nullable=True),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_sync_jobs_status"), "sync_jobs", ["status"], unique=False)
    op.create_table(
        "sync_state",
        sa.Column("calendar_id", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("sync_token", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_counts", sa.JSON(), nullable=False),
        sa.Column("lock_owner", sa.String(length=64), nullable=True),
        sa.Column("lock_expires_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("calendar_id"),
    )
    op.create_table(
        "templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column("default_time", sa.String(length=5), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.String(length=255), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "upstream_deletions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=1024), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("calendar_id", "external_id", name="uq_upstream_deletion"),
    )
    op.create_table(
        "url_payloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=1100), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("event_time", sa.DateTime(), nullable=True),
        sa.Column("calendar_id", sa.String(length=255), nullable=False),
        sa.Column("external_id", sa.String(length=1024), nullable=True),
        sa.Column("event_details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_key"),
    )
    op.create_table(
        "event_analytics",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("duration_minutes", sa.Float(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("is_focus", sa.Boolean(), nullable=False),
        sa.Column("is_meeting", sa.Boolean(), nullable=False),
        sa.Column("time_of_day", sa.String(length=16), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "template_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["template_id"], ["templates.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_template_usage_template_id"), "template_usage", ["template_id"], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE INDEX ix_events_span ON events {SPAN_SQL}")
        for statement in SQLITE_SEARCH:
            op.execute(statement)
    else:
        for statement in POSTGRESQL_SEARCH:
            op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone; restore a backup instead")
