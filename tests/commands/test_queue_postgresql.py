"""PostgreSQL's own queue mechanics: a claim or a reap passes rows another transaction holds instead of waiting
for them, and the hot path's pooled connections go back to the pool as they came."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from app.db import write_transaction
from app.services import commands
from tests.commands.queue_helpers import expire_leases, fetch, seed

pytestmark = pytest.mark.postgresql_only


@contextmanager
def row_locked_elsewhere(database_url: str, command_id: int) -> Iterator[None]:
    """Another session holds this command's row lock (as a poll or an ack in flight does) until the block ends."""
    with psycopg.connect(database_url) as holder:
        holder.execute("SELECT id FROM commands WHERE id = %s FOR UPDATE", (command_id,))
        try:
            yield
        finally:
            holder.rollback()


def finishes_while_locked(app, work: Callable[[], Any]) -> Any:
    """Run ``work`` in a thread and return its result; fail if it waits for the lock (it would hang until the
    lock holder lets go, which happens only after this check)."""
    outcome: list[Any] = []

    def run() -> None:
        with app.app_context():
            outcome.append(work())

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "waited for a row another transaction holds instead of skipping it"
    return outcome[0]


def test_a_claim_skips_a_row_another_poll_is_taking(app, database_url):
    ids = seed(3)
    with row_locked_elsewhere(database_url, ids[0]):
        claimed = finishes_while_locked(app, lambda: commands.claim_commands("hub", limit=2))
    assert [c.id for c in claimed.commands] == ids[1:]
    assert fetch(ids[0]).status == "pending"  # left to whoever holds it


def test_a_reap_skips_a_lease_whose_ack_is_in_flight(app, database_url):
    ids = seed(2)
    commands.claim_commands("hub", limit=2)
    expire_leases(*ids)
    with row_locked_elsewhere(database_url, ids[0]):
        assert finishes_while_locked(app, commands.reap_expired_leases) == 1
    assert (fetch(ids[0]).status, fetch(ids[1]).status) == ("processing", "pending")


def test_pooled_connections_go_back_transactional(make_app):
    """The hot path runs in autocommit; the one pooled connection it used must afterwards roll back again."""
    with make_app({"database": {"pool_size": 1, "max_overflow": 0}}).app_context():
        [cid] = seed(1)
        commands.claim_commands("hub")
        commands.complete_command(cid, {})
        with pytest.raises(RuntimeError), write_transaction():
            commands.create_command(system_id="hub", command="X", parameters={}, source_key="rolled-back")
            raise RuntimeError("the caller's work failed")
        assert commands.status_counts("hub") == {
            "pending": 0,
            "processing": 0,
            "completed": 1,
            "failed": 0,
            "cancelled": 0,
        }
