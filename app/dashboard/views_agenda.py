"""Today / agenda: the next days' events grouped by day, the time now, wellness warnings, system status."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from app.auth import login_required
from app.config import current_settings
from app.dashboard import bp, queries
from app.dashboard.views_calendar import locked_calendars
from app.dashboard.views_calendar_layout import events_by_day, hour_labels, layout_week, now_row
from app.htmx import render
from app.services.google_auth import is_connected
from app.services.health import health_report
from app.services.wellness import day_warnings
from app.timeutil import today, utcnow

AGENDA_DAYS = 7


def agenda_context() -> dict[str, Any]:
    """Seven days from today in the app zone, each with its events and warnings."""
    zone = current_settings().zone
    first = today(zone)
    days = [first + timedelta(days=offset) for offset in range(AGENDA_DAYS)]
    events = queries.window_events(first, AGENDA_DAYS)
    warnings: dict[str, list[dict]] = defaultdict(list)
    for warning in _warnings(events, zone):
        warnings[warning["date"]].append(warning)
    by_day = events_by_day(events, days, zone)
    return {
        "days": days,
        "by_day": by_day,
        **today_grid(first, by_day[first], zone),
        "warnings": warnings,
        "now": utcnow(),
        "today": first,
        "total": len(events),
        "legend": sorted({event.calendar_id for event in events}),
    }


def today_grid(day, events: list, zone) -> dict[str, Any]:
    """Today's timed events on the week view's time grid (lanes for overlaps, "+N", drag and keyboard moves)."""
    timed = [event for event in events if not event.all_day]
    now_day, now_at = now_row(utcnow(), zone)
    return {
        "grid": layout_week(day, timed, zone, locked_calendars(sorted({e.calendar_id for e in timed})), days=1),
        "hours": hour_labels(),
        "now_day": now_day,
        "now_at": now_at,
    }


def _warnings(events: list, zone) -> list[dict]:
    """Wellness warnings (overload, back-to-back, late work) from the wellness service, when it is present."""
    return day_warnings(events, zone)


def status_context() -> dict[str, Any]:
    """Database, daemon heartbeat, last sync and the Google connection, for the status card."""
    report, healthy = health_report(with_details=True)
    settings = current_settings()
    return {
        "report": report,
        "healthy": healthy,
        "google_connected": is_connected(settings),
        "source": settings.calendar.source,
    }


@bp.get("/status/card")
@login_required
def status_card():
    """The home page's status card; it polls this every 10 s."""
    return render("dashboard/status_card.html", "dashboard/_status_card.html", **status_context())
