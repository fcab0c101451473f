"""/health names the backend and checks its own full-text index (FTS5 on SQLite, the GIN index on PostgreSQL)."""

from __future__ import annotations

from app.extensions import db


def test_health_reports_the_backend_and_its_search_index(client, postgresql):
    body = client.get("/health").get_json()
    assert body["database"] == {"status": "ok", "type": "postgresql" if postgresql else "sqlite"}
    assert body["fts5"] == {"status": "available"}


def test_a_missing_search_index_makes_health_degraded(app, client, postgresql):
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_events_search" if postgresql else "DROP TABLE events_fts")
    assert client.get("/health").get_json()["fts5"] == {"status": "missing"}
