"""SQLite's hot-path transactions: threads of one process take turns before asking SQLite for its lock."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from app import db as app_db
from app.db import driver_write_transaction
from app.extensions import db

pytestmark = pytest.mark.sqlite_only


def hold_turn(app, inside: threading.Event, release: threading.Event) -> threading.Thread:
    """A thread that sits inside driver_write_transaction until ``release`` is set."""

    def run() -> None:
        with app.app_context(), driver_write_transaction():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=run)
    thread.start()
    assert inside.wait(10)
    return thread


def test_a_waiting_thread_runs_once_the_holder_commits(app):
    inside, release = threading.Event(), threading.Event()
    holder = hold_turn(app, inside, release)
    waited: list[float] = []

    def wait_for_turn() -> None:
        with app.app_context(), driver_write_transaction() as driver:
            waited.append(time.monotonic())
            assert driver.in_transaction

    waiter = threading.Thread(target=wait_for_turn)
    waiter.start()
    time.sleep(0.2)
    assert not waited, "ran while another thread of this process held the write turn"
    released = time.monotonic()
    release.set()
    holder.join(10)
    waiter.join(10)
    assert waited and waited[0] - released < 1.0


def test_waiting_for_a_turn_gives_up_like_waiting_for_sqlites_lock(app, monkeypatch):
    monkeypatch.setattr(app_db, "BUSY_TIMEOUT_MS", 100)
    inside, release = threading.Event(), threading.Event()
    holder = hold_turn(app, inside, release)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"), driver_write_transaction():
            pass
    finally:
        release.set()
        holder.join(10)
    with driver_write_transaction() as driver:  # the turn is free again
        assert driver.in_transaction


def test_the_pool_hands_back_the_connection_used_last(app):
    one, two = db.engine.raw_connection(), db.engine.raw_connection()
    one.close()
    two.close()  # the pool now holds (at least) two idle connections
    with driver_write_transaction() as first:
        pass
    with driver_write_transaction() as second:
        pass
    assert first is second
