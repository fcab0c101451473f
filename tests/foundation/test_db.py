"""The database: pragmas on every connection, FTS kept in step, and two writer processes without locking errors."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app import db as app_db
from app.db import driver_write_transaction, scalar_beside, write_transaction
from app.extensions import db
from app.models import Event
from app.timeutil import utcnow

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.sqlite_only
def test_pragmas_are_in_effect_on_a_fresh_connection(app):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


@pytest.mark.sqlite_only
def test_write_transaction_takes_the_write_lock_up_front(app):
    """Before any write statement runs, another connection already cannot start writing."""
    import sqlite3

    import pytest

    path = db.engine.url.database
    with write_transaction() as session:
        session.execute(text("SELECT 1"))  # only a read so far
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # released after the block
    other.execute("ROLLBACK")
    other.close()


@pytest.mark.sqlite_only
def test_plain_reads_do_not_take_the_write_lock(app):
    import sqlite3

    path = db.engine.url.database
    db.session.execute(text("SELECT count(*) FROM events")).scalar_one()  # a read transaction is open
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()
    db.session.rollback()


def test_nested_write_transactions_join_the_outer_one(app):
    start = utcnow()
    try:
        with write_transaction() as outer:
            outer.add(Event(title="outer", start_time=start, end_time=start + timedelta(hours=1)))
            with write_transaction() as inner:
                inner.add(Event(title="inner", start_time=start, end_time=start + timedelta(hours=1)))
            raise RuntimeError("roll both back")
    except RuntimeError:
        pass
    assert db.session.execute(select(func.count(Event.id))).scalar_one() == 0


@pytest.mark.sqlite_only
def test_driver_write_transaction_commits_or_rolls_back_and_holds_the_lock(app):
    import sqlite3

    import pytest

    path = db.engine.url.database
    stamp = "2030-01-01 09:00:00.000000"
    insert = (
        "INSERT INTO events (title, start_time, end_time, all_day, timezone, calendar_id, source, priority,"
        " event_type, status, description, location, attendees, tags, problems, created_at, updated_at)"
        " VALUES (?, ?, ?, 0, 'UTC', 'local', 'local', 'MEDIUM', 'meeting', 'scheduled', '', '',"
        " '[]', '[]', '[]', ?, ?)"
    )
    with driver_write_transaction() as driver:
        driver.execute(insert, ("kept", stamp, stamp, stamp, stamp))
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    with pytest.raises(RuntimeError), driver_write_transaction() as driver:
        driver.execute(insert, ("undone", stamp, stamp, stamp, stamp))
        raise RuntimeError("roll back")
    db.session.rollback()
    assert db.session.execute(select(Event.title)).scalars().all() == ["kept"]


@pytest.mark.sqlite_only
def test_driver_write_transaction_refuses_to_run_inside_a_write_transaction(app):
    import pytest

    with (
        write_transaction(),
        pytest.raises(RuntimeError, match="no open write_transaction"),
        driver_write_transaction(),
    ):
        pass


@pytest.mark.sqlite_only
def test_fts_index_follows_inserts_updates_and_deletes(app):
    start = utcnow()
    with write_transaction() as session:
        event = Event(
            title="Quarterly planning", description="budget", start_time=start, end_time=start + timedelta(hours=1)
        )
        session.add(event)
    match = text("SELECT rowid FROM events_fts WHERE events_fts MATCH :q")
    assert db.session.execute(match, {"q": "quarterly"}).scalars().all() == [event.id]
    with write_transaction():
        event.title = "Retrospective"
    assert db.session.execute(match, {"q": "quarterly"}).scalars().all() == []
    assert db.session.execute(match, {"q": "retrospective"}).scalars().all() == [event.id]
    with write_transaction() as session:
        session.delete(event)
    assert db.session.execute(match, {"q": "retrospective"}).scalars().all() == []


def test_two_processes_write_concurrently_without_locking_errors(app, tmp_path, database_url, postgresql):
    instance = Path(app.instance_path)
    count = 2000
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.foundation.writer_process",
                str(instance),
                database_url,
                label,
                str(count),
                "1",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for label in ("alpha", "beta")
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=240)
        assert writer.returncode == 0, err[-2000:]
        assert "database is locked" not in err
    db.session.rollback()
    for label in ("alpha", "beta"):
        stored = db.session.execute(select(func.count(Event.id)).where(Event.calendar_id == label)).scalar_one()
        assert stored == count
    if not postgresql:
        indexed = db.session.execute(text("SELECT count(*) FROM events_fts WHERE events_fts MATCH 'alpha OR beta'"))
        assert indexed.scalar_one() == 2 * count


def _threads_running(statement_text):
    """Names of the threads on which statements containing `statement_text` run, recorded as they start."""
    import threading

    from sqlalchemy import event as sa_event

    names = []

    def record(_conn, _cursor, statement, *_args):
        if statement_text in statement:
            names.append(threading.current_thread().name)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    return names, lambda: sa_event.remove(db.engine, "before_cursor_execute", record)


def _add_event(session, title):
    start = utcnow()
    session.add(Event(title=title, start_time=start, end_time=start + timedelta(hours=1)))


@pytest.mark.sqlite_only
def test_scalar_beside_runs_on_a_worker_connection_and_returns_the_value(app):
    with write_transaction() as session:
        _add_event(session, "One")
    names, stop = _threads_running("count(events.id)")
    try:
        value = scalar_beside(select(func.count(Event.id)), {})
        assert value() == 1
    finally:
        stop()
    assert names and names[0].startswith("chronos-read-beside")


@pytest.mark.sqlite_only
def test_scalar_beside_runs_inline_where_another_connection_would_read_other_data(app):
    """Inside a write transaction the caller's uncommitted rows count; with every worker busy it runs now."""
    names, stop = _threads_running("count(events.id)")
    try:
        with write_transaction() as session:
            _add_event(session, "Not yet committed")
            session.flush()
            assert scalar_beside(select(func.count(Event.id)), {})() == 1
        held = [app_db._beside_free.acquire(blocking=False) for _ in range(app_db._BESIDE_WORKERS)]
        try:
            assert all(held) and scalar_beside(select(func.count(Event.id)), {})() == 1
        finally:
            for _ in held:
                app_db._beside_free.release()
    finally:
        stop()
    assert names == ["MainThread", "MainThread"]


def _open_new_file_at(path: str, start: float, outcomes) -> None:
    """One process opening a database file as the app does (busy timeout, then WAL), at a shared instant."""
    import sqlite3
    import time

    while time.time() < start:
        pass
    try:
        connection = sqlite3.connect(path, timeout=10, isolation_level=None)
        cursor = connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={app_db.BUSY_TIMEOUT_MS}")
        app_db.switch_to_wal(cursor)
        cursor.close()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("CREATE TABLE IF NOT EXISTS t (x)")
        connection.execute("COMMIT")
        outcomes.put("ok")
    except Exception as error:  # reported to the test, which names it
        outcomes.put(repr(error))


@pytest.mark.sqlite_only
def test_processes_opening_a_new_database_file_at_once_all_switch_it_to_wal(tmp_path):
    """SQLite refuses a concurrent switch to WAL at once ("database is locked", no busy handler): the app waits."""
    import multiprocessing
    import time

    context = multiprocessing.get_context("fork")
    outcomes = context.Queue()
    for round_number in range(40):
        start = time.time() + 0.05
        processes = [
            context.Process(target=_open_new_file_at, args=(str(tmp_path / f"{round_number}.db"), start, outcomes))
            for _ in range(4)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=30)
    results = [outcomes.get(timeout=5) for _ in range(160)]
    assert [result for result in results if result != "ok"] == []
