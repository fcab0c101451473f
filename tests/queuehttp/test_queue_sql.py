"""The queue's statements: one Core definition each, compiled once per backend in the driver's own style."""

from __future__ import annotations

import pytest

from app.services.command_sql import queue_sql


def test_each_backend_gets_its_own_claim_and_reap_and_shares_complete_and_state():
    lite, pg = queue_sql("sqlite"), queue_sql("postgresql")
    assert "FOR UPDATE" not in lite.claim.sql + lite.reap.sql
    assert "WHERE commands.id IN (SELECT due.id" in lite.claim.sql
    assert "FOR UPDATE SKIP LOCKED" in pg.claim.sql and "FOR UPDATE SKIP LOCKED" in pg.reap.sql
    assert pg.claim.sql.startswith("WITH due AS MATERIALIZED")
    for compiled in (lite, pg):
        assert compiled.complete.sql.startswith("UPDATE commands SET") and "RETURNING" in compiled.claim.sql
        assert compiled.complete.constants == {"status": "completed", "status_1": "processing"}


def test_statements_use_the_drivers_parameter_style_and_are_compiled_once():
    assert ":command_id" in queue_sql("sqlite").state.sql
    assert "%(command_id)s" in queue_sql("postgresql").state.sql
    assert queue_sql("sqlite") is queue_sql("sqlite")
    with pytest.raises(ValueError):
        queue_sql("mysql")


def test_a_callers_values_join_the_statements_constants():
    complete = queue_sql("sqlite").complete
    assert complete.params(command_id=7, now="t", result="{}") == {
        "status": "completed",
        "status_1": "processing",
        "command_id": 7,
        "now": "t",
        "result": "{}",
    }
