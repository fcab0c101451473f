"""The demo source: deterministic around today, through the whole pipeline, deletes remembered."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.extensions import db
from app.models import Command, Event, Note, UrlPayload
from app.services.sync import run_sync, sync_window
from app.sources.demo import DemoSource


def test_demo_calendar_is_deterministic_and_realistic():
    zone = ZoneInfo("Europe/Berlin")
    anchor = date(2026, 3, 4)  # a Wednesday
    window = sync_window(7, 7)
    source = DemoSource(zone, anchor=anchor)
    first, second = source.build(window), DemoSource(zone, anchor=anchor).build(window)

    assert [(e.external_id, e.start_time, e.updated) for e in first] == [
        (e.external_id, e.start_time, e.updated) for e in second
    ]
    assert {e.calendar_id for e in first} == {"primary", "personal"}
    assert len({e.external_id for e in first}) == len(first)
    titles = {e.title for e in first}
    assert {"Daily standup", "Lunch", "Weekly planning"} <= titles


def test_demo_relative_to_today_has_all_day_recurring_and_special_entries():
    zone = ZoneInfo("UTC")
    source = DemoSource(zone)
    events = source.build(sync_window(14, 7))
    all_day = [e for e in events if e.all_day]
    assert all_day and all_day[0].end_time - all_day[0].start_time == timedelta(days=1)
    weekly = [e for e in events if e.recurring_event_id == "demo-weekly-planning"]
    assert weekly and all(e.original_start_time == e.start_time for e in weekly)
    assert any(e.start_time.astimezone(zone).weekday() == 5 for e in events)  # a weekend event
    assert any(e.start_time.astimezone(zone).hour >= 19 for e in events)  # an evening event
    prefixes = {e.title.split(":")[0] for e in events if ":" in e.title}
    assert {"ACTION", "NOTIZ", "URL"} <= prefixes


def test_demo_sync_through_the_pipeline_consumes_once_and_the_entries_stay_gone(app):
    first = run_sync(days_ahead=7)

    assert first.get("error") is None
    assert first["events_consumed"] == 3 and first["pending_upstream"] == 0
    counts = [db.session.execute(select(func.count(m.id))).scalar_one() for m in (Command, Note, UrlPayload)]
    assert counts == [1, 1, 1]
    events = db.session.execute(select(func.count(Event.id))).scalar_one()
    assert events == first["events_created"] > 20
    assert not db.session.execute(select(Event).where(Event.title.like("ACTION:%"))).first()

    second = run_sync(days_ahead=7)

    assert second["events_consumed"] == 0 and second["events_created"] == 0 and second["events_updated"] == 0
    assert second["events_deleted"] == 0
    assert [db.session.execute(select(func.count(m.id))).scalar_one() for m in (Command, Note, UrlPayload)] == [1, 1, 1]


def test_demo_deletes_survive_a_new_app(make_app):
    first_app = make_app()
    with first_app.app_context():
        run_sync()
        victim = db.session.execute(select(Event).where(Event.title == "Lunch")).scalars().first()
        from app.services.events import delete_event

        delete_event(victim.id)
        run_sync()  # the outbox tells the demo source, which remembers
        external_id = victim.external_id
    restarted = make_app()
    with restarted.app_context():
        run_sync(force_refresh=True)
        assert not db.session.execute(select(Event).where(Event.external_id == external_id)).first()
        assert db.session.execute(select(func.count(Command.id))).scalar_one() == 1


def test_sync_overview_lists_each_calendar_with_its_last_run(app):
    from app.services.sync import sync_overview

    before = {row["calendar_id"]: row for row in sync_overview()}
    assert before["primary"]["status"] == "never" and before["primary"]["last_sync_at"] is None

    run_sync()
    rows = {row["calendar_id"]: row for row in sync_overview()}

    assert set(rows) == {"primary", "personal"}
    primary = rows["primary"]
    assert primary["source"] == "demo" and primary["status"] == "ok" and primary["configured"]
    assert primary["last_sync_at"].tzinfo is not None and primary["last_error"] is None
    assert primary["last_counts"]["events_consumed"] == 3 and primary["pending_upstream"] == 0
