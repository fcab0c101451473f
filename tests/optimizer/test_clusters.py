"""Overlaps grouped into one conflict per cluster with what to do, and suggestions that taking another one
would immediately create are never offered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.plugins import EventData
from app.services import planning
from app.services.conflicts import clusters, double_booked_minutes
from tests.optimizer.scenario import add, at, current_suggestions, optimize


def by_type(suggestions, kind):
    return [s for s in suggestions if s["type"] == kind]


def event(event_id: int, start: str, end: str) -> EventData:
    day = datetime(2026, 3, 2, tzinfo=UTC)
    clock = lambda text: day + timedelta(hours=int(text[:2]), minutes=int(text[3:]))  # noqa: E731
    return EventData(title=f"E{event_id}", start_time=clock(start), end_time=clock(end), id=event_id)


def test_a_chain_of_overlaps_is_one_cluster_and_a_gap_starts_another():
    found = clusters(
        [
            event(1, "09:00", "10:00"),
            event(2, "09:30", "11:00"),
            event(3, "10:30", "11:30"),  # overlaps 2 but not 1: still the same double booking
            event(4, "11:30", "12:00"),  # starts as 3 ends: no overlap
            event(5, "13:00", "14:00"),
            event(6, "13:00", "13:30"),
        ]
    )
    assert [c.ids for c in found] == [(1, 2, 3), (5, 6)]
    assert found[0].key == "conflict:1:2:3"
    assert double_booked_minutes(found[0].events) == 30 + 30
    assert double_booked_minutes(found[1].events) == 30


def test_four_events_at_one_hour_are_one_conflict_that_says_what_to_do(planning_app, monday_morning):
    ids = [
        add("Budget review", 0, "10:00", "11:00", event_type="meeting"),
        add("Vendor call", 0, "10:00", "10:50", event_type="meeting"),
        add("Hiring sync", 0, "10:00", "10:40", event_type="meeting", attendees=["sam@example.org"]),
        add("Roadmap draft", 0, "10:00", "10:30"),
    ]
    suggestions = current_suggestions(7, monday_morning)
    (conflict,) = by_type(suggestions, "conflict")  # not six pairs
    assert conflict["key"] == "conflict:" + ":".join(str(i) for i in sorted(ids))
    assert conflict["event_ids"] == sorted(ids) and conflict["confidence"] is None
    reason = conflict["reason"]
    assert reason.startswith("4 events overlap on Mon 02 Mar 2026 10:00–11:00 (50 min double-booked)")
    assert "Keep 'Budget review'." in reason
    (move,) = by_type(suggestions, "move")
    assert move["event_id"] == ids[3] and move["proposed_start"] == "2026-03-02T09:00:00Z"
    assert "Move 'Roadmap draft' to Mon 02 Mar 2026 09:00–09:30" in reason
    # The fixed ones are named with a free slot each (never the same one) for their owner to pick.
    assert "Chronos cannot move 'Vendor call' (it is a meeting): move it yourself, for example to" in reason
    assert "Chronos cannot move 'Hiring sync' (it has attendees)" in reason
    assert (conflict["event_id"], conflict["proposed_start"]) == (ids[3], move["proposed_start"])


def test_a_conflict_that_nothing_can_solve_names_no_proposed_time(planning_app):
    add("Board", 4, "16:00", "17:00", event_type="meeting")
    add("Dentist", 4, "16:00", "17:00", event_type="appointment")
    (conflict,) = by_type(current_suggestions(1, at(4, "16:00")), "conflict")  # now: both have begun
    assert conflict["proposed_start"] is None and conflict["proposed_end"] is None
    assert "Chronos cannot move 'Dentist' (it is an appointment)" in conflict["reason"]


def test_overloads_are_facts_and_breaks_and_focus_blocks_keep_a_confidence(planning_app, monday_morning):
    add("Meetings", 0, "08:00", "17:00", event_type="meeting")
    add("One", 1, "09:00", "10:00", event_type="meeting")
    add("Two", 1, "10:00", "11:30", event_type="meeting")
    suggestions = current_suggestions(7, monday_morning)
    assert [o["confidence"] for o in by_type(suggestions, "overload")] == [None]
    assert all(0.5 <= b["confidence"] <= 1 for b in by_type(suggestions, "break"))
    assert by_type(suggestions, "focus_block") and all(f["confidence"] for f in by_type(suggestions, "focus_block"))


def test_applying_a_focus_block_raises_no_break(planning_app, monday_morning):
    add("One", 0, "09:00", "10:00", event_type="meeting")
    add("Two", 0, "10:00", "11:00", event_type="meeting")  # a 120-min run: at the limit, no break yet
    before = current_suggestions(7, monday_morning)
    assert by_type(before, "break") == []
    focus = next(s for s in before if s["key"] == "focus_block:2026-03-02")
    # Right after the run (11:00) would make it 210 min long; the block starts a break's length later.
    assert (focus["proposed_start"], focus["proposed_end"]) == ("2026-03-02T11:15:00Z", "2026-03-02T12:45:00Z")
    planning.apply_suggestion(focus["key"], now=monday_morning)
    after = current_suggestions(7, monday_morning)
    assert by_type(after, "break") == [] and by_type(after, "conflict") == []
    assert "focus_block:2026-03-02" not in {s["key"] for s in after}


def test_applying_a_move_raises_no_break_and_solves_the_conflict(planning_app, monday_morning):
    add("Workshop", 0, "09:00", "11:00", event_type="meeting")
    task = add("Write report", 0, "09:30", "10:30")
    (move,) = by_type(current_suggestions(7, monday_morning), "move")
    assert move["event_id"] == task and move["proposed_start"] == "2026-03-02T11:15:00Z"  # not 11:00: no chain
    result = optimize(7, auto_apply=True, now=monday_morning)
    assert [a["event_id"] for a in result["applied"]] == [task]
    after = current_suggestions(7, monday_morning)
    assert by_type(after, "break") == [] and by_type(after, "conflict") == [] and by_type(after, "move") == []


def test_every_suggestion_type_leaves_no_new_one_when_applied(planning_app, monday_morning):
    """Apply each applicable suggestion of a busy week one by one: nothing new (other than what was there)."""
    add("Standup", 0, "09:00", "09:15", event_type="meeting")
    add("Review", 0, "09:15", "10:45", event_type="meeting")
    add("Draft", 0, "10:00", "11:00")
    add("Call", 1, "13:00", "14:30", event_type="meeting")
    add("Notes", 1, "13:30", "14:00")
    first = current_suggestions(7, monday_morning)
    keys = {s["key"] for s in first}
    for suggestion in [s for s in first if s["type"] in ("move", "focus_block")]:
        planning.apply_suggestion(suggestion["key"], now=monday_morning)
        now_there = {s["key"] for s in current_suggestions(7, monday_morning)}
        assert now_there - keys == set(), now_there - keys
