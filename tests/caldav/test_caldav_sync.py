"""CalDAV accounts against a real Radicale server: zones, all-day dates, recurrences, edits and deletions
followed incrementally, consumed entries deleted on the server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from caldav.lib.error import NotFoundError
from sqlalchemy import func, select

from app.extensions import db
from app.models import Command, Event, SyncState
from app.services.sync import run_sync
from tests.caldav.conftest import caldav_account
from tests.caldav.ics import BERLIN_ZONE, day, document, local, timed, utc, vevent


@pytest.fixture
def calendar(radicale, collection_name):
    """A new calendar of alice's on the server (her side, through her own client)."""
    return radicale.make_calendar("alice", collection_name)


@pytest.fixture
def caldav_app(make_app, radicale, collection_name, calendar):
    """An app syncing alice's account, her new calendar under its own name."""
    application = make_app({"calendar": {"accounts": [caldav_account(radicale, calendars=[collection_name])]}})
    with application.app_context():
        yield application


def stored(calendar_id: str) -> dict[str, Event]:
    db.session.rollback()
    rows = db.session.execute(select(Event).where(Event.calendar_id == calendar_id)).scalars()
    return {row.external_id: row for row in rows}


def soon(days: int, hour: int) -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=days, hours=hour)


def test_zones_all_day_dates_and_recurrences_arrive_as_in_the_calendar(caldav_app, calendar, collection_name):
    berlin = ZoneInfo("Europe/Berlin")
    meeting = soon(2, 0).replace(tzinfo=None) + timedelta(hours=10)  # 10:00 wall time in Berlin
    calendar.save_event(
        document(
            vevent("zoned", "Berlin meeting", f"DTSTART;TZID=Europe/Berlin:{local(meeting)}", "DURATION:PT1H"),
            zone=BERLIN_ZONE,
        )
    )
    holiday = soon(3, 0).date()
    calendar.save_event(
        document(
            vevent(
                "allday",
                "Holiday",
                f"DTSTART;VALUE=DATE:{day(holiday)}",
                f"DTEND;VALUE=DATE:{day(holiday + timedelta(days=1))}",
            )
        )
    )
    first = soon(1, 8)
    moved_from, moved_to = first + timedelta(days=2), first + timedelta(days=2, hours=4)
    calendar.save_event(
        document(
            vevent(
                "daily",
                "Daily check",
                f"DTSTART:{utc(first)}",
                "DURATION:PT30M",
                "RRULE:FREQ=DAILY;COUNT=5",
                f"EXDATE:{utc(first + timedelta(days=1))}",
            ),
            vevent(
                "daily",
                "Daily check (moved)",
                f"RECURRENCE-ID:{utc(moved_from)}",
                f"DTSTART:{utc(moved_to)}",
                "DURATION:PT30M",
            ),
        )
    )

    result = run_sync(days_ahead=10)

    assert result.get("error") is None, result
    events = stored(collection_name)
    zoned = events["zoned"]
    assert zoned.source == "caldav" and zoned.timezone == "Europe/Berlin"
    assert zoned.start_time == meeting.replace(tzinfo=berlin).astimezone(UTC)
    assert zoned.end_time - zoned.start_time == timedelta(hours=1)
    assert events["allday"].all_day and events["allday"].all_day_date == holiday
    series = sorted((e for e in events.values() if e.external_id.startswith("daily")), key=lambda e: e.start_time)
    assert [e.start_time for e in series] == [first, moved_to, first + timedelta(days=3), first + timedelta(days=4)]
    assert [e.title for e in series].count("Daily check (moved)") == 1
    state = db.session.get(SyncState, collection_name)
    assert state.status == "ok" and state.source == "caldav"
    assert state.last_counts["account"] == "home"


def test_edits_and_deletions_are_followed_by_the_next_incremental_sync(caldav_app, calendar, collection_name):
    start = soon(1, 9)
    calendar.save_event(timed("keep", "Keep me", start, start + timedelta(hours=1)))
    calendar.save_event(timed("edit", "Draft title", start, start + timedelta(hours=1)))
    doomed = calendar.save_event(timed("gone", "Delete me", start, start + timedelta(hours=1)))
    assert run_sync().get("error") is None
    assert set(stored(collection_name)) == {"keep", "edit", "gone"}
    cursor = json.loads(db.session.get(SyncState, collection_name).sync_token)
    assert "radicale.org/ns/sync" in cursor["token"]  # the server's own sync-collection token

    edited = calendar.object_by_uid("edit")
    edited.data = timed("edit", "Final title", start + timedelta(hours=2), start + timedelta(hours=3))
    edited.save()
    doomed.delete()
    second = run_sync()

    assert second.get("error") is None, second
    assert second["events_processed"] == 2  # only what changed: one edit and one deletion
    assert second["events_updated"] == 1 and second["events_deleted"] == 1
    events = stored(collection_name)
    assert set(events) == {"keep", "edit"}
    assert events["edit"].title == "Final title" and events["edit"].start_time == start + timedelta(hours=2)
    assert run_sync()["events_processed"] == 0  # nothing changed since


def test_a_server_without_sync_tokens_is_followed_by_comparing_etags(
    caldav_app, calendar, collection_name, monkeypatch
):
    from caldav.collection import Calendar

    monkeypatch.setattr(Calendar, "_should_use_sync_token", lambda self, token, disable_fallback: False)
    start = soon(1, 9)
    calendar.save_event(timed("a", "First", start, start + timedelta(hours=1)))
    doomed = calendar.save_event(timed("b", "Second", start, start + timedelta(hours=1)))
    assert run_sync().get("error") is None
    assert run_sync()["events_processed"] == 0  # same etags: nothing to do

    doomed.delete()
    calendar.save_event(timed("c", "Third", start, start + timedelta(hours=1)))
    result = run_sync()

    assert result["events_created"] == 1 and result["events_deleted"] == 1
    assert result["events_processed"] == 2  # the unchanged one is not read again
    assert set(stored(collection_name)) == {"a", "c"}


def test_an_action_entry_becomes_one_command_and_is_deleted_on_the_server(caldav_app, calendar, collection_name):
    start = soon(1, 18)
    calendar.save_event(timed("action-1", "ACTION: BACKUP nas-01 --full", start, start + timedelta(minutes=15)))

    first = run_sync()

    assert first["events_consumed"] == 1 and first["pending_upstream"] == 0, first
    commands = db.session.execute(select(Command)).scalars().all()
    assert [(c.command, c.system_id) for c in commands] == [("BACKUP", "nas-01")]
    with pytest.raises(NotFoundError):
        calendar.object_by_uid("action-1")  # deleted on the server
    run_sync(force_refresh=True)
    assert db.session.execute(select(func.count(Command.id))).scalar_one() == 1
    assert "action-1" not in stored(collection_name)


def test_a_renamed_calendar_is_stored_under_its_local_id(make_app, radicale, calendar, collection_name):
    account = caldav_account(radicale, calendars=[{"remote": collection_name, "id": "team"}])
    start = soon(1, 9)
    calendar.save_event(timed("r1", "Renamed", start, start + timedelta(hours=1)))
    with make_app({"calendar": {"accounts": [account]}}).app_context():
        assert run_sync().get("error") is None
        assert set(stored("team")) == {"r1"} and stored(collection_name) == {}


def test_every_calendar_of_the_account_is_found_without_a_list(make_app, radicale, calendar, collection_name):
    start = soon(1, 9)
    calendar.save_event(timed("found", "Found", start, start + timedelta(hours=1)))
    with make_app({"calendar": {"accounts": [caldav_account(radicale)]}}).app_context():
        result = run_sync()
        assert result.get("error") is None, result
        assert collection_name in result["calendars"]
        assert set(stored(collection_name)) == {"found"}


def test_a_recurring_action_entry_gives_one_command_per_occurrence_and_each_is_excluded_upstream(
    caldav_app, calendar, collection_name
):
    first = soon(1, 7)
    calendar.save_event(
        document(
            vevent(
                "nightly",
                "ACTION: BACKUP nas-01",
                f"DTSTART;TZID=Europe/Berlin:{local(first.astimezone(ZoneInfo('Europe/Berlin')).replace(tzinfo=None))}",
                "DURATION:PT15M",
                "RRULE:FREQ=DAILY;COUNT=3",
            ),
            zone=BERLIN_ZONE,
        )
    )

    result = run_sync(days_ahead=7)

    assert result["events_consumed"] == 3 and result["pending_upstream"] == 0, result
    assert db.session.execute(select(func.count(Command.id))).scalar_one() == 3
    listing = calendar.objects_by_sync_token(None, load_objects=True)
    [series] = [obj.data for obj in listing.objects if obj.data and "UID:nightly" in obj.data]
    assert series.count("EXDATE") == 3  # each delivered occurrence is gone from the calendar, the series kept
    assert run_sync(days_ahead=7, force_refresh=True)["events_processed"] == 0
    assert db.session.execute(select(func.count(Command.id))).scalar_one() == 3
