"""An ICS document to SourceEvents, component by component: what cannot be read is skipped and reported.

A feed is never failed by one bad event. Components without a UID get a stable one derived from their
content; occurrences that end up with the same id keep the one defined last; every component or occurrence
left out becomes a problem ({"uid", "summary", "line", "message", "skipped"}) shown on the calendar's status;
"skipped" counts the occurrences left out: 0 when a later definition replaced the component, null when the
component could not be expanded at all.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from app.sources.base import SourceError, SourceEvent, SyncWindow
from app.sources.ics_problems import GENERATED_UID_PREFIX, FeedProblems, plain_reason, text_value
from app.timeutil import all_day_bounds, to_utc

log = logging.getLogger(__name__)

# The properties whose values identify a component without a UID (its content, not its position).
IDENTIFYING_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "SUMMARY", "LOCATION", "RRULE", "RDATE", "EXDATE")


@dataclass
class ParsedFeed:
    """The events of a feed and what had to be left out of it."""

    events: list[SourceEvent]
    problems: list[dict[str, Any]] = field(default_factory=list)


def parse_feed_report(data: bytes, calendar_id: str, window: SyncWindow, zone: ZoneInfo) -> ParsedFeed:
    """Every occurrence in the window as a SourceEvent; recurring instances get an id per occurrence."""
    calendars = _load(data, calendar_id)
    problems = FeedProblems(data.decode("utf-8", "replace").replace("\r\n", "\n"))
    end = window.end or window.start + timedelta(days=366)
    by_id: dict[str, tuple[SourceEvent, Any]] = {}
    for calendar in calendars:
        components = list(calendar.walk("VEVENT"))
        _give_uids(components)
        components = _drop_redefined(calendar, components, problems)
        series = _series_uids(components)
        modifications = {(str(c.get("UID")), _raw(c.get("RECURRENCE-ID"))): c for c in components}
        for occurrence in _expand(calendar, components, window.start, end, problems):
            try:
                event = _to_source_event(occurrence, calendar_id, series, modifications, zone)
            except Exception as exc:  # one occurrence that cannot be read: skip it and say why
                problems.add(occurrence, plain_reason(exc))
                continue
            earlier = by_id.get(event.external_id)
            if earlier is not None:
                problems.add(earlier[1], "defined twice with the same id; the later definition is kept")
            by_id[event.external_id] = (event, occurrence)
    return ParsedFeed(events=[event for event, _ in by_id.values()], problems=problems.as_list())


def _load(data: bytes, calendar_id: str) -> list[icalendar.Calendar]:
    """The document's calendars (several are allowed; a bare VEVENT is taken as a calendar of one)."""
    try:
        components = icalendar.Calendar.from_ical(data, multiple=True)
        if not components and re.search(rb"^BEGIN:VCALENDAR", data, re.MULTILINE | re.IGNORECASE):
            # A cut-off download or a sloppy exporter: the calendar is never closed. Read what is there.
            components = icalendar.Calendar.from_ical(data.rstrip() + b"\r\nEND:VCALENDAR\r\n", multiple=True)
    except Exception as exc:  # icalendar raises several types for malformed input
        raise SourceError(f"ICS feed {calendar_id!r} is not a valid calendar: {plain_reason(exc)}") from None
    calendars = []
    for component in components:
        if component.name == "VCALENDAR":
            calendars.append(component)
        elif component.name == "VEVENT":
            wrapper = icalendar.Calendar()
            wrapper.add_component(component)
            calendars.append(wrapper)
    if not calendars:
        found = ", ".join(sorted({str(c.name) for c in components})) or "nothing readable"
        raise SourceError(f"ICS feed {calendar_id!r} is not a valid calendar: it holds no VCALENDAR (found {found}).")
    return calendars


def _give_uids(components: Iterable) -> None:
    """Components without a UID get one derived from their identifying properties (stable across syncs)."""
    for component in components:
        if str(component.get("UID") or "").strip():
            continue
        parts = [f"{name}={_raw(component.get(name))}" for name in IDENTIFYING_PROPERTIES]
        digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]
        component["UID"] = GENERATED_UID_PREFIX + digest


def _drop_redefined(calendar, components: list, problems: FeedProblems) -> list:
    """Of components with the same UID and RECURRENCE-ID, keep the one defined last (expanding would keep
    only the first, silently); the replaced ones are reported, their occurrences are not lost but replaced."""
    last: dict[tuple[str, str], Any] = {}
    for component in components:
        last[(str(component.get("UID")), _raw(component.get("RECURRENCE-ID")))] = component
    kept_ids = {id(component) for component in last.values()}
    if len(kept_ids) == len(components):
        return components
    for component in components:
        if id(component) not in kept_ids:
            problems.add(component, "defined twice (same UID and RECURRENCE-ID); the later definition is kept", 0)
    calendar.subcomponents = [c for c in calendar.subcomponents if c.name != "VEVENT" or id(c) in kept_ids]
    return [component for component in components if id(component) in kept_ids]


def _raw(value: Any) -> str:
    """A property as written in the file, parameters included (lists joined), for hashing and lookups."""
    if value is None:
        return ""
    values = value if isinstance(value, list) else [value]
    out = []
    for item in values:
        params = getattr(item, "params", {}) or {}
        try:
            body = item.to_ical()
            body = body.decode() if isinstance(body, bytes) else str(body)
        except Exception:
            body = str(item)
        out.append(";".join([*(f"{k}={v}" for k, v in sorted(params.items())), body]))
    return ",".join(out)


def _series_uids(components: list) -> set[str]:
    """UIDs whose occurrences need an id each: repeating, or defined by more than one component."""
    counts: dict[str, int] = {}
    repeating = set()
    for component in components:
        uid = str(component.get("UID"))
        counts[uid] = counts.get(uid, 0) + 1
        if "RRULE" in component or "RDATE" in component:
            repeating.add(uid)
    return repeating | {uid for uid, count in counts.items() if count > 1}


def _expand(calendar, components: list, start: datetime, end: datetime, problems: FeedProblems) -> list:
    """The occurrences in the window; when the calendar as a whole cannot be expanded, UID by UID, leaving
    out (and reporting) the components that fail on their own."""
    try:
        return list(recurring_ical_events.of(calendar).between(start, end))
    except Exception as exc:
        log.debug("expanding the whole feed failed (%s): going UID by UID", exc)
    groups: dict[str, list] = {}
    for component in components:
        groups.setdefault(str(component.get("UID")), []).append(component)
    zones = list(calendar.walk("VTIMEZONE"))
    occurrences: list = []
    for group in groups.values():
        try:
            occurrences.extend(_between(zones, group, start, end))
            continue
        except Exception as exc:
            log.debug("expanding UID %s failed (%s): component by component", group[0].get("UID"), exc)
        healthy = []
        for component in group:
            try:
                _between(zones, [component], start, end)
            except Exception as exc:
                problems.add(component, plain_reason(exc), skipped=None)
            else:
                healthy.append(component)
        try:
            occurrences.extend(_between(zones, healthy, start, end))
        except Exception as exc:
            for component in healthy:
                problems.add(component, plain_reason(exc), skipped=None)
    return occurrences


def _between(zones: list, components: list, start: datetime, end: datetime) -> list:
    calendar = icalendar.Calendar()
    for component in [*zones, *components]:
        calendar.add_component(component)
    return list(recurring_ical_events.of(calendar).between(start, end))


def _to_source_event(component, calendar_id: str, series: set[str], modifications: dict, zone: ZoneInfo) -> SourceEvent:
    """One occurrence as a SourceEvent; a ValueError in plain words when it lacks what an event needs."""
    uid = str(component.get("UID"))
    if "DTSTART" not in component:
        raise ValueError("it has no start (DTSTART)")
    start = component["DTSTART"].dt
    end = component["DTEND"].dt if "DTEND" in component else None
    if end is None and "DURATION" in component:
        end = start + component["DURATION"].dt
    if not isinstance(start, date):
        raise ValueError(f"its start (DTSTART) is not a date or a date-time: {start!r}")
    event = SourceEvent(
        external_id=uid,
        calendar_id=calendar_id,
        title=text_value(component.get("SUMMARY"))[:200],
        description=text_value(component.get("DESCRIPTION")),
        location=text_value(component.get("LOCATION"))[:500],
        attendees=[_address(a) for a in _as_list(component.get("ATTENDEE"))],
        organizer=_address(component["ORGANIZER"]).lower() or None if component.get("ORGANIZER") else None,
    )
    if isinstance(start, datetime):
        event.timezone = getattr(start.tzinfo, "key", None) or zone.key
        event.start_time = to_utc(start, zone)
        event.end_time = to_utc(end, zone) if isinstance(end, datetime) else event.start_time
        event.end_time = max(event.end_time, event.start_time)
    else:
        end_day = end if isinstance(end, date) and not isinstance(end, datetime) and end > start else None
        event.all_day, event.all_day_date, event.timezone = True, start, zone.key
        event.start_time, event.end_time = all_day_bounds(start, end_day, zone)
    if uid in series:
        original = _original_start(component, modifications)
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


def _original_start(component, modifications: dict) -> date:
    """The slot an occurrence fills in its series. A RANGE=THISANDFUTURE change repeats its RECURRENCE-ID on
    every later occurrence, so for those the slot is the occurrence's start moved back by the change's shift."""
    start = component["DTSTART"].dt
    if "RECURRENCE-ID" not in component:
        return start
    recurrence = component["RECURRENCE-ID"]
    if str(recurrence.params.get("RANGE", "")).upper() != "THISANDFUTURE":
        return recurrence.dt
    change = modifications.get((str(component.get("UID")), _raw(recurrence)))
    try:
        return start - (change["DTSTART"].dt - recurrence.dt)  # type: ignore[index]  # None raises, as wanted
    except Exception:  # mixed date and date-time values: the recurrence id is the best we have
        return recurrence.dt


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _address(value: object) -> str:
    """An ATTENDEE or ORGANIZER value without its mailto: scheme."""
    text = str(value).strip()
    return text[7:] if text[:7].lower() == "mailto:" else text
