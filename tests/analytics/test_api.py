"""The analytics and optimizer endpoints over HTTP: parameters, 422s naming the field, shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.db import write_transaction
from app.extensions import db
from app.models import Event


def add_now(title: str, start: datetime, minutes: int, event_type: str = "task") -> int:
    with write_transaction() as session:
        event = Event(title=title, start_time=start, end_time=start + timedelta(minutes=minutes), event_type=event_type)
        session.add(event)
        session.flush()
        return event.id


def next_weekday_at(hour: int) -> datetime:
    """A moment at least a day ahead, on a Monday-to-Friday day, at ``hour`` UTC."""
    day = datetime.now(UTC).date() + timedelta(days=1)
    while day.weekday() > 3:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_productivity_defaults_to_thirty_days(client, auth):
    response = client.get("/api/v1/analytics/productivity", headers=auth)
    assert response.status_code == 200
    assert response.json["window"]["days"] == 30 and len(response.json["hours_per_day"]) == 30


def test_productivity_counts_stored_events(client, auth):
    start = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=2)
    add_now("Meeting", start, 90, "meeting")
    data = client.get("/api/v1/analytics/productivity?days_back=7", headers=auth).json
    assert data["totals"]["meeting_hours"] == 1.5 and data["totals"]["scheduled_hours"] == 1.5


def test_productivity_with_start_and_end(client, auth):
    data = client.get("/api/v1/analytics/productivity?start=2026-03-02&end=2026-03-08", headers=auth).json
    assert data["window"]["start"] == "2026-03-02" and data["window"]["days"] == 7


def test_productivity_rejects_bad_parameters(client, auth):
    for query, field in [
        ("days_back=0", "days_back"),
        ("start=2026-03-02", "end"),
        ("start=nope&end=2026-01-01", "start"),
        ("days_back=3&start=2026-03-02&end=2026-03-03", "days_back"),
        ("x=1", "x"),
    ]:
        response = client.get(f"/api/v1/analytics/productivity?{query}", headers=auth)
        assert response.status_code == 422, query
        assert response.json["error"]["details"]["field"] == field, query


def test_optimize_dry_run_by_default(client, auth):
    start = next_weekday_at(10)
    task = add_now("Task", start, 60)
    add_now("Call", start, 60, "meeting")
    response = client.post("/api/v1/ai/optimize", headers=auth)
    assert response.status_code == 200 and response.json["applied"] == []
    suggestion = next(s for s in response.json["suggestions"] if s["type"] == "move")
    assert set(suggestion) >= {"type", "event_id", "proposed_start", "proposed_end", "reason", "confidence"}
    assert suggestion["event_id"] == task
    assert db.session.get(Event, task).start_time == start


def test_optimize_auto_apply_from_query_or_body(client, auth):
    start = next_weekday_at(10)
    task = add_now("Task", start, 60)
    add_now("Call", start, 60, "meeting")
    response = client.post(
        "/api/v1/ai/optimize", json={"auto_apply": True, "optimization_window_days": 7}, headers=auth
    )
    assert [a["event_id"] for a in response.json["applied"]] == [task]
    db.session.rollback()
    moved = db.session.scalars(select(Event).where(Event.id == task)).one()
    assert moved.start_time != start
    again = client.post("/api/v1/ai/optimize?auto_apply=true", headers=auth)
    assert again.status_code == 200 and again.json["applied"] == []


def test_optimize_rejects_bad_parameters(client, auth):
    for kwargs, field in [
        ({"json": {"auto_apply": "yes"}}, "auto_apply"),
        ({"json": {"optimization_window_days": 0}}, "optimization_window_days"),
        ({"query_string": {"optimization_window_days": 500}}, "optimization_window_days"),
        ({"json": {"window": 3}}, "window"),
    ]:
        response = client.post("/api/v1/ai/optimize", headers=auth, **kwargs)
        assert response.status_code == 422, kwargs
        assert response.json["error"]["details"]["field"].endswith(field), kwargs


def test_both_endpoints_are_documented(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "get" in paths["/api/v1/analytics/productivity"] and "post" in paths["/api/v1/ai/optimize"]
    assert paths["/api/v1/ai/optimize"]["post"]["requestBody"]["required"] is False  # the body is optional
    assert "200" in paths["/api/v1/analytics/productivity"]["get"]["responses"]
