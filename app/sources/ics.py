"""ICS feeds (files or http/https URLs), with recurrences expanded over the sync window."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from sqlalchemy import select

from app.db import write_transaction
from app.extensions import db
from app.models import UpstreamDeletion
from app.settings import IcsFeed
from app.sources.base import ChangePage, SourceError, SourceEvent, SyncWindow
from app.sources.deletions import remember_deletion
from app.timeutil import all_day_bounds, to_utc

FETCH_TIMEOUT_SECONDS = 15
MAX_FEED_BYTES = 10 * 1024 * 1024


class IcsSource:
    """Read-only: a delete is remembered locally, so the event stays away while the feed still lists it."""

    lists_window_end = True
    name = "ics"

    def __init__(
        self,
        feeds: list[IcsFeed],
        zone: ZoneInfo,
        max_bytes: int = MAX_FEED_BYTES,
        timeout: float = FETCH_TIMEOUT_SECONDS,
    ):
        self.feeds = {feed.id: feed for feed in feeds}
        self.zone = zone
        self.max_bytes = max_bytes
        self.timeout = timeout

    def calendars(self) -> list[str]:
        return list(self.feeds)

    def list_changes(self, calendar_id: str, sync_token: str | None, window: SyncWindow) -> Iterator[ChangePage]:
        feed = self.feeds.get(calendar_id)
        if feed is None:
            raise SourceError(f"No ICS feed with id {calendar_id!r} is configured (calendar.ics_feeds).")
        events = parse_feed(self.read(feed), calendar_id, window, self.zone)
        deleted = set(
            db.session.execute(
                select(UpstreamDeletion.external_id).where(UpstreamDeletion.calendar_id == calendar_id)
            ).scalars()
        )
        yield ChangePage(events=[e for e in events if e.external_id not in deleted], full=True, last=True)

    def delete_event(self, calendar_id: str, external_id: str) -> None:
        with write_transaction() as session:
            remember_deletion(session, calendar_id, self.name, external_id)

    def read(self, feed: IcsFeed) -> bytes:
        """The feed's bytes from its file or URL; a failure is a SourceError naming the feed."""
        if feed.path:
            try:
                data = Path(feed.path).read_bytes()
            except OSError as exc:
                raise SourceError(f"ICS feed {feed.id!r}: cannot read {feed.path}: {exc.strerror}") from None
            if len(data) > self.max_bytes:
                raise SourceError(f"ICS feed {feed.id!r} is larger than {self.max_bytes} bytes.")
            return data
        if feed.url:
            return fetch_url(feed.url, self.timeout, self.max_bytes, feed.id)
        raise SourceError(f"ICS feed {feed.id!r} needs a path or a url.")


def fetch_url(url: str, timeout: float, max_bytes: int, feed_id: str) -> bytes:
    """GET an http/https URL with a timeout and a size cap (a feed is not allowed to exhaust memory)."""
    if urlparse(url).scheme not in ("http", "https"):
        raise SourceError(f"ICS feed {feed_id!r}: only http and https URLs are allowed.")
    request = urllib.request.Request(url, headers={"User-Agent": "chronos-engine"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data = response.read(max_bytes + 1)
    except OSError as exc:
        raise SourceError(f"ICS feed {feed_id!r}: fetching {url} failed: {exc}") from None
    if len(data) > max_bytes:
        raise SourceError(f"ICS feed {feed_id!r} is larger than {max_bytes} bytes.")
    return data


def parse_feed(data: bytes, calendar_id: str, window: SyncWindow, zone: ZoneInfo) -> list[SourceEvent]:
    """Every occurrence in the window as a SourceEvent; recurring instances get an id per occurrence."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise SourceError(f"ICS feed {calendar_id!r} is not a valid calendar: {exc}") from None
    recurring = {str(c.get("UID")) for c in calendar.walk("VEVENT") if "RRULE" in c or "RDATE" in c}
    end = window.end or window.start + timedelta(days=366)
    events = []
    for component in recurring_ical_events.of(calendar).between(window.start, end):
        event = _to_source_event(component, calendar_id, recurring, zone)
        if event is not None:
            events.append(event)
    return events


def _to_source_event(component, calendar_id: str, recurring: set[str], zone: ZoneInfo) -> SourceEvent | None:
    uid = str(component.get("UID") or "")
    if not uid or "DTSTART" not in component:
        return None
    start = component["DTSTART"].dt
    end = component["DTEND"].dt if "DTEND" in component else None
    if end is None and "DURATION" in component:
        end = start + component["DURATION"].dt
    event = SourceEvent(
        external_id=uid,
        calendar_id=calendar_id,
        title=str(component.get("SUMMARY", ""))[:200],
        description=str(component.get("DESCRIPTION", "")),
        location=str(component.get("LOCATION", ""))[:500],
        attendees=[str(a).removeprefix("mailto:").removeprefix("MAILTO:") for a in _as_list(component.get("ATTENDEE"))],
    )
    if isinstance(start, datetime):
        event.timezone = getattr(start.tzinfo, "key", None) or zone.key
        event.start_time = to_utc(start, zone)
        event.end_time = to_utc(end, zone) if isinstance(end, datetime) else event.start_time
    else:
        end_day = end if isinstance(end, date) and end > start else None
        event.all_day, event.all_day_date, event.timezone = True, start, zone.key
        event.start_time, event.end_time = all_day_bounds(start, end_day, zone)
    if uid in recurring:
        original = component["RECURRENCE-ID"].dt if "RECURRENCE-ID" in component else start
        if isinstance(original, datetime):
            original_utc = to_utc(original, zone)
            stamp = f"{original_utc:%Y%m%dT%H%M%SZ}"
        else:
            original_utc = all_day_bounds(original, None, zone)[0]
            stamp = f"{original:%Y%m%d}"
        event.external_id = f"{uid}_{stamp}"
        event.recurring_event_id = uid
        event.original_start_time = original_utc
    event.updated = event.fingerprint()
    return event


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
