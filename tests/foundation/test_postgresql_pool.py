"""PostgreSQL's connection pool: a connection the server closed while it sat idle is replaced, not used."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from app import db as app_db
from app.extensions import db

pytestmark = pytest.mark.postgresql_only


def pooled_backend_pid() -> int:
    """The server process of the connection the pool hands out next (used, then returned to the pool)."""
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def terminate(pid: int, database_url: str) -> None:
    """End a server process from outside the app's pool, as a server restart or an idle timeout would."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_connection_closed_by_the_server_while_idle_is_replaced(app, client, monkeypatch, database_url):
    monkeypatch.setattr(app_db, "IDLE_CHECK_SECONDS", 0.0)
    db.session.remove()
    db.engine.dispose()
    victim = pooled_backend_pid()  # the pool's one connection, now idle
    terminate(victim, database_url)
    assert client.get("/health").get_json()["database"]["status"] == "ok"
    assert pooled_backend_pid() != victim


def test_busy_connections_are_not_checked_on_every_checkout(app, monkeypatch):
    statements: list[str] = []
    monkeypatch.setattr(app_db, "IDLE_CHECK_SECONDS", 3600.0)
    first = pooled_backend_pid()
    from sqlalchemy import event

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert pooled_backend_pid() == first
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert statements == ["SELECT pg_backend_pid()"]
