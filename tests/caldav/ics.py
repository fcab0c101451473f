"""Small iCalendar documents for the CalDAV tests (what a calendar app would PUT)."""

from __future__ import annotations

from datetime import date, datetime

BERLIN_ZONE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
END:DAYLIGHT
END:VTIMEZONE
"""


def document(*events: str, zone: str = "") -> str:
    body = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Chronos tests//EN\n" + zone + "".join(events) + "END:VCALENDAR\n"
    return body.replace("\n", "\r\n")


def vevent(uid: str, summary: str, *lines: str) -> str:
    return (
        "BEGIN:VEVENT\nUID:"
        + uid
        + "\nDTSTAMP:20260101T000000Z\nSUMMARY:"
        + summary
        + "\n"
        + "".join(line + "\n" for line in lines)
        + "END:VEVENT\n"
    )


def utc(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def local(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def day(value: date) -> str:
    return value.strftime("%Y%m%d")


def timed(uid: str, summary: str, start: datetime, end: datetime) -> str:
    """A one-off event in UTC."""
    return document(vevent(uid, summary, f"DTSTART:{utc(start)}", f"DTEND:{utc(end)}"))
