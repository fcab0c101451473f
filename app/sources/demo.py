"""A deterministic demo calendar built around "today", so a new installation has something to show."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.db import write_transaction
from app.extensions import db
from app.models import UpstreamDeletion
from app.sources.base import READ_ONLY, ChangePage, SourceError, SourceEvent, SyncWindow
from app.sources.deletions import remember_deletion
from app.timeutil import all_day_bounds, to_utc, today

WORK = "primary"
PERSONAL = "personal"
WEEKLY_MEETING = "demo-weekly-planning"

# (weekdays, start, minutes, slug, title, calendar, description, location); Monday is 0. Work lives on
# "primary", private life on "personal" (marked `work: false` in config/chronos.yaml, so it stays out of
# work-only metrics). Nothing on the work calendar overlaps, so the optimizer's suggestions are about real gaps.
ROUTINE = [
    (
        (0, 1, 2, 3, 4),
        time(9, 30),
        15,
        "standup",
        "Daily standup",
        WORK,
        "What I did, what I will do, blockers.",
        "Video call",
    ),
    ((0, 2, 4), time(13, 30), 120, "focus", "Focus block: deep work", WORK, "No meetings, notifications off.", ""),
    ((0, 1, 2, 3, 4), time(12, 30), 45, "lunch", "Lunch", PERSONAL, "", "Canteen"),
    ((1,), time(14, 0), 30, "one-on-one", "1:1 with Alex", WORK, "Career goals and current project.", "Room 2"),
    ((3,), time(15, 0), 60, "review", "Code review session", WORK, "Review open pull requests together.", ""),
    ((3,), time(19, 0), 120, "dinner", "Dinner with friends", PERSONAL, "", "Trattoria Roma"),
    ((5,), time(10, 0), 300, "hike", "Weekend hike", PERSONAL, "Bring water and snacks.", "Trailhead north"),
]

# Entries stored as focus blocks (event_type "block"), which analytics and the optimizer count as focus.
FOCUS_SLUGS = frozenset({"focus"})

# (day offset from today, start, minutes, slug, title): entries the command handler turns into other things.
SPECIAL = [
    (0, time(18, 0), 15, "backup", "ACTION: BACKUP nas-01 --full"),
    (1, time(16, 0), 15, "note", "NOTIZ: Ideas for the quarterly review: fewer meetings, more focus time"),
    (2, time(11, 0), 15, "link", "URL: https://example.org/team/agenda Weekly agenda"),
]


class DemoSource:
    """The demo calendars "primary" and "personal"; deletes are remembered in the database."""

    capabilities = READ_ONLY
    lists_window_end = True
    name = "demo"

    def __init__(self, zone: ZoneInfo, anchor: date | None = None):
        self.zone = zone
        self.anchor = anchor

    def calendars(self) -> list[str]:
        return [WORK, PERSONAL]

    def list_changes(self, calendar_id: str, sync_token: str | None, window: SyncWindow) -> Iterator[ChangePage]:
        """Always a full listing of the window: the demo has no change feed."""
        deleted = set(
            db.session.execute(
                select(UpstreamDeletion.external_id).where(UpstreamDeletion.calendar_id == calendar_id)
            ).scalars()
        )
        events = [
            event
            for event in self.build(window)
            if event.calendar_id == calendar_id and event.external_id not in deleted
        ]
        yield ChangePage(events=events, full=True, last=True, next_sync_token=None)

    def delete_event(self, calendar_id: str, external_id: str) -> None:
        """Remember the delete, so the entry is left out of every later listing."""
        with write_transaction() as session:
            remember_deletion(session, calendar_id, self.name, external_id)

    def patch_event(self, calendar_id: str, external_id: str, changes: dict, *, expected: str | None = None) -> None:
        """Never called (capabilities.patch is False): the demo calendar's events are generated."""
        raise SourceError("The demo calendar cannot change events upstream.")

    def insert_event(self, calendar_id: str, external_id: str, fields: dict) -> None:
        """Never called (capabilities.insert is False): the demo calendar's events are generated."""
        raise SourceError("The demo calendar cannot create events upstream.")

    def build(self, window: SyncWindow) -> list[SourceEvent]:
        """Every demo event overlapping the window, the same ones for the same "today"."""
        anchor = self.anchor or today(self.zone)
        first = window.start.astimezone(self.zone).date()
        last = (window.end or window.start + timedelta(days=14)).astimezone(self.zone).date()
        events: list[SourceEvent] = []
        day = first
        while day <= last:
            events.extend(self._day(day, anchor))
            day += timedelta(days=1)
        return [
            event
            for event in events
            if event.end_time is not None
            and event.start_time is not None
            and event.end_time > window.start
            and (window.end is None or event.start_time < window.end)
        ]

    def _day(self, day: date, anchor: date) -> list[SourceEvent]:
        events = [
            self._timed(
                f"demo-{slug}-{day:%Y%m%d}",
                calendar,
                title,
                day,
                start,
                minutes,
                description,
                location,
                "block" if slug in FOCUS_SLUGS else None,
            )
            for weekdays, start, minutes, slug, title, calendar, description, location in ROUTINE
            if day.weekday() in weekdays
        ]
        if day.weekday() == 0:
            meeting = self._timed(
                f"{WEEKLY_MEETING}_{day:%Y%m%d}",
                WORK,
                "Weekly planning",
                day,
                time(11, 0),
                60,
                "Priorities for the week.",
                "Room 1",
            )
            meeting.recurring_event_id = WEEKLY_MEETING
            meeting.original_start_time = meeting.start_time
            meeting.attendees = ["alex@example.org", "sam@example.org"]
            events.append(meeting)
        if day == anchor + timedelta(days=3):
            start, end = all_day_bounds(day, None, self.zone)
            events.append(
                self._finish(
                    SourceEvent(
                        external_id=f"demo-offsite-{day:%Y%m%d}",
                        calendar_id=WORK,
                        title="Team offsite",
                        start_time=start,
                        end_time=end,
                        all_day=True,
                        all_day_date=day,
                        location="Lake house",
                    )
                )
            )
        for offset, at, minutes, slug, title in SPECIAL:
            if day == anchor + timedelta(days=offset):
                events.append(self._timed(f"demo-{slug}-{day:%Y%m%d}", WORK, title, day, at, minutes, "", ""))
        return events

    def _timed(
        self,
        external_id: str,
        calendar_id: str,
        title: str,
        day: date,
        start: time,
        minutes: int,
        description: str,
        location: str,
        event_type: str | None = None,
    ) -> SourceEvent:
        begin = to_utc(datetime.combine(day, start), self.zone)
        return self._finish(
            SourceEvent(
                external_id=external_id,
                calendar_id=calendar_id,
                title=title,
                start_time=begin,
                end_time=begin + timedelta(minutes=minutes),
                description=description,
                location=location,
                event_type=event_type,
            )
        )

    def _finish(self, event: SourceEvent) -> SourceEvent:
        event.timezone = self.zone.key
        event.updated = event.fingerprint()
        return event


CAPABILITIES = DemoSource.capabilities


def default_calendars(settings, account) -> list[str]:
    """The demo's two calendars."""
    return [WORK, PERSONAL]


def build_account(settings, account, sleep=None) -> DemoSource:
    """The demo source in the installation's zone."""
    return DemoSource(settings.zone)
