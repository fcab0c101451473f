"""Consumed entries: one command per source event, the local copy removed, the upstream delete retried."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.db import write_transaction
from app.extensions import db
from app.models import Command, PendingUpstreamOp
from app.services.sync import retry_upstream_job, run_sync
from app.timeutil import utcnow
from tests.sync.helpers import soon, stored, timed


def commands() -> list[Command]:
    db.session.rollback()
    return list(db.session.execute(select(Command)).scalars())


def test_action_entry_becomes_one_command_and_is_deleted_upstream(google_app, fake_google):
    action = fake_google.add_event(**timed("ACTION: BACKUP nas-01 --full", soon(3)))
    fake_google.add_event(**timed("Normal meeting", soon(4)))

    first = run_sync()

    assert first["events_consumed"] == 1 and first["pending_upstream"] == 0
    [command] = commands()
    assert (command.system_id, command.command) == ("nas-01", "BACKUP")
    assert command.parameters["args"] == ["--full"]
    assert command.source_key == f"primary:{action['id']}"
    assert action["id"] not in stored()
    deletes = fake_google.calls("delete")
    assert len(deletes) == 1 and deletes[0]["path"].endswith(f"/events/{action['id']}")

    second = run_sync()  # the incremental answer carries the tombstone of our own delete
    third = run_sync(force_refresh=True)

    assert second["events_consumed"] == third["events_consumed"] == 0
    assert [(c.id, c.status) for c in commands()] == [(command.id, "pending")]  # not cancelled, not doubled
    assert len(fake_google.calls("delete")) == 1


def test_failed_upstream_delete_stays_pending_and_is_retried_until_it_succeeds(google_app, fake_google, sleeps):
    action = fake_google.add_event(**timed("ACTION: REBOOT web-1", soon(3)))
    fake_google.fail("delete", 503, times=6)  # more than one call's retries

    result = run_sync()

    assert result.get("error") is None
    assert result["events_consumed"] == 1 and result["pending_upstream"] == 1
    op = db.session.execute(select(PendingUpstreamOp)).scalar_one()
    assert op.attempts == 1 and "503" in op.last_error and op.next_attempt_at > utcnow()
    sent = len(fake_google.calls("delete"))
    assert retry_upstream_job() is False  # not due yet
    assert len(fake_google.calls("delete")) == sent

    with write_transaction() as session:  # time passes
        session.execute(update(PendingUpstreamOp).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    assert retry_upstream_job() is True

    assert db.session.execute(select(PendingUpstreamOp)).first() is None
    assert action["id"] not in {e["id"] for e in fake_google.live()}
    assert len(commands()) == 1
    assert run_sync()["pending_upstream"] == 0


def test_first_delete_failing_with_503_is_retried_within_the_call(google_app, fake_google):
    action = fake_google.add_event(**timed("NOTIZ: buy milk", soon(3)))
    fake_google.fail("delete", 503)

    result = run_sync()

    assert result["events_consumed"] == 1 and result["pending_upstream"] == 0
    assert len(fake_google.calls("delete")) == 2  # one 503, one success
    assert action["id"] not in {e["id"] for e in fake_google.live()}


def test_entry_deleted_upstream_before_delivery_cancels_its_command(google_app, fake_google):
    from app.services import commands as command_service

    command, created = command_service.create_command(
        system_id="nas-01", command="BACKUP", parameters={"args": []}, source_key="primary:manual1"
    )
    assert created
    fake_google.add_event(id="manual1", **timed("Ordinary", soon(3)))
    run_sync()
    fake_google.cancel_event("primary", "manual1")

    run_sync()

    db.session.rollback()
    assert db.session.get(Command, command.id).status == "cancelled"


def test_queued_patch_reaches_google(google_app, fake_google):
    event = fake_google.add_event(**timed("Movable", soon(3)))
    run_sync()
    with write_transaction() as session:
        session.add(
            PendingUpstreamOp(
                calendar_id="primary",
                source="google",
                external_id=event["id"],
                op="patch",
                payload={"start_time": "2030-01-01T10:00:00Z", "end_time": "2030-01-01T11:00:00Z"},
            )
        )

    assert retry_upstream_job() is True

    patched = fake_google.calendars["primary"][event["id"]]
    assert patched["start"]["dateTime"] == "2030-01-01T10:00:00Z"
    assert db.session.execute(select(PendingUpstreamOp)).first() is None
