"""Alembic environment: migrations run on the app's engine, one process at a time.

app.schema.upgrade_database hands over a connection that already holds the migration lock (SQLite's write
lock, or a PostgreSQL advisory lock); `flask db ...` commands from Flask-Migrate get one here.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from app.extensions import db


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from app.schema import migration_lock

    with db.engine.connect() as connection, migration_lock(connection):
        _run(connection)


def _run(connection: Connection) -> None:
    # The same comparison rules as the suite's models-versus-migrations check, so that `flask db migrate`
    # proposes exactly the changes that check would report.
    from app.schema import AUTOGENERATE_OPTIONS, expected_comparison_warnings_silenced

    context.configure(connection=connection, target_metadata=db.metadata, render_as_batch=True, **AUTOGENERATE_OPTIONS)
    with expected_comparison_warnings_silenced():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `chronos init-db`")
run_migrations_online()
