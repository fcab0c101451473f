"""Calendar pages: a week grid and a month grid, with previous/next/today and a calendar filter; moving an
event by dragging it in the week; the calendar colour stylesheet."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, request

from app.api.errors import error_response
from app.auth import login_required
from app.config import current_settings
from app.dashboard import bp, queries
from app.dashboard.calendar_colors import assign_colors, calendar_class, stylesheet
from app.dashboard.views_calendar_layout import (
    events_by_day,
    hour_labels,
    layout_week,
    month_days,
    now_row,
    week_start,
)
from app.dashboard.views_common import day_param
from app.errors import DomainError, InvalidInputError
from app.htmx import render
from app.services import calendars as calendar_service
from app.services import events as event_service
from app.services.event_listing import window_rows
from app.timeutil import OutOfRange, format_utc, parse_datetime, parse_day, today, utcnow

MONTH_CELL_EVENTS = 3
MONTH_CELL_DOTS = 8  # the phone layout's dots per day; more show as "+"

bp.add_app_template_filter(calendar_class, "cal_class")


def _calendar_arg() -> str:
    return request.args.get("calendar", "").strip()


def locked_calendars(calendar_ids: list[str]) -> dict[str, str | None]:
    """Each calendar's read-only account (None when Chronos may change its events)."""
    return {cid: calendar_service.read_only_account(cid) for cid in calendar_ids}


@bp.get("/calendar")
@bp.get("/calendar/week")
@login_required
def calendar_week():
    """Seven days, hours as rows; ?start=any day of the wanted week."""
    zone = current_settings().zone
    monday = week_start(day_param("start", today(zone)) or today(zone))
    calendar = _calendar_arg()
    events = window_rows(monday, 7, [calendar] if calendar else None)
    shown = sorted({event.calendar_id for event in events})
    now_day, now_at = now_row(utcnow(), zone)
    return render(
        "dashboard/calendar_week.html",
        "dashboard/_calendar_week.html",
        week=layout_week(monday, events, zone, locked_calendars(shown)),
        monday=monday,
        today=today(zone),
        calendar=calendar,
        calendars=queries.event_calendars(),
        legend=shown,
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
    """A month as weeks of days, a few events per day, and one day's list; ?month=YYYY-MM&day=YYYY-MM-DD."""
    zone = current_settings().zone
    first = _month_param(zone)
    days = month_days(first)
    calendar = _calendar_arg()
    events = window_rows(days[0], len(days), [calendar] if calendar else None)
    chosen = day_param("day", None)
    if chosen is None or chosen not in days:
        chosen = today(zone) if today(zone) in days and today(zone).month == first.month else first
    by_day = events_by_day(events, days, zone)
    return render(
        "dashboard/calendar_month.html",
        "dashboard/_calendar_month.html",
        first=first,
        days=days,
        by_day=by_day,
        chosen=chosen,
        chosen_events=by_day[chosen],
        today=today(zone),
        calendar=calendar,
        calendars=queries.event_calendars(),
        legend=sorted({event.calendar_id for event in events}),
        per_cell=MONTH_CELL_EVENTS,
        dots=MONTH_CELL_DOTS,
        prev=(first - timedelta(days=1)).replace(day=1),
        next=(first + timedelta(days=32)).replace(day=1),
    )


def _month_param(zone) -> date:
    """The first day of ?month=YYYY-MM (this month when missing or malformed)."""
    month = request.args.get("month", "")
    try:
        return parse_day(month + "-01") if month else today(zone).replace(day=1)
    except OutOfRange as exc:
        raise InvalidInputError("month", str(exc)) from None
    except ValueError:
        return today(zone).replace(day=1)


@bp.get("/calendar/colors.css")
@login_required
def calendar_colors():
    """Colour rules per calendar (configured or from the palette); revalidated cheaply through its ETag."""
    configured = {cid: look.color for cid, look in current_settings().calendar.per_calendar.items()}
    ids = [*queries.event_calendars(), "local"]
    response = Response(stylesheet(assign_colors(ids, configured)), mimetype="text/css")
    response.headers["Cache-Control"] = "private, no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.post("/calendar/events/<int:event_id>/move")
@login_required
def calendar_move(event_id: int):
    """Save a drag or keyboard move: JSON or form `start`, `end` (local times in app.timezone), through the
    same service as the edit form, so plugin rules, read-only calendars and write-back apply."""
    body = request.get_json(silent=True) or request.form
    try:
        times = _move_times(body)
        if event_service.get_event(event_id).all_day:
            raise InvalidInputError("start", "an all-day event is moved in its edit form, by date")
        event = event_service.update_event(event_id, times, partial=True)
    except DomainError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.details)
    return {"id": event.id, "title": event.title, **{f: format_utc(getattr(event, f)) for f in times}}


def _move_times(body) -> dict[str, str | None]:
    """`start` and `end`, local times in app.timezone, as the service's UTC start_time and end_time."""
    zone = current_settings().zone
    times = {}
    for name, field in (("start", "start_time"), ("end", "end_time")):
        try:
            times[field] = format_utc(parse_datetime(str(body.get(name) or ""), zone))
        except ValueError:
            raise InvalidInputError(name, "a local date and time such as 2030-01-08T09:15") from None
    return times
