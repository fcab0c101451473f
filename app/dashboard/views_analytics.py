"""The analytics page: the productivity report drawn as SVG charts, and the optimizer's suggestions."""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from app.auth import login_required
from app.dashboard import bp
from app.dashboard.charts import report_charts
from app.dashboard.views_common import fragment
from app.errors import DomainError
from app.htmx import render, wants_partial
from app.services import analytics as analytics_service
from app.services import planning
from app.services.calendars import private_calendars

PERIODS = (7, 30, 90, 365)


@bp.get("/analytics")
@login_required
def analytics():
    """Report for the last N days (?days=7|30|90|365) and suggestions for the coming week."""
    days = request.args.get("days", 30, type=int)
    days = days if days in PERIODS else 30
    report = analytics_service.productivity_report(days_back=days)
    return render(
        "dashboard/analytics.html",
        "dashboard/_analytics_report.html",
        report=report,
        charts=report_charts(report),
        private=sorted(private_calendars()),
        days=days,
        periods=PERIODS,
    )


@bp.get("/analytics/suggestions")
@login_required
def analytics_suggestions():
    """The optimizer's suggestions for the coming week (the analytics page loads them; a page without JS)."""
    suggestions = planning.current_suggestions(7)
    return render("dashboard/suggestions.html", "dashboard/_suggestions.html", suggestions=suggestions)


@bp.post("/analytics/suggestions/<action>")
@login_required
def suggestion_action(action: str):
    """Apply or dismiss one suggestion (by its key, sent in the form)."""
    key = request.form.get("key", "")
    try:
        if action == "apply":
            planning.apply_suggestion(key)
            message = "Suggestion applied."
        elif action == "dismiss":
            planning.dismiss_suggestion(key)
            message = "Suggestion dismissed."
        else:
            return redirect(url_for("dashboard.analytics"))
    except DomainError as exc:
        if wants_partial():
            return fragment("dashboard/_suggestion_done.html", message=exc.message, failed=True)
        flash(exc.message, "error")
        return redirect(url_for("dashboard.analytics_suggestions"))
    if wants_partial():
        return fragment("dashboard/_suggestion_done.html", message=message, trigger="events-changed")
    flash(message, "success")
    return redirect(url_for("dashboard.analytics_suggestions"))
