"""The schema repairs earlier releases made at every start-up, done once.

Drops an index that a later one replaced, and on SQLite rebuilds the search index when it was made by an
earlier definition (before the prefix indexes). A database created by the baseline needs neither.

Revision ID: 0002
Revises: 0001
"""

import logging

from alembic import op

from app.schema import revision_module

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger("chronos.migrations")

RETIRED_INDEXES = ["ix_commands_claim"]


def upgrade() -> None:
    for name in RETIRED_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_outdated_fts()


def _rebuild_outdated_fts() -> None:
    baseline = revision_module("0001")
    connection = op.get_bind()
    stored = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'events_fts'").scalar()
    wanted = baseline.SQLITE_SEARCH[0]
    if stored is not None and " ".join(stored.split()) == " ".join(wanted.split()):
        return
    log.warning(
        "rebuilding the events search index (its definition changed); on a large database this takes a while, once"
    )
    for name in ("events_fts_insert", "events_fts_delete", "events_fts_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS events_fts_terms")
    op.execute("DROP TABLE IF EXISTS events_fts")
    for statement in baseline.SQLITE_SEARCH:
        op.execute(statement)
    op.execute("INSERT INTO events_fts(events_fts) VALUES ('rebuild')")


def downgrade() -> None:
    pass
