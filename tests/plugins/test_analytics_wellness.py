"""Analytics metrics per stored event, wellness tags in local time, and the day-level warnings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.models import Event, EventAnalytics
from app.services.wellness import day_warnings

BASE = "/api/v1/events"
BERLIN = {"app": {"timezone": "Europe/Berlin"}}


def post(client, auth, **fields):
    response = client.post(BASE, json={"title": "Work", **fields}, headers=auth)
    assert response.status_code == 201, response.json
    return response.json


def metrics(app, event_id):
    with app.app_context():
        row = db.session.get(EventAnalytics, event_id)
        return (
            None
            if row is None
            else {
                name: getattr(row, name)
                for name in ("duration_minutes", "category", "is_focus", "is_meeting", "time_of_day")
            }
        )


def test_analytics_row_is_written_and_recomputed_on_change(make_app, auth):
    app = make_app(BERLIN)
    client = app.test_client()
    event = post(
        client,
        auth,
        title="Weekly sync",
        attendees=["a@example.com"],
        start_time="2030-05-08T06:30:00Z",
        end_time="2030-05-08T07:15:00Z",
    )  # 08:30 local
    assert metrics(app, event["id"]) == {
        "duration_minutes": 45.0,
        "category": "meeting",
        "is_focus": False,
        "is_meeting": True,
        "time_of_day": "morning",
    }
    client.patch(
        f"{BASE}/{event['id']}",
        json={"title": "Deep work", "attendees": [], "event_type": "block", "end_time": "2030-05-08T10:30:00Z"},
        headers=auth,
    )
    assert metrics(app, event["id"]) == {
        "duration_minutes": 240.0,
        "category": "focus",
        "is_focus": True,
        "is_meeting": False,
        "time_of_day": "morning",
    }
    client.patch(
        f"{BASE}/{event['id']}",
        json={"start_time": "2030-05-08T16:00:00Z", "end_time": "2030-05-08T17:00:00Z"},
        headers=auth,
    )
    assert metrics(app, event["id"])["time_of_day"] == "evening"  # 18:00 in Berlin
    client.delete(f"{BASE}/{event['id']}", headers=auth)
    assert metrics(app, event["id"]) is None


def test_all_day_metrics(client, auth, app):
    event = post(client, auth, all_day=True, start_time="2030-05-08")
    assert metrics(app, event["id"])["category"] == "all_day"
    assert metrics(app, event["id"])["duration_minutes"] == 1440.0


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2030-05-08T10:00:00", "2030-05-08T11:00:00", []),  # Wednesday
        ("2030-05-08T18:00:00", "2030-05-08T19:00:00", []),
        ("2030-05-08T18:30:00", "2030-05-08T19:30:00", ["late_work"]),
        ("2030-05-08T23:30:00", "2030-05-09T00:30:00", ["late_work"]),
        ("2030-05-08T06:30:00", "2030-05-08T07:30:00", ["early_work"]),
        ("2030-05-08T07:00:00", "2030-05-08T08:00:00", []),
        ("2030-05-11T10:00:00", "2030-05-11T11:00:00", ["weekend_work"]),  # Saturday
        ("2030-05-08T11:30:00", "2030-05-08T12:15:00", ["lunch_conflict"]),
        ("2030-05-08T13:00:00", "2030-05-08T14:00:00", []),
    ],
)
def test_wellness_tags_use_local_time(make_app, auth, start, end, expected):
    client = make_app(BERLIN).test_client()  # naive times are Berlin local time
    assert post(client, auth, start_time=start, end_time=end)["tags"] == expected


def test_wellness_local_time_differs_from_utc(make_app, auth):
    client = make_app({"app": {"timezone": "Asia/Tokyo"}}).test_client()
    # 11:00Z is 20:00 in Tokyo.
    assert post(client, auth, start_time="2030-05-08T11:00:00Z", end_time="2030-05-08T11:30:00Z")["tags"] == [
        "late_work"
    ]


def test_stress_keywords_come_from_the_configuration(make_app, auth):
    client = make_app({"wellness": {"stress_keywords": ["firefight"]}}).test_client()
    tagged = post(client, auth, title="Firefight prod", start_time="2030-05-08T10:00:00Z")
    assert tagged["tags"] == ["stress_indicator"]
    assert post(client, auth, title="Urgent", start_time="2030-05-08T10:00:00Z")["tags"] == []


def test_wellness_tags_follow_edits_and_keep_user_tags(client, auth):
    event = post(client, auth, start_time="2030-05-08T20:00:00Z", tags=["mine"])
    assert event["tags"] == ["mine", "late_work"]
    moved = client.patch(
        f"{BASE}/{event['id']}",
        json={"start_time": "2030-05-08T10:00:00Z", "end_time": "2030-05-08T10:30:00Z"},
        headers=auth,
    ).json
    assert moved["tags"] == ["mine"]


def test_all_day_and_cancelled_events_get_no_time_tags(client, auth):
    assert post(client, auth, all_day=True, start_time="2030-05-11")["tags"] == []
    assert post(client, auth, title="ASAP fix", status="cancelled", start_time="2030-05-11T22:00:00Z")["tags"] == [
        "stress_indicator"
    ]


def make_event(event_id, start, minutes, event_type="meeting", **fields) -> Event:
    return Event(
        id=event_id,
        title=f"e{event_id}",
        start_time=start,
        end_time=start + timedelta(minutes=minutes),
        event_type=event_type,
        all_day=False,
        status=fields.get("status", "scheduled"),
    )


def test_day_warnings(app):
    zone = ZoneInfo("UTC")
    day = datetime(2030, 5, 8, 8, tzinfo=UTC)
    chain = [make_event(i, day + timedelta(minutes=60 * i), 60) for i in range(1, 4)]  # 09-12 back to back
    gap = make_event(4, day + timedelta(hours=5), 60)  # 13:00, after a break
    long_task = make_event(5, day + timedelta(hours=6), 300, "task")  # 14:00-19:00
    late = make_event(6, day + timedelta(hours=12), 60, "task")  # 20:00-21:00
    other_day = make_event(7, day + timedelta(days=1), 60)
    cancelled = make_event(8, day + timedelta(days=1, hours=2), 600, status="cancelled")
    warnings = day_warnings([late, *chain, gap, long_task, other_day, cancelled], zone)
    kinds = {(warning["type"], warning["date"]): warning for warning in warnings}
    assert set(kinds) == {("overload", "2030-05-08"), ("back_to_back", "2030-05-08"), ("late_work", "2030-05-08")}
    assert kinds[("back_to_back", "2030-05-08")]["event_ids"] == [1, 2, 3]
    assert kinds[("late_work", "2030-05-08")]["event_ids"] == [6]
    assert "10.0 h" in kinds[("overload", "2030-05-08")]["message"]


def test_day_warnings_respect_the_limits(make_app):
    app = make_app({"wellness": {"max_daily_hours": 12, "max_back_to_back": 4}})
    with app.app_context():
        day = datetime(2030, 5, 8, 8, tzinfo=UTC)
        chain = [make_event(i, day + timedelta(minutes=62 * i), 60) for i in range(1, 4)]  # 2-minute gaps
        assert day_warnings(chain, ZoneInfo("UTC")) == []
