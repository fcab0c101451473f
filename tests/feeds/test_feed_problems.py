"""ICS feeds that real exporters produce: no UID, one id twice, a broken component, compressed bodies."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Event, SyncState
from app.services import sync_jobs
from app.services.sync import run_sync, sync_overview
from app.sources.ics_parse import GENERATED_UID_PREFIX

FMT = "%Y%m%dT%H%M%SZ"


def start() -> datetime:
    return (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)


def vevent(lines: list[str]) -> str:
    return "BEGIN:VEVENT\n" + "\n".join(lines) + "\nEND:VEVENT\n"


def calendar(*events: str) -> bytes:
    return ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n" + "".join(events) + "END:VCALENDAR\n").encode()


def ics_app(make_app, feeds: dict[str, str], **extra):
    settings = {"calendar": {"source": "ics", "ics_feeds": [{"id": key, "url": url} for key, url in feeds.items()]}}
    settings.update(extra)
    return make_app(settings)


def rows(calendar_id: str) -> list[Event]:
    db.session.rollback()
    return list(db.session.execute(select(Event).where(Event.calendar_id == calendar_id)).scalars())


def test_events_without_uid_get_a_stable_content_id_and_are_kept(make_app, feed_server):
    s = start()
    body = calendar(
        vevent([f"DTSTART:{s:{FMT}}", f"DTEND:{s + timedelta(hours=1):{FMT}}", "SUMMARY:No uid one"]),
        vevent([f"DTSTART:{s + timedelta(days=1):{FMT}}", "DURATION:PT30M", "SUMMARY:No uid two"]),
        vevent(["UID:with@uid", f"DTSTART:{s:{FMT}}", "SUMMARY:Has a uid"]),
    )
    app = ics_app(make_app, {"team": feed_server.add("/team.ics", body)})
    with app.app_context():
        first = run_sync(days_ahead=10)
        stored = {row.title: row.external_id for row in rows("team")}
        assert first.get("error") is None and first["events_created"] == 3 == len(stored)
        assert stored["Has a uid"] == "with@uid"
        assert stored["No uid one"].startswith(GENERATED_UID_PREFIX)
        assert stored["No uid one"] != stored["No uid two"]
        assert first["problems"] == []

        second = run_sync(days_ahead=10)  # same content, same ids: nothing new, nothing deleted
        assert (second["events_created"], second["events_updated"], second["events_deleted"]) == (0, 0, 0)
        assert {row.title: row.external_id for row in rows("team")} == stored


def test_one_id_twice_never_fails_the_feed(make_app, feed_server):
    """Google's "modifications only" export and RANGE=THISANDFUTURE changes: every occurrence stored once."""
    s = start()
    master = vevent(
        [
            "UID:series@x",
            f"DTSTART:{s:{FMT}}",
            f"DTEND:{s + timedelta(hours=1):{FMT}}",
            "RRULE:FREQ=DAILY;COUNT=6",
            "SUMMARY:Daily",
        ]
    )
    future = vevent(
        [
            "UID:series@x",
            f"RECURRENCE-ID;RANGE=THISANDFUTURE:{s + timedelta(days=2):{FMT}}",
            f"DTSTART:{s + timedelta(days=2, hours=2):{FMT}}",
            f"DTEND:{s + timedelta(days=2, hours=3):{FMT}}",
            "SUMMARY:Daily, later from now on",
        ]
    )
    only_changes = [
        vevent(["UID:mods@x", f"RECURRENCE-ID:{s + timedelta(days=d):{FMT}}", f"DTSTART:{s + timedelta(days=d):{FMT}}"])
        for d in (1, 3)
    ]
    twice = [vevent(["UID:twice@x", f"DTSTART:{s:{FMT}}", f"SUMMARY:{title}"]) for title in ("First", "Second")]
    body = calendar(master, future, *only_changes, *twice)
    app = ics_app(make_app, {"team": feed_server.add("/team.ics", body)})
    with app.app_context():
        result = run_sync(days_ahead=10)
        stored = rows("team")
        assert result.get("error") is None
        series = sorted((row for row in stored if row.recurring_event_id == "series@x"), key=lambda r: r.start_time)
        assert len(series) == 6 and len({row.external_id for row in series}) == 6
        assert [row.title for row in series].count("Daily, later from now on") == 4
        assert series[3].start_time == s + timedelta(days=3, hours=2)
        assert len([row for row in stored if row.recurring_event_id == "mods@x"]) == 2
        [kept] = [row for row in stored if row.external_id == "twice@x"]
        assert kept.title == "Second"  # the later definition wins
        [problem] = result["problems"]
        assert problem["uid"] == "twice@x" and "defined twice" in problem["message"]
        assert problem["skipped"] == 0 and problem["summary"] == "First"  # replaced, not lost
        assert result["events_created"] == len(stored) == 6 + 2 + 1


def test_a_broken_component_is_skipped_and_shown_the_rest_is_stored(make_app, feed_server, dashboard):
    s = start()
    body = calendar(
        vevent(["UID:good@x", f"DTSTART:{s:{FMT}}", "SUMMARY:Fine"]),
        vevent(["UID:nostart@x", "SUMMARY:Lost start"]),
        vevent(["UID:baddate@x", "DTSTART:INVALID-DATE", "SUMMARY:Bad date"]),
        vevent(["UID:badrule@x", f"DTSTART:{s:{FMT}}", "RRULE:FREQ=NEVERLY", "SUMMARY:Bad rule"]),
        vevent(["UID:good2@x", f"DTSTART:{s + timedelta(hours=3):{FMT}}", "SUMMARY:Also fine"]),
    )
    secret_url = feed_server.add("/team.ics", body).replace("http://", "http://user:hunter2@") + "?token=s3cret"
    app = ics_app(make_app, {"team": secret_url})
    with app.app_context():
        result = run_sync(days_ahead=10)
        assert result.get("error") is None
        assert sorted(row.title for row in rows("team")) == ["Also fine", "Fine"]
        assert result["events_created"] == 2
        problems = {problem["uid"]: problem for problem in result["problems"]}
        assert set(problems) == {"nostart@x", "baddate@x", "badrule@x"}
        assert problems["nostart@x"]["message"] == "it has no DTSTART property"
        assert problems["nostart@x"]["summary"] == "Lost start" and problems["nostart@x"]["line"] == 9
        assert "DTSTART cannot be read" in problems["baddate@x"]["message"]
        assert "Error" not in " ".join(problem["message"] for problem in problems.values())
        state = db.session.get(SyncState, "team")
        assert state.status == "ok" and state.last_error is None
        [overview] = sync_overview()
        assert {problem["uid"] for problem in overview["problems"]} == set(problems)

        page = dashboard.get("/sync")
        assert page.status_code == 200
        assert "3 problems" in page.text and "it has no DTSTART property" in page.text and "Lost start" in page.text
        assert "hunter2" not in page.text and "s3cret" not in page.text

        job = sync_jobs.request_sync(days_ahead=10, calendar_id="team")
        sync_jobs.run_next_queued_job()
        db.session.rollback()
        report = sync_jobs.job_report(sync_jobs.get_job(job.id))
        assert report.status == "succeeded" and report.error is None and report.problems is not None
        assert {problem["uid"] for problem in report.problems} == set(problems)
        assert all(problem["calendar_id"] == "team" for problem in report.problems)


def test_a_feed_that_fails_stores_nothing_and_reports_no_counts(make_app, feed_server):
    app = ics_app(make_app, {"team": feed_server.add("/team.ics", b"this is no calendar at all")})
    with app.app_context():
        result = run_sync(days_ahead=10)
        assert "not a valid calendar" in result["error"] and result["events_created"] == 0
        state = db.session.get(SyncState, "team")
        assert state.status == "error" and "not a valid calendar" in state.last_error


@pytest.mark.parametrize(
    "encoding, pack",
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send it
    ],
)
def test_compressed_feeds_are_decoded(make_app, feed_server, encoding, pack):
    s = start()
    body = calendar(vevent(["UID:zip@x", f"DTSTART:{s:{FMT}}", "SUMMARY:Zipped"]))
    url = feed_server.add("/team.ics", pack(body), headers={"Content-Encoding": encoding})
    app = ics_app(make_app, {"team": url})
    with app.app_context():
        result = run_sync(days_ahead=10)
        assert result.get("error") is None, result["error"]
        assert [row.title for row in rows("team")] == ["Zipped"]
