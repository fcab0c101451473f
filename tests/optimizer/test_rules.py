"""Scenario weeks whose right answers are known: conflicts, fixed events, moves, breaks, overload."""

from __future__ import annotations

from tests.optimizer.scenario import add, at, current_suggestions


def by_type(suggestions, kind):
    return [s for s in suggestions if s["type"] == kind]


def test_conflict_is_a_fact_without_confidence_and_says_what_to_do(planning_app, monday_morning):
    task = add("Write report", 0, "10:00", "11:00")
    meeting = add("Client call", 0, "10:30", "11:30", event_type="meeting")
    suggestions = current_suggestions(7, monday_morning)
    conflicts = by_type(suggestions, "conflict")
    assert [c["key"] for c in conflicts] == [f"conflict:{task}:{meeting}"]
    assert conflicts[0]["confidence"] is None  # an overlap is a fact, not an estimate
    reason = conflicts[0]["reason"]
    assert "30 min double-booked" in reason and "Client call" in reason
    assert "Keep 'Client call'" in reason and "Move 'Write report' to Mon 02 Mar 2026 09:00–10:00" in reason
    (move,) = by_type(suggestions, "move")
    assert (conflicts[0]["event_id"], conflicts[0]["proposed_start"]) == (task, move["proposed_start"])


def test_the_flexible_event_moves_to_the_earliest_free_working_slot(planning_app, monday_morning):
    add("Standup", 0, "09:00", "09:15", event_type="meeting")
    task = add("Write report", 0, "10:00", "11:00")
    add("Client call", 0, "10:30", "11:30", event_type="meeting")
    moves = by_type(current_suggestions(7, monday_morning), "move")
    assert len(moves) == 1 and moves[0]["event_id"] == task
    # 09:15-10:15 would overlap nothing but the task's own old place, which it leaves.
    assert (moves[0]["proposed_start"], moves[0]["proposed_end"]) == ("2026-03-02T09:15:00Z", "2026-03-02T10:15:00Z")
    assert moves[0]["confidence"] is None  # it follows from the conflict, a fact


def test_moves_never_start_in_the_past(planning_app):
    task = add("Write report", 0, "14:00", "15:00")
    add("Client call", 0, "14:00", "15:00", event_type="meeting")
    moves = by_type(current_suggestions(7, at(0, "11:07")), "move")
    assert [m["event_id"] for m in moves] == [task]
    assert moves[0]["proposed_start"] == "2026-03-02T11:15:00Z"  # now, rounded up to the quarter hour


def test_fixed_events_never_move(planning_app, monday_morning):
    add("Board meeting", 0, "10:00", "11:00", event_type="meeting")
    add("Dentist", 0, "10:30", "11:30", event_type="appointment")
    add("Pair session", 0, "13:00", "14:00", attendees=["sam@example.org"], tags=["flexible"])
    add("Pinned task", 0, "13:30", "14:30", tags=["pinned"])
    add("Imported", 0, "16:00", "17:00", source="ics", calendar_id="feed", external_id="x1")
    add("Overlapping import", 0, "16:30", "17:00", source="ics", calendar_id="feed", external_id="x2")
    suggestions = current_suggestions(7, monday_morning)
    assert len(by_type(suggestions, "conflict")) == 3
    assert by_type(suggestions, "move") == []


def test_a_meeting_tagged_flexible_may_move(planning_app, monday_morning):
    flexible = add("Solo planning", 0, "10:30", "11:00", event_type="meeting", tags=["flexible"])
    add("Board meeting", 0, "10:00", "11:00", event_type="meeting")
    assert [m["event_id"] for m in by_type(current_suggestions(7, monday_morning), "move")] == [flexible]


def test_of_two_flexible_events_the_later_one_moves(planning_app, monday_morning):
    add("Early task", 0, "10:00", "11:00")
    late = add("Late task", 0, "10:30", "11:30")
    assert [m["event_id"] for m in by_type(current_suggestions(7, monday_morning), "move")] == [late]


def test_a_full_day_sends_the_move_to_the_next_working_day(planning_app):
    add("Workshop", 0, "09:00", "12:00", event_type="meeting")
    task = add("Task", 0, "11:00", "12:00")
    add("Workshop 2", 0, "12:00", "17:00", event_type="meeting")
    friday_evening_rest = add("Weekend", 4, "09:00", "17:00", event_type="meeting")
    assert friday_evening_rest
    moves = by_type(current_suggestions(7, at(0, "08:00")), "move")
    assert [(m["event_id"], m["proposed_start"]) for m in moves] == [(task, "2026-03-03T09:00:00Z")]


def test_moves_skip_weekends_and_honour_working_hours(planning_app):
    task = add("Task", 4, "16:00", "17:00")
    add("Late meeting", 4, "16:30", "17:00", event_type="meeting")
    # Friday afternoon: the only earlier free time is gone because "now" is 16:00 Friday.
    moves = by_type(current_suggestions(7, at(4, "16:00")), "move")
    assert [(m["event_id"], m["proposed_start"]) for m in moves] == [(task, "2026-03-09T09:00:00Z")]


def test_break_after_the_longest_run_within_the_chain_limit(planning_app, monday_morning):
    first = add("One", 0, "09:00", "09:45", event_type="meeting")
    second = add("Two", 0, "09:45", "10:30", event_type="meeting")
    third = add("Three", 0, "10:35", "11:20", event_type="meeting")  # a 5-min gap is no break
    breaks = by_type(current_suggestions(7, monday_morning), "break")
    assert len(breaks) == 1
    assert breaks[0]["event_id"] == third and breaks[0]["event_ids"] == [first, second, third]
    assert (breaks[0]["proposed_start"], breaks[0]["proposed_end"]) == ("2026-03-02T10:30:00Z", "2026-03-02T10:45:00Z")
    assert breaks[0]["confidence"] == 0.58  # 140 min against a 120 min limit: 0.5 + 0.5 * 20 / 120


def test_no_break_at_exactly_the_limit_or_with_a_real_gap(planning_app, monday_morning):
    add("One", 0, "09:00", "10:00", event_type="meeting")
    add("Two", 0, "10:00", "11:00", event_type="meeting")  # 120 min: at the limit, not over it
    add("Three", 0, "13:00", "14:00", event_type="meeting")
    add("Four", 0, "14:15", "15:30", event_type="meeting")  # a 15-min gap is a break
    assert by_type(current_suggestions(7, monday_morning), "break") == []


def test_a_very_long_chain_gets_several_breaks(planning_app, monday_morning):
    for n in range(6):
        add(f"Meeting {n}", 0, f"{9 + n}:00".zfill(5), f"{10 + n}:00".zfill(5), event_type="meeting")
    breaks = by_type(current_suggestions(7, monday_morning), "break")
    assert [b["proposed_start"] for b in breaks] == ["2026-03-02T11:00:00Z", "2026-03-02T13:00:00Z"]


def test_focus_block_on_days_without_one(planning_app, monday_morning):
    add("Deep work", 0, "09:00", "11:00", event_type="block")
    add("Meeting", 1, "09:00", "12:00", event_type="meeting")
    add("Meeting", 1, "13:00", "16:00", event_type="meeting")
    focus = {s["key"]: s for s in by_type(current_suggestions(7, monday_morning), "focus_block")}
    assert "focus_block:2026-03-02" not in focus  # Monday has one
    assert "focus_block:2026-03-03" not in focus  # Tuesday's largest gap is 60 min, under 90
    wednesday = focus["focus_block:2026-03-04"]
    assert (wednesday["proposed_start"], wednesday["proposed_end"]) == ("2026-03-04T09:00:00Z", "2026-03-04T10:30:00Z")
    assert "focus_block:2026-03-07" not in focus  # Saturday is no working day


def test_overload_is_counted_in_the_app_time_zone(make_app):
    application = make_app({"app": {"timezone": "America/New_York"}, "planning": {"max_daily_hours": 8}})
    with application.app_context():
        zone = "America/New_York"
        add("Afternoon", 0, "14:00", "18:00", zone=zone, event_type="meeting")
        add("Evening", 0, "18:00", "23:00", zone=zone, event_type="meeting")
        suggestions = current_suggestions(7, at(0, "06:00", zone))
        overloads = by_type(suggestions, "overload")
        # 9 h on Monday in New York; in UTC it would be 5 h on Monday and 4 h on Tuesday, no overload.
        assert [o["key"] for o in overloads] == ["overload:2026-03-02"]
        assert "9.0 h" in overloads[0]["reason"]
        assert overloads[0]["proposed_start"] == "2026-03-02T05:00:00Z"


def test_overload_moves_flexible_work_to_a_day_with_room(planning_app, monday_morning):
    add("Meetings", 0, "08:00", "16:00", event_type="meeting")
    task = add("Task", 0, "16:00", "17:30")
    suggestions = current_suggestions(7, monday_morning)
    assert [o["key"] for o in by_type(suggestions, "overload")] == ["overload:2026-03-02"]
    moves = by_type(suggestions, "move")
    assert [(m["event_id"], m["proposed_start"]) for m in moves] == [(task, "2026-03-03T09:00:00Z")]


def test_cancelled_all_day_reminder_and_unscheduled_events_take_no_time(planning_app, monday_morning):
    add("Task", 0, "10:00", "11:00")
    add("Cancelled", 0, "10:00", "11:00", status="cancelled", event_type="meeting")
    add("Reminder", 0, "10:00", "10:15", event_type="reminder")
    add("Idea", 0, "10:00", "11:00", tags=["unscheduled"])
    add("Holiday", 0, "00:00", "23:59", all_day=True, event_type="meeting")
    assert by_type(current_suggestions(7, monday_morning), "conflict") == []
