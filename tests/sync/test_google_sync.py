"""The real Google client against the fake server: full, incremental, tombstones, 410, mapping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, EventAnalytics, SyncState
from app.services.sync import run_sync
from tests.sync.helpers import soon, stored, timed


def test_full_sync_pages_then_incremental_uses_the_sync_token(google_app, fake_google):
    for n in range(7):  # page size 3 -> three pages
        fake_google.add_event(**timed(f"Meeting {n}", soon(n + 1)))

    result = run_sync()

    assert result.get("error") is None
    assert result["events_processed"] == 7 and result["events_created"] == 7
    lists = fake_google.calls("list")
    assert len(lists) == 3
    assert lists[0]["query"]["singleEvents"] == "true" and lists[0]["query"]["maxResults"] == "2500"
    assert "timeMin" in lists[0]["query"] and "syncToken" not in lists[0]["query"]
    assert lists[1]["query"]["pageToken"]
    assert set(stored()) == {e["id"] for e in fake_google.live()}
    token = db.session.get(SyncState, "primary").sync_token
    assert token and token.startswith("sync-")
    # The pipeline ran for each page: every stored event has its analytics row and its wellness tags checked.
    assert db.session.scalar(select(func.count()).select_from(EventAnalytics)) == 7

    fake_google.add_event(**timed("Late addition", soon(30)))
    changed = fake_google.live()[0]["id"]
    fake_google.update_event("primary", changed, summary="Renamed upstream")
    second = run_sync()

    incremental = fake_google.calls("list")[3]
    assert incremental["query"]["syncToken"] == token and "timeMin" not in incremental["query"]
    assert second["events_processed"] == 2
    assert second["events_created"] == 1 and second["events_updated"] == 1
    assert stored()[changed].title == "Renamed upstream"
    assert len(stored()) == 8


def test_cancelled_event_is_deleted_locally(google_app, fake_google):
    keep = fake_google.add_event(**timed("Keep", soon(2)))
    gone = fake_google.add_event(**timed("Gone", soon(3)))
    run_sync()
    fake_google.cancel_event("primary", gone["id"])

    result = run_sync()

    assert result["events_deleted"] == 1
    assert set(stored()) == {keep["id"]}


def test_expired_sync_token_triggers_a_full_resync_that_reconciles(google_app, fake_google):
    events = [fake_google.add_event(**timed(f"E{n}", soon(n + 1))) for n in range(5)]
    run_sync()
    token = db.session.get(SyncState, "primary").sync_token
    fake_google.expired_sync_tokens.add(token)
    fake_google.remove_silently("primary", events[0]["id"])  # gone without a tombstone
    fake_google.add_event(**timed("New", soon(9)))

    result = run_sync()

    assert result.get("error") is None
    assert fake_google.calls("list")[-1]["query"].get("syncToken") is None
    ids = {e["id"] for e in fake_google.live()}
    assert set(stored()) == ids
    total = db.session.execute(select(func.count(Event.id))).scalar_one()
    assert total == len(ids) == 5  # nothing duplicated
    assert result["events_deleted"] == 1 and result["events_created"] == 1
    assert db.session.get(SyncState, "primary").sync_token not in (None, token)


def test_all_day_timed_new_york_and_recurring_instances_map_to_the_right_instants(google_app, fake_google):
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    fake_google.add_event(
        id="allday",
        summary="Holiday",
        start={"date": day.isoformat()},
        end={"date": (day + timedelta(days=1)).isoformat()},
    )
    fake_google.add_event(
        id="ny",
        summary="NY call",
        start={"dateTime": f"{day}T09:00:00-05:00", "timeZone": "America/New_York"},
        end={"dateTime": f"{day}T10:30:00-05:00", "timeZone": "America/New_York"},
        attendees=[{"email": "a@example.org"}, {"displayName": "no mail"}],
    )
    fake_google.add_event(
        id="weekly_20990105T100000Z",
        summary="Weekly",
        recurringEventId="weekly",
        originalStartTime={"dateTime": f"{day}T10:00:00Z"},
        start={"dateTime": f"{day}T11:00:00Z"},
        end={"dateTime": f"{day}T12:00:00Z"},
    )

    run_sync()
    rows = stored()

    holiday = rows["allday"]
    assert holiday.all_day and holiday.all_day_date == day
    assert holiday.start_time == datetime.combine(day, datetime.min.time(), tzinfo=UTC)  # app.timezone is UTC
    assert holiday.end_time - holiday.start_time == timedelta(days=1)
    ny = rows["ny"]
    assert not ny.all_day and ny.timezone == "America/New_York"
    assert ny.start_time == datetime(day.year, day.month, day.day, 14, 0, tzinfo=UTC)
    assert ny.end_time == datetime(day.year, day.month, day.day, 15, 30, tzinfo=UTC)
    assert ny.attendees == ["a@example.org"]
    assert ny.source == "google" and ny.calendar_id == "primary"
    weekly = rows["weekly_20990105T100000Z"]
    assert weekly.recurring_event_id == "weekly"
    assert weekly.original_start_time == datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
    assert isinstance(weekly.all_day_date, date | None)


def test_a_second_sync_of_unchanged_events_writes_nothing(google_app, fake_google):
    fake_google.add_event(**timed("Stable", soon(5)))
    run_sync(force_refresh=True)
    before = stored()["evt1"].updated_at

    result = run_sync(force_refresh=True)  # full listing again, same content

    assert result["events_created"] == 0 and result["events_updated"] == 0
    assert stored()["evt1"].updated_at == before


def test_full_resync_also_removes_far_future_events_that_are_gone(google_app, fake_google):
    far = fake_google.add_event(**timed("Next year", soon(24 * 300)))
    fake_google.add_event(**timed("Soon", soon(2)))
    run_sync()
    assert far["id"] in stored()
    fake_google.remove_silently("primary", far["id"])

    result = run_sync(force_refresh=True)

    assert result["events_deleted"] == 1 and far["id"] not in stored()


def test_a_malformed_item_is_skipped_not_fatal(google_app, fake_google):
    fake_google.add_event(id="broken", summary="No times at all")
    fake_google.add_event(**timed("Fine", soon(2)))

    result = run_sync()

    assert result.get("error") is None
    assert set(stored()) == {"evt1"}
