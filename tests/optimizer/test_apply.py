"""auto_apply against a dry run, dismissals, applying one suggestion, and upstream patches."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from app.api.planning_schemas import AppliedOut
from app.errors import ConflictError, NotFoundError
from app.extensions import db
from app.models import Event, EventAnalytics, PendingUpstreamOp, PlanningAction
from app.services import planning
from tests.optimizer.scenario import add, all_times, at, current_suggestions, optimize


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def conflicted_week():
    task = add("Write report", 0, "10:00", "11:00")
    meeting = add("Client call", 0, "10:30", "11:30", event_type="meeting")
    synced = add("Synced task", 1, "10:00", "11:00", source="google", calendar_id="primary", external_id="g-1")
    add(
        "Synced call",
        1,
        "10:00",
        "11:00",
        event_type="meeting",
        source="google",
        calendar_id="primary",
        external_id="g-2",
    )
    return task, meeting, synced


def test_dry_run_changes_nothing(planning_app, monday_morning):
    conflicted_week()
    before = all_times()
    result = optimize(7, auto_apply=False, now=monday_morning)
    assert result["applied"] == [] and len([s for s in result["suggestions"] if s["type"] == "move"]) == 2
    assert all_times() == before
    assert count(PlanningAction) == 0 and count(PendingUpstreamOp) == 0


def test_auto_apply_moves_only_flexible_events_and_reports_them(planning_app, monday_morning):
    task, meeting, synced = conflicted_week()
    before = all_times()
    result = optimize(7, auto_apply=True, now=monday_morning)
    after = all_times()
    assert {a["event_id"] for a in result["applied"]} == {task, synced}
    assert after[meeting] == before[meeting]
    for item in result["applied"]:
        assert (item["new_start"], item["new_end"]) != (item["previous_start"], item["previous_end"])
    moved = after[task]
    assert moved[0] >= at(0, "09:00") and moved[1] <= at(0, "17:00")
    intervals = sorted(after.values())
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(intervals))  # both conflicts are gone
    assert count(PlanningAction) == 2
    # A second run finds nothing left to move: the first one solved the conflicts.
    assert optimize(7, auto_apply=True, now=monday_morning)["applied"] == []


def test_synced_moves_queue_one_upstream_patch(planning_app, monday_morning):
    _task, _meeting, synced = conflicted_week()
    result = optimize(7, auto_apply=True, now=monday_morning)
    patch = db.session.scalars(select(PendingUpstreamOp)).one()
    applied = next(a for a in result["applied"] if a["event_id"] == synced)
    assert applied["upstream_patch_queued"] is True
    assert (patch.op, patch.source, patch.calendar_id, patch.external_id) == ("patch", "google", "primary", "g-1")
    assert patch.payload == {"start_time": applied["new_start"], "end_time": applied["new_end"]}


def test_dismissed_move_is_neither_suggested_nor_applied(planning_app, monday_morning):
    task, _meeting, _synced = conflicted_week()
    move = next(s for s in current_suggestions(7, monday_morning) if s["type"] == "move" and s["event_id"] == task)
    planning.dismiss_suggestion(move["key"])
    planning.dismiss_suggestion(move["key"])  # twice is fine
    keys = {s["key"] for s in current_suggestions(7, monday_morning)}
    assert move["key"] not in keys
    applied = optimize(7, auto_apply=True, now=monday_morning)["applied"]
    assert task not in {a["event_id"] for a in applied}


def test_dismissing_a_conflict_drops_its_move(planning_app, monday_morning):
    task, meeting, _synced = conflicted_week()
    planning.dismiss_suggestion(f"conflict:{task}:{meeting}")
    suggestions = current_suggestions(7, monday_morning)
    assert task not in {s["event_id"] for s in suggestions if s["type"] in ("move", "conflict")}


def test_apply_one_suggestion_by_key(planning_app, monday_morning):
    task, meeting, _synced = conflicted_week()
    move = next(s for s in current_suggestions(7, monday_morning) if s["event_id"] == task and s["type"] == "move")
    applied = AppliedOut.model_validate(planning.apply_suggestion(move["key"], now=monday_morning))
    assert applied.event_id == task and applied.model_dump(mode="json")["new_start"] == move["proposed_start"]
    with pytest.raises(NotFoundError):  # solved: the suggestion is gone
        planning.apply_suggestion(move["key"], now=monday_morning)
    with pytest.raises(ConflictError):
        planning.apply_suggestion(f"conflict:{_synced}:{_synced + 1}", now=monday_morning)
    newest = db.session.scalars(select(PlanningAction).order_by(PlanningAction.id.desc())).first()
    assert newest is not None and newest.event_id == task and newest.actor == "apply"
    assert meeting


def test_applying_a_focus_block_books_it_and_it_does_not_come_back(planning_app, monday_morning):
    key = "focus_block:2026-03-02"
    suggestion = next(s for s in current_suggestions(7, monday_morning) if s["key"] == key)
    booked = planning.apply_suggestion(key, now=monday_morning)
    db.session.rollback()
    event = db.session.get(Event, booked.event_id)
    assert event.event_type == "block" and "focus" in event.tags
    assert event.start_time.isoformat().replace("+00:00", "Z") == suggestion["proposed_start"]
    assert key not in {s["key"] for s in current_suggestions(7, monday_morning)}


def test_moves_rerun_the_plugins_at_the_new_time(planning_app):
    task = add("Evening task", 0, "19:30", "20:30", tags=["late_work"])  # as the wellness plugin tagged it
    add("Evening call", 0, "19:30", "20:30", event_type="meeting")
    db.session.rollback()
    optimize(7, auto_apply=True, now=at(0, "07:00"))
    db.session.rollback()
    moved = db.session.get(Event, task)
    assert moved.start_time == at(0, "09:00")
    assert "late_work" not in moved.tags  # the wellness plugin saw the event at its new, daytime slot
    assert db.session.get(EventAnalytics, task).time_of_day == "morning"  # and the analytics plugin too
