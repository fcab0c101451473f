"""Calendar pages: a week grid and a month grid, with previous/next/today and a calendar filter."""

from __future__ import annotations

from datetime import timedelta

from flask import request

from app.auth import login_required
from app.config import current_settings
from app.dashboard import bp, queries
from app.dashboard.views_calendar_layout import (
    events_by_day,
    hour_labels,
    layout_week,
    month_days,
    now_row,
    week_start,
)
from app.dashboard.views_common import day_param
from app.errors import InvalidInputError
from app.htmx import render
from app.timeutil import OutOfRange, parse_day, today, utcnow

MONTH_CELL_EVENTS = 3


def _calendar_arg() -> str:
    return request.args.get("calendar", "").strip()


@bp.get("/calendar")
@bp.get("/calendar/week")
@login_required
def calendar_week():
    """Seven days, hours as rows; ?start=any day of the wanted week."""
    zone = current_settings().zone
    monday = week_start(day_param("start", today(zone)) or today(zone))
    calendar = _calendar_arg()
    events = queries.window_events(monday, 7, [calendar] if calendar else None)
    now_day, now_at = now_row(utcnow(), zone)
    return render(
        "dashboard/calendar_week.html",
        "dashboard/_calendar_week.html",
        week=layout_week(monday, events, zone),
        monday=monday,
        today=today(zone),
        calendar=calendar,
        calendars=queries.event_calendars(),
        hours=hour_labels(),
        now_day=now_day,
        now_at=now_at,
        prev=monday - timedelta(days=7),
        next=monday + timedelta(days=7),
        count=len(events),
        zone_name=zone.key,
    )


@bp.get("/calendar/month")
@login_required
def calendar_month():
    """A month as weeks of days, a few events per day; ?month=YYYY-MM."""
    zone = current_settings().zone
    month = request.args.get("month", "")
    try:
        first = parse_day(month + "-01") if month else today(zone).replace(day=1)
    except OutOfRange as exc:
        raise InvalidInputError("month", str(exc)) from None
    except ValueError:
        first = today(zone).replace(day=1)
    days = month_days(first)
    calendar = _calendar_arg()
    events = queries.window_events(days[0], len(days), [calendar] if calendar else None)
    return render(
        "dashboard/calendar_month.html",
        "dashboard/_calendar_month.html",
        first=first,
        days=days,
        by_day=events_by_day(events, days, zone),
        today=today(zone),
        calendar=calendar,
        calendars=queries.event_calendars(),
        per_cell=MONTH_CELL_EVENTS,
        prev=(first - timedelta(days=1)).replace(day=1),
        next=(first + timedelta(days=32)).replace(day=1),
    )
