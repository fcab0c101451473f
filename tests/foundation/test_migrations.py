"""Migrations: a database made by release 0.1.0 upgraded in place, `init-db` run again, processes starting at
once, and models that agree with the migrations — through real processes, on the backend under test."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, create_engine, text
from sqlalchemy.engine import Connection

from app import db as app_db
from app import schema
from app.data_copy import normalised_url
from app.db import write_transaction
from app.extensions import db
from app.models import Event
from app.timeutil import utcnow
from tests import databases
from tests.databases import row_counts
from tests.support import LiveServer, process_env

ROOT = Path(__file__).resolve().parents[2]
RELEASE_0_1_DB = ROOT / "tests" / "fixtures" / "release_0_1.db"
KEY = "migration-test-key-0123"
# Tables later migrations created, which a database made by release 0.1.0 does not have.
TABLES_ADDED_AFTER_0_1 = (
    "api_keys",
    "dashboard_sessions",
    "auth_failures",
    "audit_log",
    "webhook_firings",
    "webhook_deliveries",
    "webhooks",
    "push_channels",
)
INDEXES_ADDED_AFTER_0_1 = ("ix_commands_dead_letter",)
COLUMNS_ADDED_AFTER_0_1 = (
    ("sync_state", "last_success_at"),
    ("commands", "dead_letter_sent_at"),
    ("pending_upstream_ops", "claimed_by"),
)


def schema_differences(connection: Connection, metadata: MetaData | None = None) -> list:
    """What Alembic autogenerate would change to make the database match the models (empty: they agree),
    compared with the same options as `flask db migrate` and `flask db check`."""
    context = MigrationContext.configure(connection, opts=schema.AUTOGENERATE_OPTIONS)
    with schema.expected_comparison_warnings_silenced():
        return compare_metadata(context, db.metadata if metadata is None else metadata)


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def differences(url: str) -> list:
    engine = create_engine(normalised_url(url))
    try:
        with engine.connect() as connection:
            return schema_differences(connection)
    finally:
        engine.dispose()


def get_json(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {KEY}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def empty_database(tmp_path):
    """A database without any tables, of the backend under test, dropped afterwards."""
    url = databases.active().empty(tmp_path / "instance")
    yield url
    databases.active().drop(url)


@pytest.mark.sqlite_only
def test_a_database_made_by_release_0_1_is_upgraded_in_place_with_every_row_kept(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    path = instance / "chronos.db"
    shutil.copy(RELEASE_0_1_DB, path)
    url = f"sqlite:///{path}"
    before = row_counts(url)
    assert all(
        before[name] > 0
        for name in (
            "events",
            "event_analytics",
            "commands",
            "notes",
            "url_payloads",
            "templates",
            "template_usage",
            "sync_jobs",
            "sync_state",
        )
    )

    result = run_cli(["init-db"], process_env(instance, KEY))
    assert result.returncode == 0, result.stderr
    assert f"(upgraded from {schema.RELEASE_0_1_BASELINE} to {schema.head_revision()})" in result.stdout

    assert row_counts(url) == before
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(schema.head_revision(),)]
        location, tags, attendees = connection.execute(
            "SELECT location, tags, attendees FROM events WHERE title = 'Quarterly budget review'"
        ).fetchone()
        assert (location, json.loads(tags), json.loads(attendees)) == (
            "Room Atlas",
            ["finance", "board"],
            ["cfo@example.org"],
        )
        assert connection.execute("SELECT usage_count FROM templates WHERE title = 'Weekly retro'").fetchone() == (2,)
        assert connection.execute(
            "SELECT count(*) FROM commands WHERE command = 'RESTART' AND system_id = 'web-02'"
        ).fetchone() == (1,)
        assert connection.execute(
            "SELECT count(*) FROM notes WHERE text LIKE 'Ask about the migration window%'"
        ).fetchone() == (1,)
    assert differences(url) == []

    server = LiveServer(instance, KEY, with_daemon=False, database_url=url).start()
    try:
        found = get_json(f"{server.url}/api/v1/events?q=budget&direction=all&range=-1")
        assert [item["title"] for item in found["items"]] == ["Quarterly budget review"]
        event = get_json(f"{server.url}/api/v1/events/{found['items'][0]['id']}")
        assert (event["location"], event["start_time"]) == ("Room Atlas", "2026-12-01T10:00:00Z")
        by_location = get_json(f"{server.url}/api/v1/events?q=atlas&direction=all&range=-1")
        assert [item["id"] for item in by_location["items"]] == [event["id"]]
        offsite = get_json(f"{server.url}/api/v1/events?q=offsite&direction=all&range=-1")["items"][0]
        assert (offsite["all_day"], offsite["all_day_date"]) == (True, "2026-12-10")
        templates = get_json(f"{server.url}/api/v1/templates?q=retro")["items"]
        assert [(item["title"], item["usage_count"]) for item in templates] == [("Weekly retro", 2)]
    finally:
        server.stop()


def test_init_db_creates_an_empty_database_then_finds_it_up_to_date(tmp_path, empty_database):
    env = process_env(tmp_path / "instance", KEY, CHRONOS_DATABASE_URL=empty_database)
    first = run_cli(["init-db"], env)
    assert first.returncode == 0, first.stderr
    assert f"(upgraded from an empty database to {schema.head_revision()})" in first.stdout
    second = run_cli(["init-db"], env)
    assert second.returncode == 0, second.stderr
    assert "(up to date)" in second.stdout
    assert differences(empty_database) == []


def test_processes_starting_at_once_on_an_empty_database_migrate_it_once(tmp_path, empty_database):
    count = 4
    ready = tmp_path / "ready"
    ready.mkdir()
    env = process_env(
        tmp_path / "instance", KEY, CHRONOS_DATABASE_URL=empty_database, CHRONOS_SECRET_KEY="one-secret-for-all-of-them"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.foundation.cli_together", str(ready), str(count), "init-db"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-3000:]
        outcomes.append(out.strip().rsplit("(", 1)[-1].rstrip(")"))
    assert sorted(outcomes) == sorted(
        [f"upgraded from an empty database to {schema.head_revision()}"] + ["up to date"] * (count - 1)
    )
    engine = create_engine(normalised_url(empty_database))
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    finally:
        engine.dispose()
    assert versions == [schema.head_revision()]
    assert differences(empty_database) == []


def test_the_models_and_the_migrations_agree(app, database_url):
    """A model changed without a migration fails here (the search objects, not on the models, are left out)."""
    assert differences(database_url) == []


def test_flask_db_check_finds_nothing_to_migrate(tmp_path, database_url):
    """The developer's own check (Flask-Migrate's `db check`, through migrations/env.py) agrees."""
    result = run_cli(["db", "check"], process_env(tmp_path / "instance", KEY, CHRONOS_DATABASE_URL=database_url))
    assert result.returncode == 0, result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr
    assert "Warning" not in result.stderr


def test_the_models_and_migrations_check_sees_a_column_missing_from_the_migrations(app):
    changed = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["events"].append_column(Column("colour", Integer))
    with db.engine.connect() as connection:
        found = schema_differences(connection, changed)
    assert [(change[0], change[2], change[3].name) for change in found] == [("add_column", "events", "colour")]


def as_release_0_1(connection) -> None:
    """Make the database look like one made by release 0.1.0: its tables, no migration history."""
    connection.exec_driver_sql("DROP TABLE alembic_version")
    for table in TABLES_ADDED_AFTER_0_1:
        connection.exec_driver_sql(f"DROP TABLE {table}")
    for index in INDEXES_ADDED_AFTER_0_1:
        connection.exec_driver_sql(f"DROP INDEX {index}")
    for table, column in COLUMNS_ADDED_AFTER_0_1:
        connection.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")


@pytest.mark.sqlite_only
def test_upgrading_an_older_database_replaces_retired_indexes(app):
    with db.engine.begin() as connection:
        connection.exec_driver_sql("CREATE INDEX ix_commands_claim ON commands (system_id, status, available_at, id)")
        as_release_0_1(connection)
    schema.upgrade_database()
    with db.engine.connect() as connection:
        names = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "ix_commands_claim" not in names and "ix_commands_due" in names


@pytest.mark.sqlite_only
def test_upgrading_an_older_database_rebuilds_a_search_index_of_another_definition(app):
    start = utcnow()
    with write_transaction() as session:
        session.add(Event(title="Quarterly planning", start_time=start, end_time=start + timedelta(hours=1)))
    with db.engine.begin() as connection:  # the index as an earlier version defined it: no prefix indexes
        connection.exec_driver_sql("DROP TABLE events_fts")
        connection.exec_driver_sql(
            "CREATE VIRTUAL TABLE events_fts USING fts5(title, description, location, "
            "content='events', content_rowid='id')"
        )
        as_release_0_1(connection)
    schema.upgrade_database()
    with db.engine.connect() as connection:
        definition = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'events_fts'").scalar()
        found = connection.exec_driver_sql("SELECT count(*) FROM events_fts WHERE events_fts MATCH 'quar*'").scalar()
    assert "prefix=" in definition and found == 1


@pytest.mark.sqlite_only
def test_start_up_waits_for_another_process_preparing_the_database(app, monkeypatch, caplog):
    """A schema step longer than the busy timeout (an index rebuild) makes the other process wait, not fail."""
    import threading

    from sqlalchemy.exc import OperationalError

    with db.engine.begin() as connection:
        as_release_0_1(connection)  # so that start-up has a migration to do
    monkeypatch.setattr(app_db, "BUSY_TIMEOUT_MS", 50)
    db.engine.dispose()  # new connections take the short timeout
    holder = sqlite3.connect(db.engine.url.database, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    threading.Timer(0.6, lambda: holder.execute("COMMIT")).start()
    with caplog.at_level("INFO", logger="app.schema"):
        schema.upgrade_database()
    assert "another process is migrating the database" in caplog.text

    with db.engine.begin() as connection:
        as_release_0_1(connection)
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(schema, "LOCK_PATIENCE_SECONDS", 0.2)
    try:
        with pytest.raises((OperationalError, sqlite3.OperationalError), match="locked"):
            schema.upgrade_database()
    finally:
        holder.execute("COMMIT")
        holder.close()
        db.engine.dispose()
