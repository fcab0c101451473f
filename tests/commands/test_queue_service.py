"""The command queue's state machine through the service layer: claims, leases, acks, retries, cancels."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from app.api.command_schemas import ClaimResponse, CommandOut, CompleteResponse, FailResponse
from app.db import write_transaction
from app.errors import ConflictError, InvalidInputError, NotFoundError
from app.services import commands
from app.timeutil import utcnow
from tests.commands.queue_helpers import expire_leases, fetch, make_due, seed


def test_the_hot_path_refuses_to_run_inside_a_write_transaction(app):
    """Claims and acks are their own transactions: inside a caller's they would not join it (PostgreSQL) or
    would wait for its own write lock (SQLite), so they say so at once and leave the command as it was."""
    ids = seed(1)
    for action in (lambda: commands.claim_commands("hub"), lambda: commands.complete_command(ids[0], {})):
        with pytest.raises(RuntimeError), write_transaction():
            action()
    row = fetch(ids[0])
    assert (row.status, row.attempts) == ("pending", 0)


def test_create_command_is_idempotent_by_source_key(app):
    first, created = commands.create_command(
        system_id="hub",
        command="REBOOT",
        parameters={"args": ["a"]},
        source_key="google:primary:evt1",
        calendar_id="primary",
        external_id="evt1",
        event_title="ACTION: REBOOT hub a",
    )
    again, created_again = commands.create_command(
        system_id="other", command="BACKUP", parameters={}, source_key="google:primary:evt1"
    )
    assert (created, created_again) == (True, False)
    assert again.id == first.id and again.command == "REBOOT" and again.system_id == "hub"
    assert first.status == "pending" and first.attempts == 0 and first.max_attempts == 5
    assert commands.status_counts()["pending"] == 1


def test_create_command_takes_max_attempts_from_settings(make_app):
    with make_app({"commands": {"max_attempts": 2}}).app_context():
        cmd, _ = commands.create_command(system_id="hub", command="X", parameters={}, source_key="k")
        assert cmd.max_attempts == 2


def test_create_command_joins_the_outer_transaction(app):
    with pytest.raises(RuntimeError), write_transaction():
        commands.create_command(system_id="hub", command="X", parameters={}, source_key="rolled-back")
        raise RuntimeError("the event removal failed")
    assert commands.list_commands(None, None, 1, 10) == ([], 0)


def test_claim_takes_due_pending_commands_of_one_system_oldest_first(app):
    ids = seed(5)
    seed(2, system_id="elsewhere")
    claim = ClaimResponse.model_validate(commands.claim_commands("hub", limit=3)).model_dump(mode="json")
    assert [c["id"] for c in claim["commands"]] == ids[:3]
    assert claim["count"] == 3 and claim["system_id"] == "hub" and claim["retrieved_at"].endswith("Z")
    first = claim["commands"][0]
    assert set(first) == {
        "id",
        "command",
        "parameters",
        "status",
        "attempts",
        "created_at",
        "processed_at",
        "lease_expires_at",
    }
    assert first["status"] == "processing" and first["attempts"] == 1 and first["parameters"] == {"n": 0}
    row = fetch(ids[0])
    assert row.status == "processing" and row.lease_expires_at - row.processed_at == timedelta(seconds=300)
    assert [c.id for c in commands.claim_commands("hub", limit=10).commands] == ids[3:]
    assert commands.claim_commands("hub").commands == []
    assert commands.status_counts("elsewhere")["pending"] == 2


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_claim_limit_is_checked(app, limit):
    with pytest.raises(InvalidInputError) as caught:
        commands.claim_commands("hub", limit=limit)
    assert caught.value.field == "limit"


def test_expired_lease_is_redelivered_with_one_more_attempt(app):
    [cid] = seed(1)
    commands.claim_commands("hub")
    assert commands.claim_commands("hub").count == 0  # the lease holds
    expire_leases(cid)
    again = commands.claim_commands("hub").commands
    assert [c.id for c in again] == [cid] and again[0].attempts == 2


def test_real_short_lease_expires(make_app):
    with make_app({"commands": {"lease_seconds": 1}}).app_context():
        [cid] = seed(1)
        assert commands.claim_commands("hub").commands[0].attempts == 1
        assert commands.claim_commands("hub").count == 0
        time.sleep(1.1)
        assert commands.claim_commands("hub").commands[0].attempts == 2
        assert fetch(cid).status == "processing"


def test_lease_expiry_after_max_attempts_is_a_dead_letter(make_app):
    with make_app({"commands": {"max_attempts": 3}}).app_context():
        [cid] = seed(1)
        for attempt in (1, 2, 3):
            assert commands.claim_commands("hub").commands[0].attempts == attempt
            expire_leases(cid)
        assert commands.claim_commands("hub").count == 0
        row = fetch(cid)
        assert (row.status, row.error, row.attempts) == ("failed", "lease expired", 3)
        assert row.failed_at is not None and row.lease_expires_at is None


def test_reaper_job_returns_leases_without_a_poll(app):
    [cid, other] = seed(2)
    assert commands.reap_job() is False
    commands.claim_commands("hub", limit=2)
    expire_leases(cid)
    assert commands.reap_job() is True
    assert fetch(cid).status == "pending" and fetch(other).status == "processing"
    assert commands.reap_job() is False


def test_reaper_is_a_daemon_job(app):
    from daemon.jobs import default_jobs

    settings = app.config["CHRONOS_SETTINGS"]
    jobs = {name: (every, func) for every, func, name in default_jobs(settings)}
    assert jobs["command_lease_reaper"] == (settings.scheduler.lease_reap_seconds, commands.reap_job)


def test_complete_stores_the_result_and_repeating_it_changes_nothing(app):
    [cid] = seed(1)
    commands.claim_commands("hub")
    done = commands.complete_command(cid, {"output": "ok"})
    body = CompleteResponse.model_validate(done).model_dump(mode="json")
    assert body["status"] == "completed" and body["command_id"] == cid and body["completed_at"].endswith("Z")
    assert commands.complete_command(cid, {"output": "second"}) == done
    row = fetch(cid)
    assert row.result == {"output": "ok"} and row.lease_expires_at is None


@pytest.mark.parametrize("state", ["pending", "failed", "cancelled"])
def test_complete_from_other_states_is_a_conflict(app, state):
    [cid] = seed(1)
    _bring_to(cid, state)
    with pytest.raises(ConflictError) as caught:
        commands.complete_command(cid, {})
    assert caught.value.details["status"] == state
    assert fetch(cid).status == state


def test_fail_without_retry_is_final(app):
    [cid] = seed(1)
    commands.claim_commands("hub")
    answer = FailResponse.model_validate(commands.fail_command(cid, "disk full")).model_dump(mode="json")
    assert answer["status"] == "failed" and answer["error"] == "disk full" and answer["attempts"] == 1
    assert answer["failed_at"].endswith("Z") and "available_at" not in answer
    assert commands.claim_commands("hub").count == 0


def test_fail_with_retry_is_due_after_retry_after(app):
    [cid] = seed(1)
    commands.claim_commands("hub")
    before = utcnow()
    answer = commands.fail_command(cid, "busy", retry=True, retry_after=120)
    assert answer.status == "pending" and answer.failed_at is None
    row = fetch(cid)
    assert before + timedelta(seconds=119) < row.available_at < utcnow() + timedelta(seconds=121)
    assert commands.claim_commands("hub").count == 0  # not due yet
    make_due(cid)
    assert commands.claim_commands("hub").commands[0].attempts == 2


def test_fail_with_retry_zero_delay_is_due_at_once(app):
    [cid] = seed(1)
    commands.claim_commands("hub")
    commands.fail_command(cid, "busy", retry=True)
    assert commands.claim_commands("hub").commands[0].id == cid


def test_fail_with_retry_but_no_attempts_left_is_final(make_app):
    with make_app({"commands": {"max_attempts": 2}}).app_context():
        [cid] = seed(1)
        commands.claim_commands("hub")
        assert commands.fail_command(cid, "x", retry=True).status == "pending"
        commands.claim_commands("hub")
        answer = commands.fail_command(cid, "again", retry=True)
        assert (answer.status, answer.attempts) == ("failed", 2)


@pytest.mark.parametrize("state", ["pending", "completed", "failed", "cancelled"])
def test_fail_from_other_states_is_a_conflict(app, state):
    [cid] = seed(1)
    _bring_to(cid, state)
    with pytest.raises(ConflictError):
        commands.fail_command(cid, "x", retry=True)
    assert fetch(cid).status == state


def test_retry_requeues_a_failed_command_with_attempts_reset(app):
    [cid] = seed(1)
    _bring_to(cid, "failed")
    cmd = commands.retry_command(cid)
    assert (cmd.status, cmd.attempts, cmd.error, cmd.failed_at) == ("pending", 0, None, None)
    assert commands.claim_commands("hub").commands[0].attempts == 1


@pytest.mark.parametrize("state", ["pending", "processing", "completed", "cancelled"])
def test_retry_from_other_states_is_a_conflict(app, state):
    [cid] = seed(1)
    _bring_to(cid, state)
    with pytest.raises(ConflictError):
        commands.retry_command(cid)


def test_cancel_takes_a_pending_command_out_of_the_queue(app):
    [cid, other] = seed(2)
    cmd = commands.cancel_command(cid)
    assert cmd.status == "cancelled"
    assert [c.id for c in commands.claim_commands("hub").commands] == [other]


@pytest.mark.parametrize("state", ["processing", "completed", "failed", "cancelled"])
def test_cancel_from_other_states_is_a_conflict(app, state):
    [cid] = seed(1)
    _bring_to(cid, state)
    with pytest.raises(ConflictError):
        commands.cancel_command(cid)


@pytest.mark.parametrize(
    "action",
    [
        commands.cancel_command,
        commands.retry_command,
        commands.get_command,
        lambda cid: commands.complete_command(cid, {}),
        lambda cid: commands.fail_command(cid, "x"),
    ],
)
def test_unknown_command_is_not_found(app, action):
    with pytest.raises(NotFoundError):
        action(404)


def test_upstream_deletion_cancels_only_undelivered_commands(app):
    [waiting, delivered] = seed(2, prefix="src")
    commands.claim_commands("hub", limit=1)  # delivers `waiting`, the oldest
    waiting, delivered = delivered, waiting
    assert commands.cancel_commands_for_source("src:hub:1", "event deleted upstream") == 1
    assert commands.cancel_commands_for_source("src:hub:0", "event deleted upstream") == 0
    assert commands.cancel_commands_for_source("no-such-key", "x") == 0
    row = fetch(waiting)
    assert (row.status, row.error) == ("cancelled", "event deleted upstream")
    assert fetch(delivered).status == "processing"


def test_cancel_by_event(app):
    commands.create_command(
        system_id="hub", command="X", parameters={}, source_key="k1", calendar_id="primary", external_id="e1"
    )
    assert commands.cancel_commands_for_event("primary", "e1", "gone") == 1
    assert commands.status_counts()["cancelled"] == 1


def test_scheduled_command_is_not_delivered_before_it_is_due(app):
    start = utcnow() + timedelta(hours=1)
    [later] = seed(1, prefix="later", available_at=start)
    [now] = seed(1, prefix="now")
    assert [c.id for c in commands.claim_commands("hub").commands] == [now]
    make_due(later)
    assert [c.id for c in commands.claim_commands("hub").commands] == [later]


def test_list_filters_and_pages_newest_first(app):
    hub = seed(5)
    seed(3, system_id="nas")
    commands.claim_commands("hub", limit=2)
    items, total = commands.list_commands(None, "hub", 1, 2)
    assert total == 5 and [c.id for c in items] == [hub[4], hub[3]]
    items, total = commands.list_commands(None, "hub", 3, 2)
    assert total == 5 and [c.id for c in items] == [hub[0]]
    items, total = commands.list_commands("processing", None, 1, 10)
    assert total == 2 and {c.id for c in items} == set(hub[:2])
    assert commands.list_commands("pending", "nas", 1, 10)[1] == 3
    with pytest.raises(InvalidInputError):
        commands.list_commands("bogus", None, 1, 10)
    assert commands.status_counts() == {"pending": 6, "processing": 2, "completed": 0, "failed": 0, "cancelled": 0}


def test_command_answer_has_the_contract_fields_and_utc_times(app):
    cmd, _ = commands.create_command(
        system_id="hub",
        command="REBOOT",
        parameters={"args": ["x"]},
        source_key="k",
        calendar_id="primary",
        external_id="e",
        event_title="ACTION: REBOOT hub x",
    )
    body = CommandOut.model_validate(cmd).model_dump(mode="json")
    assert body["source"] == {"calendar_id": "primary", "external_id": "e", "event_title": "ACTION: REBOOT hub x"}
    for field in ("created_at", "updated_at", "available_at"):
        assert body[field].endswith("Z")
    assert body["max_attempts"] == 5 and body["processed_at"] is None


def _bring_to(cid: int, state: str) -> None:
    """Drive one command through real transitions into ``state``."""
    if state == "pending":
        return
    if state == "cancelled":
        commands.cancel_command(cid)
        return
    claimed = commands.claim_commands(fetch(cid).system_id).commands
    assert [c.id for c in claimed] == [cid]
    if state == "completed":
        commands.complete_command(cid, {})
    elif state == "failed":
        commands.fail_command(cid, "broken")


def test_every_status_is_reachable(app):
    states = ["pending", "processing", "completed", "failed", "cancelled"]
    ids = [seed(1, system_id=f"system-{state}")[0] for state in states]
    for cid, state in zip(ids, states, strict=True):
        _bring_to(cid, state)
        assert fetch(cid).status == state
    assert commands.status_counts() == dict.fromkeys(states, 1)
