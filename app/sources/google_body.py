"""Chronos event fields as the body of a Google Calendar events.insert or events.patch request."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.timeutil import parse_datetime

UTC_ZONE = ZoneInfo("UTC")
# Chronos field name → Google field name, for the text fields.
TEXT_FIELDS = (("title", "summary"), ("description", "description"), ("location", "location"))


def event_body(fields: dict[str, Any]) -> dict[str, Any]:
    """The Google fields for the given Chronos fields (JSON values as the outbox stores them); only what is
    given is set, so a patch changes nothing else."""
    body: dict[str, Any] = {name: fields[key] or "" for key, name in TEXT_FIELDS if key in fields}
    if fields.get("all_day") and fields.get("all_day_date"):
        body.update(_all_day(fields))
        return body
    zone = fields.get("timezone") or "UTC"
    for key, name in (("start_time", "start"), ("end_time", "end")):
        if fields.get(key):
            # An absolute time; the zone tells Google how to show it (and how a recurrence would repeat).
            body[name] = {"dateTime": fields[key], "timeZone": zone}
    return body


def _all_day(fields: dict[str, Any]) -> dict[str, Any]:
    """Dates of an all-day event: Google's end date is exclusive, so a one-day event ends the next day."""
    first = date.fromisoformat(str(fields["all_day_date"]))
    days = 1
    if fields.get("start_time") and fields.get("end_time"):
        start = parse_datetime(fields["start_time"], UTC_ZONE)
        end = parse_datetime(fields["end_time"], UTC_ZONE)
        days = max(1, round((end - start) / timedelta(days=1)))
    return {"start": {"date": first.isoformat()}, "end": {"date": (first + timedelta(days=days)).isoformat()}}
