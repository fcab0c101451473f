"""The sync page: per-calendar state, "Sync now" with live progress, Google connect/disconnect."""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from app.auth import login_required
from app.config import current_settings
from app.dashboard import bp, queries
from app.dashboard.forms import ConfirmForm
from app.dashboard.views_common import fragment
from app.extensions import db
from app.htmx import render, wants_partial
from app.services import push_overview, sync, sync_jobs
from app.services.google_auth import connection_status
from app.services.heartbeat import daemon_is_fresh

FINISHED = ("succeeded", "failed")
STOP_POLLING = 286  # htmx stops an `every` trigger on this status


def _page_context() -> dict:
    settings = current_settings()
    return {
        "calendars": sync.sync_overview(),
        "google": connection_status(settings, lookup_account=False),
        "daemon_running": daemon_is_fresh(),
        "jobs": queries.recent_sync_jobs(),
        "push_channels": push_overview.channel_views(),
        "source": settings.calendar.source,
        "service_account": bool(settings.calendar.service_account_file),
        "service_account_subject": settings.calendar.subject,
        "form": ConfirmForm(),
        "job": None,
    }


@bp.get("/sync")
@login_required
def sync_status():
    """Calendars, connection and recent runs; the overview partial refreshes when a run finishes."""
    return render("dashboard/sync.html", "dashboard/_sync_overview.html", **_page_context())


@bp.post("/sync")
@login_required
def sync_now():
    """Queue a sync for the daemon; htmx shows its progress in place, forms go to the job's page."""
    calendar_id = request.form.get("calendar_id", "").strip() or None
    job = sync_jobs.request_sync(
        days_ahead=7,
        force_refresh=bool(request.form.get("force_refresh")),
        calendar_id=calendar_id,
        requested_by="dashboard",
    )
    if wants_partial():
        return fragment("dashboard/_sync_job.html", job=job, daemon_running=daemon_is_fresh(), trigger="sync-requested")
    flash(f"Sync {job.id} requested.", "success")
    return redirect(url_for("dashboard.sync_job", job_id=job.id))


@bp.get("/sync/jobs/<int:job_id>")
@login_required
def sync_job(job_id: int):
    """One sync run; polled every second until it is finished, then 286 stops the polling."""
    db.session.rollback()  # a fresh snapshot: the daemon process writes the job row
    job = sync_jobs.get_job(job_id)
    done = job.status in FINISHED
    if wants_partial():
        return fragment(
            "dashboard/_sync_job.html",
            job=job,
            daemon_running=daemon_is_fresh(),
            status=STOP_POLLING if done else 200,
            trigger="sync-finished" if done else None,
        )
    return render("dashboard/sync_job.html", "dashboard/_sync_job.html", job=job, daemon_running=daemon_is_fresh())
