"""Events written to a CalDAV calendar: a new resource (PUT with If-None-Match: *) or changed fields of one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from app.sources.base import SyncWindow
from app.sources.caldav_series import property_time
from app.sources.ics_parse import parse_feed_report
from app.timeutil import parse_datetime, to_utc

UTC_ZONE = ZoneInfo("UTC")


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else parse_datetime(str(value), UTC_ZONE)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC_ZONE


def set_fields(component: icalendar.Component, fields: dict[str, Any]) -> None:
    """Write the given event fields into a VEVENT (times in the event's own zone, all-day ones as dates)."""
    for key, prop in (("title", "SUMMARY"), ("description", "DESCRIPTION"), ("location", "LOCATION")):
        if key in fields:
            component.pop(prop, None)
            if fields[key]:
                component.add(prop, fields[key])
    if "start_time" not in fields and "end_time" not in fields and "all_day_date" not in fields:
        return
    start = _moment(fields.get("start_time") or property_time(component, "DTSTART"))
    end = _moment(fields.get("end_time") or start)
    for prop in ("DTSTART", "DTEND", "DURATION"):
        component.pop(prop, None)
    if fields.get("all_day"):
        day = fields.get("all_day_date") or start.date()
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        days = max(1, round((end - start) / timedelta(days=1)))
        component.add("DTSTART", day)
        component.add("DTEND", day + timedelta(days=days))
        return
    zone = _zone(fields.get("timezone"))
    component.add("DTSTART", start.astimezone(zone))
    component.add("DTEND", end.astimezone(zone))


def new_document(uid: str, fields: dict[str, Any]) -> bytes:
    """A VCALENDAR holding one new event (with the VTIMEZONE its zone needs)."""
    document = icalendar.Calendar()
    document.add("PRODID", "-//Chronos Engine//EN")
    document.add("VERSION", "2.0")
    event = icalendar.Event()
    event.add("UID", uid)
    event.add("DTSTAMP", datetime.now(UTC))
    set_fields(event, fields)
    document.add_component(event)
    document.add_missing_timezones()
    return document.to_ical()


def changed_document(data: str | bytes, uid: str, fields: dict[str, Any]) -> bytes | None:
    """The resource with the event's fields changed; None when it holds no single event with this UID."""
    document = icalendar.Calendar.from_ical(data)
    events = [c for c in document.walk("VEVENT") if str(c.get("UID")) == uid]
    if len(events) != 1 or "RRULE" in events[0] or "RECURRENCE-ID" in events[0]:
        return None
    set_fields(events[0], fields)
    events[0].pop("DTSTAMP", None)
    events[0].add("DTSTAMP", datetime.now(UTC))
    document.add_missing_timezones()
    return document.to_ical()


def single_version(data: str | bytes, uid: str, calendar_id: str, zone: ZoneInfo) -> str | None:
    """The version (SourceEvent.updated, a digest of the content) a sync reads for the single event `uid` of
    this resource; None when the resource does not hold it."""
    raw = data.encode() if isinstance(data, str) else data
    document = icalendar.Calendar.from_ical(raw)
    events = [c for c in document.walk("VEVENT") if str(c.get("UID")) == uid and "DTSTART" in c]
    if len(events) != 1:
        return None
    start = property_time(events[0], "DTSTART")
    moment = to_utc(start if isinstance(start, datetime) else datetime(start.year, start.month, start.day), zone)
    window = SyncWindow(moment - timedelta(days=2), moment + timedelta(days=2))
    found = [event for event in parse_feed_report(raw, calendar_id, window, zone).events if event.external_id == uid]
    return found[0].updated if found else None
