"""The dashboard's one way of showing a time: the `when` filter, in the app's time zone, server-side (so it
works without JavaScript), with relative times ("in 2 h") that carry the exact time on hover."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, overload
from zoneinfo import ZoneInfo

from flask import g
from markupsafe import Markup, escape

from app.config import current_settings
from app.dashboard import bp
from app.timeutil import to_utc, utcnow


def app_zone() -> ZoneInfo:
    """The app's time zone, looked up once per request (a list shows hundreds of times)."""
    zone = g.get("chronos_zone")
    if zone is None:
        zone = g.chronos_zone = current_settings().zone
    return zone


@overload
def local(value: datetime) -> datetime: ...
@overload
def local(value: None) -> None: ...
@overload
def local(value: datetime | None) -> datetime | None: ...
def local(value: datetime | None) -> datetime | None:
    """An aware time in the app's time zone (the zone the dashboard shows everything in)."""
    if not value:
        return None
    zone = app_zone()
    return to_utc(value, zone).astimezone(zone)


# Names looked up rather than strftime'd: strftime costs several microseconds a call, and a list has hundreds.
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _date_text(day: date) -> str:
    """'Tue 3 Mar 2026'."""
    return f"{DAYS[day.weekday()][:3]} {day.day} {MONTHS[day.month - 1][:3]} {day.year}"


def _time_text(moment: datetime) -> str:
    """'09:30' (24-hour)."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def relative(value: datetime, now: datetime | None = None) -> str:
    """'in 2 h', '3 min ago', 'in 5 days', 'just now' (rounded down, so 'in 2 h' is at least two hours)."""
    seconds = (value - (now or utcnow())).total_seconds()
    span = abs(seconds)
    if span < 60:
        return "just now"
    if span < 3600:
        text = f"{int(span // 60)} min"
    elif span < 86400:
        text = f"{int(span // 3600)} h"
    else:
        count, unit = _count(span / 86400)
        text = f"{count} {unit}"
    return f"in {text}" if seconds > 0 else f"{text} ago"


def _count(days: float) -> tuple[int, str]:
    """Days as days (under two months), months (under a year) or years, singular or plural."""
    if days < 60:
        count, unit = int(days), "day"
    elif days < 365:
        count, unit = int(days // 30), "month"
    else:
        count, unit = int(days // 365), "year"
    return count, unit if count == 1 else unit + "s"


def _exact(moment: datetime) -> str:
    return f"{_date_text(moment.date())}, {_time_text(moment)} ({app_zone().key})"


def _time_tag(moment: datetime, text: str, title: str | None = None) -> Markup:
    """<time> with the machine-readable instant (UTC) and the exact local time as its tooltip."""
    stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # Built by hand rather than with Markup.format, which is several times slower on a list of hundreds of rows.
    return Markup(f'<time datetime="{stamp}" title="{escape(title or _exact(moment))}">{escape(text)}</time>')  # noqa: S704


def _event_text(event: Any) -> str:
    """An event's span: 'Tue 3 Mar 2026, 09:30–10:30', or 'Tue 3 Mar 2026, all day' (end day exclusive)."""
    if event.all_day:
        first = event.all_day_date or local(event.start_time).date()
        last = local(event.end_time).date() - timedelta(days=1) if event.end_time else first
        if last <= first:
            return f"{_date_text(first)}, all day"
        return f"{_date_text(first)} – {_date_text(last)}, all day"
    start, end = local(event.start_time), local(event.end_time)
    if end is None or end == start:
        return f"{_date_text(start.date())}, {_time_text(start)}"
    if end.date() == start.date():
        return f"{_date_text(start.date())}, {_time_text(start)}–{_time_text(end)}"
    return f"{_date_text(start.date())}, {_time_text(start)} – {_date_text(end.date())}, {_time_text(end)}"


@bp.app_template_filter("when")
def when(value: Any, style: str = "datetime") -> str | Markup:
    """Every time the dashboard shows, one filter, in the app time zone. Styles:
    'datetime' Tue 3 Mar 2026, 09:30 · 'time' 09:30 · 'date' Tue 3 Mar 2026 (a date or a time) ·
    'heading' Tuesday 3 March · 'relative' <time title=exact>in 2 h</time> ·
    'event' (an event) <time>Tue 3 Mar 2026, 09:30–10:30</time>, all-day events as dates.
    """
    if value is None or value == "":
        return "—"
    if style == "event":
        return _time_tag(value.start_time, _event_text(value))
    if isinstance(value, datetime):
        moment = local(value)
        day = moment.date()
    else:
        moment, day = None, value
    if style == "date":
        return _date_text(day)
    if style == "heading":
        return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"
    if moment is None:  # a plain date has no time of day
        return _date_text(day)
    if style == "time":
        return _time_text(moment)
    if style == "relative":
        return _time_tag(moment, relative(moment))
    return f"{_date_text(day)}, {_time_text(moment)}"


@bp.app_template_filter("clock")
def clock(value: datetime | None) -> str:
    """HH:MM in the app time zone (the 'time' style of `when`, kept for the calendar templates)."""
    return when(value, "time") if value else ""


@bp.app_template_filter("day_label")
def day_label(value: date) -> str:
    """'Tuesday 3 March' for day headings (the 'heading' style of `when`)."""
    return when(value, "heading")


@bp.app_template_filter("iso_local")
def iso_local(value: datetime | None) -> str:
    """YYYY-MM-DDTHH:MM in the app zone: the value an <input type=datetime-local> expects (not for display)."""
    moment = local(value)
    return moment.strftime("%Y-%m-%dT%H:%M") if moment else ""
