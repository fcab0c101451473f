"""The productivity report over a hand-built week: every total equals a sum worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from app.api.planning_schemas import ProductivityOut
from app.db import write_transaction
from app.errors import InvalidInputError
from app.models import Command, Event, EventAnalytics, Template, TemplateUsage
from app.services.analytics import productivity_report
from tests.optimizer.scenario import add, at

NEXT_MONDAY_NOON = at(7, "12:00")


@pytest.fixture
def week(app):
    """The week of Monday 2026-03-02 in UTC with the default settings (09-17 Mon-Fri, late 19, early 7)."""
    ids = {
        "standup": add("Standup", 0, "09:00", "09:30", event_type="meeting", attendees=["a@example.org"]),
        "deep": add("Deep work", 0, "10:00", "12:00", event_type="block"),
        "report": add("Report", 0, "13:00", "14:30"),
        "done": add("Done task", 0, "15:00", "16:00", status="completed"),
        "m1": add("Sync 1", 1, "09:00", "10:00", event_type="meeting"),
        "m2": add("Sync 2", 1, "10:00", "11:00", event_type="meeting"),
        "m3": add("Sync 3", 1, "11:05", "12:00", event_type="meeting"),
        "dentist": add("Dentist", 1, "18:30", "20:00", event_type="appointment"),
        "early": add("Early focus", 2, "06:00", "07:30", tags=["focus"]),
        "planning": add("Planning", 3, "14:00", "15:00", event_type="meeting"),
        "night": add("Night task", 3, "23:00", "23:59"),
        "garden": add("Garden", 5, "10:00", "12:00", tags=["personal"], calendar_id="personal"),
        "ops": add("Ops", 5, "10:00", "11:00", calendar_id="team"),  # weekend work on a work calendar
    }
    add("Cancelled", 3, "10:00", "11:00", event_type="meeting", status="cancelled")
    add("Reminder", 3, "09:00", "09:15", event_type="reminder")
    add("Holiday", 4, "00:00", "00:00", all_day=True, all_day_date=date(2026, 3, 6), event_type="appointment")
    with write_transaction() as session:
        night = session.get(Event, ids["night"])
        night.end_time = at(4, "01:00")  # crosses midnight: 1 h on Thursday, 1 h on Friday
        session.add(
            EventAnalytics(
                event_id=ids["planning"],
                duration_minutes=60,
                category="focus",
                is_focus=True,
                is_meeting=False,
                time_of_day="afternoon",
            )
        )
        template = Template(title="Gym", usage_count=5)
        session.add(template)
        session.flush()
        session.add_all(
            [
                TemplateUsage(template_id=template.id, used_at=at(1, "08:00")),
                TemplateUsage(template_id=template.id, used_at=at(2, "08:00")),
                TemplateUsage(template_id=template.id, used_at=at(-3, "08:00")),
            ]
        )
        for n, (system, status) in enumerate(
            [("nas", "completed"), ("nas", "failed"), ("nas", "completed"), ("web", "pending")]
        ):
            session.add(
                Command(
                    system_id=system, command="BACKUP", status=status, source_key=f"k{n}", created_at=at(n, "08:00")
                )
            )
        session.add(
            Command(system_id="old", command="BACKUP", status="failed", source_key="old", created_at=at(-1, "08:00"))
        )
    return ids


def report(**window):
    """The report as GET /api/v1/analytics/productivity answers it."""
    data = productivity_report(**(window or {"start": date(2026, 3, 2), "end": date(2026, 3, 8)}), now=NEXT_MONDAY_NOON)
    return ProductivityOut.model_validate(data).model_dump(mode="json")


def test_totals_by_kind(week):
    totals = report()["totals"]
    assert totals["meeting_hours"] == round((60 + 60 + 55 + 30) / 60, 2)  # standup + three syncs
    # Tasks and blocks are focus: deep work 2, report 1.5, done 1, early 1.5, planning (flagged) 1, night 2,
    # ops 1. Only the dentist appointment is other. The garden, on the private calendar, is personal time.
    assert totals["focus_hours"] == 10.0
    assert totals["other_hours"] == 1.5
    assert totals["personal_hours"] == 2.0
    assert totals["scheduled_hours"] == round((205 + 270 + 540 - 120) / 60, 2)
    assert totals["events"] == 15 and totals["cancelled_events"] == 1 and totals["all_day_events"] == 1
    assert totals["counted_events"] == 13  # no reminder, no all-day event


def test_hours_per_day_are_split_at_local_midnight(week):
    days = {d["date"]: d for d in report()["hours_per_day"]}
    assert [days[d]["hours"] for d in sorted(days)] == [5.0, 4.42, 1.5, 2.0, 1.0, 1.0, 0.0]
    assert [days[d]["personal_hours"] for d in sorted(days)] == [0, 0, 0, 0, 0, 2.0, 0]
    assert days["2026-03-07"]["events"] == 1  # the garden is not a work event
    assert days["2026-03-02"]["meeting_hours"] == 0.5 and days["2026-03-02"]["focus_hours"] == 4.5
    assert days["2026-03-02"]["events"] == 4 and days["2026-03-05"]["events"] == 2


def test_calendars_weeks_heatmap_and_busiest(week):
    data = report()
    calendars = {c["calendar_id"]: c for c in data["hours_per_calendar"]}
    assert calendars["personal"] == {"calendar_id": "personal", "hours": 2.0, "events": 1}
    assert calendars["team"] == {"calendar_id": "team", "hours": 1.0, "events": 1}
    assert calendars["local"]["hours"] == 13.92 and calendars["local"]["events"] == 11
    assert data["weekly"] == [
        {
            "week_start": "2026-03-02",
            "meeting_hours": 3.42,
            "focus_hours": 10.0,
            "other_hours": 1.5,
            "personal_hours": 2.0,
        }
    ]
    matrix = data["heatmap"]["matrix"]
    assert len(matrix) == 7 and all(len(row) == 24 for row in matrix)
    assert matrix[0][10] == 1.0 and matrix[5][10] == 1.0 and matrix[1][11] == round(55 / 60, 2)
    assert data["busiest_weekday"] == {"weekday": "Monday", "index": 0, "hours": 5.0}
    assert data["busiest_hour"] == {"hour": 10, "hours": 3.0}


def test_work_outside_hours(week):
    # late: dentist 19-20 and night task 23-24; early: 06-07 focus and 00-01 night; weekend: ops only (the
    # garden at the same time is on the private calendar).
    assert report()["work_outside_hours"] == {"late_hours": 2.0, "early_hours": 2.0, "weekend_hours": 1.0}


def test_tasks_chains_and_free_blocks(week):
    data = report()
    assert data["tasks"] == {"past_tasks": 6, "completed": 1, "completion_rate": 0.167}
    chains = data["back_to_back"]
    # Tuesday's three syncs (gaps under 15 min); Saturday's garden is private, so no chain with ops.
    assert chains["count"] == 1 and chains["longest_minutes"] == 180
    assert [c["event_ids"] for c in chains["chains"]] == [[week["m1"], week["m2"], week["m3"]]]
    free = {f["date"]: f for f in data["longest_free_block"]}
    assert sorted(free) == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"]
    assert (free["2026-03-02"]["start"], free["2026-03-02"]["minutes"]) == ("2026-03-02T12:00:00Z", 60)
    assert free["2026-03-03"]["minutes"] == 300 and free["2026-03-04"]["minutes"] == 480
    assert free["2026-03-05"]["minutes"] == 300


def test_templates_and_commands_in_the_window(week):
    data = report()
    assert [(t["title"], t["uses"], t["usage_count"]) for t in data["templates"]] == [("Gym", 2, 5)]
    commands = {c["system_id"]: c for c in data["commands"]}
    assert set(commands) == {"nas", "web"}
    assert (commands["nas"]["completed"], commands["nas"]["failed"], commands["nas"]["total"]) == (2, 1, 3)
    assert commands["web"]["pending"] == 1


def test_days_back_ends_today(week):
    data = report(days_back=7)
    assert data["window"]["start"] == "2026-03-03" and data["window"]["end"] == "2026-03-09"
    assert data["totals"]["meeting_hours"] == round((60 + 60 + 55) / 60, 2)  # Monday's standup is outside


def test_bad_windows_name_the_field(app):
    with pytest.raises(InvalidInputError) as caught:
        productivity_report(start=date(2026, 3, 2), now=NEXT_MONDAY_NOON)
    assert caught.value.field == "end"
    with pytest.raises(InvalidInputError) as caught:
        productivity_report(start=date(2026, 3, 2), end=date(2026, 3, 1), now=NEXT_MONDAY_NOON)
    assert caught.value.field == "end"
    with pytest.raises(InvalidInputError) as caught:
        productivity_report(days_back=0, now=NEXT_MONDAY_NOON)
    assert caught.value.field == "days_back"


def test_empty_window_has_zeros_not_made_up_numbers(app):
    data = report()
    assert data["totals"]["scheduled_hours"] == 0 and data["busiest_weekday"] is None
    assert data["tasks"]["completion_rate"] is None and data["back_to_back"]["count"] == 0
    assert all(f["minutes"] == 480 for f in data["longest_free_block"])


def test_days_follow_the_app_time_zone(make_app):
    application = make_app({"app": {"timezone": "Europe/Berlin"}})
    with application.app_context():
        add("Late call", 0, "23:30", "23:59", zone="Europe/Berlin", event_type="meeting")
        with write_transaction() as session:
            event = session.get(Event, 1)
            event.end_time = at(1, "00:30", "Europe/Berlin")
        data = productivity_report(start=date(2026, 3, 2), end=date(2026, 3, 3), now=NEXT_MONDAY_NOON)
        assert [d["hours"] for d in data["hours_per_day"]] == [0.5, 0.5]
        assert data["heatmap"]["matrix"][0][23] == 0.5 and data["heatmap"]["matrix"][1][0] == 0.5
        assert data["work_outside_hours"]["late_hours"] == 0.5 and data["work_outside_hours"]["early_hours"] == 0.5


def test_kinds_agree_with_or_without_the_analytics_plugin(app):
    from app.services import events

    add("Direct task", 0, "09:00", "10:00")
    events.create_event(
        {
            "title": "Piped task",
            "start_time": "2026-03-03T09:00:00Z",
            "end_time": "2026-03-03T10:00:00Z",
            "event_type": "task",
        }
    )
    add("Lunch", 2, "12:00", "13:00", event_type="meeting")  # a plain meeting without a plugin row
    lunch_with_row = add("Lunch", 3, "12:00", "13:00", event_type="meeting")
    with write_transaction() as session:
        session.add(
            EventAnalytics(
                event_id=lunch_with_row,
                duration_minutes=60,
                category="other",
                is_focus=False,
                is_meeting=False,
                time_of_day="afternoon",
            )
        )
    days = {d["date"]: d for d in report()["hours_per_day"]}
    assert days["2026-03-02"]["focus_hours"] == days["2026-03-03"]["focus_hours"] == 1.0
    assert days["2026-03-04"]["meeting_hours"] == 1.0  # from the event alone
    assert days["2026-03-05"]["other_hours"] == 1.0  # the plugin's verdict wins when it stored one
