"""Removing one occurrence from a recurring CalDAV event: an EXDATE on the series, its override dropped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import icalendar


def occurrence_start(stamp: str) -> date | None:
    """The original start an occurrence id ends with (20260102T090000Z or 20260102), or None."""
    for layout, is_day in (("%Y%m%dT%H%M%SZ", False), ("%Y%m%d", True)):
        try:
            moment = datetime.strptime(stamp, layout)
        except ValueError:
            continue
        return moment.date() if is_day else moment.replace(tzinfo=UTC)
    return None


def property_time(component: icalendar.Component, name: str) -> date:
    """The date or datetime a DTSTART-like property holds (icalendar types a property as any value type)."""
    value = getattr(component[name], "dt", None)
    if not isinstance(value, date):
        raise ValueError(f"{name} holds no date or time: {value!r}")
    return value


def _same_slot(value: Any, start: date) -> bool:
    if isinstance(start, datetime):
        return isinstance(value, datetime) and value.astimezone(UTC) == start
    return not isinstance(value, datetime) and value == start


def exclude_occurrence(resource: Any, stamp: str) -> bool:
    """Exclude the occurrence starting at `stamp` from the series held by `resource` and save it; False when
    the resource holds no such series."""
    start = occurrence_start(stamp)
    if start is None:
        return False
    document = icalendar.Calendar.from_ical(resource.data)
    events = [c for c in document.subcomponents if getattr(c, "name", "") == "VEVENT"]
    masters = [c for c in events if "RECURRENCE-ID" not in c and "RRULE" in c]
    if not masters:
        return False
    for component in events:
        if "RECURRENCE-ID" in component and _same_slot(property_time(component, "RECURRENCE-ID"), start):
            document.subcomponents.remove(component)
    master = masters[0]
    if isinstance(property_time(master, "DTSTART"), datetime) or isinstance(start, datetime):
        master.add("EXDATE", start if isinstance(start, datetime) else datetime(start.year, start.month, start.day))
    else:
        master.add("EXDATE", start)
    resource.data = document.to_ical().decode()
    resource.save()
    return True
