"""Private calendars (`calendar.per_calendar.<id>.work: false`) stay out of work-only metrics: the report,
the wellness tags, the dashboard's day warnings; and the demo calendar tells one consistent story."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.api.planning_schemas import ProductivityOut
from app.extensions import db
from app.models import Event
from app.services import calendars, events, planning
from app.services.analytics import productivity_report
from app.services.plugin_context import HostContext
from app.services.sync import run_sync
from app.services.wellness import day_warnings
from app.timeutil import today
from tests.optimizer.scenario import add, at, current_suggestions, times

PRIVATE = {"calendar": {"per_calendar": {"family": {"work": False}}}}


@pytest.fixture
def family_app(make_app):
    application = make_app(PRIVATE)
    with application.app_context():
        yield application


def create(title: str, start: str, end: str, calendar_id: str = "local", **fields) -> Event:
    event, _consumed = events.create_event(
        {"title": title, "start_time": start, "end_time": end, "calendar_id": calendar_id, **fields}
    )
    return event


def test_private_calendars_come_from_the_setting(family_app):
    assert calendars.private_calendars() == frozenset({"family", "personal"})  # the committed demo default too
    context = HostContext(calendars.current_settings())
    assert context.is_work_calendar("local") and not context.is_work_calendar("family")


def test_report_leaves_private_time_out_of_work_figures(family_app):
    add("Team call", 0, "10:00", "11:00", event_type="meeting")  # Monday 2026-03-02
    add("Late deploy", 0, "20:00", "21:00")  # work after the late hour
    add("Family dinner", 0, "19:00", "21:30", calendar_id="family")
    add("Kids football", 5, "09:00", "12:00", calendar_id="family")  # Saturday
    data = ProductivityOut.model_validate(
        productivity_report(start=date(2026, 3, 2), end=date(2026, 3, 8), now=at(7, "12:00"))
    ).model_dump(mode="json")
    totals = data["totals"]
    assert (totals["scheduled_hours"], totals["meeting_hours"], totals["personal_hours"]) == (2.0, 1.0, 5.5)
    monday, saturday = data["hours_per_day"][0], data["hours_per_day"][5]
    assert (monday["hours"], monday["personal_hours"], monday["events"]) == (2.0, 2.5, 2)
    assert (saturday["hours"], saturday["personal_hours"], saturday["events"]) == (0.0, 3.0, 0)
    assert data["work_outside_hours"] == {"late_hours": 1.0, "early_hours": 0.0, "weekend_hours": 0.0}
    assert data["heatmap"]["matrix"][5][10] == 0.0 and data["heatmap"]["matrix"][0][20] == 1.0
    assert data["busiest_weekday"]["weekday"] == "Monday"
    assert data["weekly"][0]["personal_hours"] == 5.5 and data["weekly"][0]["meeting_hours"] == 1.0
    by_calendar = {c["calendar_id"]: c["hours"] for c in data["hours_per_calendar"]}
    assert by_calendar == {"family": 5.5, "local": 2.0}  # every calendar is still listed
    assert data["back_to_back"]["count"] == 0  # the dinner does not chain with the late deploy


def test_wellness_tags_are_about_work(family_app):
    assert "late_work" in create("Deploy", "2026-03-02T20:00:00Z", "2026-03-02T21:00:00Z").tags
    assert create("Dinner", "2026-03-02T20:00:00Z", "2026-03-02T21:00:00Z", "family").tags == []
    assert create("Hike", "2026-03-07T10:00:00Z", "2026-03-07T15:00:00Z", "family").tags == []
    assert "weekend_work" in create("Release", "2026-03-07T10:00:00Z", "2026-03-07T11:00:00Z").tags
    assert "lunch_conflict" in create("Client call", "2026-03-03T12:15:00Z", "2026-03-03T12:45:00Z").tags
    assert create("Lunch", "2026-03-03T12:15:00Z", "2026-03-03T12:45:00Z").tags == []  # lunch is no conflict
    # Stress words are about the text, not the time: they still count on a private calendar.
    assert create("Urgent: vet", "2026-03-03T18:00:00Z", "2026-03-03T18:30:00Z", "family").tags == ["stress_indicator"]


def test_day_warnings_ignore_private_events(family_app):
    from zoneinfo import ZoneInfo

    create("Dinner", "2026-03-02T19:30:00Z", "2026-03-02T22:00:00Z", "family")
    create("Party", "2026-03-03T08:00:00Z", "2026-03-03T23:00:00Z", "family")  # 15 h: no work overload
    deploy = create("Deploy", "2026-03-04T19:30:00Z", "2026-03-04T20:00:00Z")
    rows = list(db.session.scalars(select(Event)))
    warnings = day_warnings(rows, ZoneInfo("UTC"))
    assert [(w["type"], w["date"], w["event_ids"]) for w in warnings] == [("late_work", "2026-03-04", [deploy.id])]


def test_the_demo_tells_one_consistent_story(app):
    run_sync(days_ahead=14)
    stored = list(db.session.scalars(select(Event)))
    by_title: dict[str, list[Event]] = {}
    for event in stored:
        by_title.setdefault(event.title, []).append(event)
    focus = by_title["Focus block: deep work"]
    assert focus and all(e.event_type == "block" and e.calendar_id == "primary" for e in focus)
    for title in ("Lunch", "Dinner with friends", "Weekend hike"):
        assert {e.calendar_id for e in by_title[title]} == {"personal"}
        assert all(not {"lunch_conflict", "late_work", "weekend_work"} & set(e.tags) for e in by_title[title])
    # Analytics counts the focus blocks as focus on their days, and no private time as work.
    data = productivity_report(days_back=14)
    focus_days = {e.start_time.date().isoformat() for e in focus}
    for day in data["hours_per_day"]:
        if day["date"] in focus_days:
            assert day["focus_hours"] >= 2.0, day
    assert data["work_outside_hours"] == {"late_hours": 0.0, "early_hours": 0.0, "weekend_hours": 0.0}
    assert data["totals"]["personal_hours"] > 0
    # The optimizer sees no double booking at work and proposes no focus block where the demo has one.
    suggestions = planning.current_suggestions(7)
    assert [s for s in suggestions if s.type == "conflict"] == []
    start = today(calendars.current_settings().zone)
    proposed = {s.key.split(":")[1] for s in suggestions if s.type == "focus_block"}
    week = {(start + timedelta(days=n)).isoformat() for n in range(7)}
    assert not proposed & focus_days & week
    assert all(not (s.type == "break" and "Focus block" in s.reason) for s in suggestions)


def test_private_time_blocks_slots_but_overloads_no_day(family_app):
    add("Workshop", 0, "09:00", "15:00", event_type="meeting")  # 6 h of work on Monday
    add("Family day out", 0, "15:00", "18:00", calendar_id="family")  # 3 h more, private
    found = current_suggestions(7, at(0, "07:00"))
    assert [s for s in found if s["type"] == "overload"] == []

    add("Late review", 0, "18:00", "21:00", event_type="meeting")  # now 9 h of work: over the 8 h limit
    overloads = [s for s in current_suggestions(7, at(0, "07:00")) if s["type"] == "overload"]
    assert len(overloads) == 1 and "9.0 h" in overloads[0]["reason"]


def test_no_move_lands_on_private_time(family_app):
    add("Clash A", 1, "09:00", "10:00", event_type="task")
    add("Clash B", 1, "09:00", "10:00", event_type="meeting", attendees=["a@example.com"])
    family = add("School run", 1, "10:00", "11:00", calendar_id="family")
    moves = [s for s in current_suggestions(7, at(1, "07:00")) if s["type"] == "move"]
    assert moves, "the clash offers a move"
    school = times(family)
    for move in moves:
        start, end = (datetime.fromisoformat(move[key]) for key in ("proposed_start", "proposed_end"))
        assert end <= school[0] or start >= school[1], move
