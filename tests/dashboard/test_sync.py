"""The sync page: overview, "Sync now" with polling progress that stops with 286, Google connect/disconnect."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app.db import write_transaction
from app.extensions import db
from app.models import SyncJob
from app.timeutil import utcnow
from tests.dashboard.helpers import HX, assert_login_redirect, assert_page, assert_partial, csrf


def jobs():
    db.session.rollback()
    return db.session.query(SyncJob).order_by(SyncJob.id).all()


def finish(job_id: int, status: str = "succeeded", error: str | None = None) -> None:
    """What the daemon does when it has run the job."""
    with write_transaction() as session:
        session.execute(
            update(SyncJob)
            .where(SyncJob.id == job_id)
            .values(
                status=status,
                error=error,
                finished_at=utcnow(),
                result={"events_processed": 12, "events_created": 3, "events_updated": 1},
            )
        )


@pytest.mark.parametrize("url", ["/sync", "/sync/jobs/1"])
def test_requires_login(client, url):
    assert_login_redirect(client, url)


def test_page_shows_calendars_google_and_daemon_warning(dashboard):
    html = assert_page(dashboard.get("/sync"))
    assert "primary" in html and "demo" in html
    assert "The daemon is not running" in html
    assert "Connect Google Calendar" in html or "Disconnect" in html
    assert assert_partial(dashboard.get("/sync", headers=HX)).lstrip().startswith('<div id="sync-overview"')


def test_sync_now_with_htmx_polls_until_finished(dashboard):
    response = dashboard.post("/sync", data={"csrf_token": csrf(dashboard)}, headers=HX)
    html = assert_partial(response)
    (job,) = jobs()
    assert job.status == "queued" and job.requested_by == "dashboard"
    assert f'hx-get="/sync/jobs/{job.id}" hx-trigger="every 1s"' in html and "waiting for the daemon" in html
    polling = dashboard.get(f"/sync/jobs/{job.id}", headers=HX)
    assert polling.status_code == 200 and "every 1s" in polling.text
    finish(job.id)
    done = dashboard.get(f"/sync/jobs/{job.id}", headers=HX)
    assert done.status_code == 286 and "<html" not in done.text  # 286 tells htmx to stop polling
    assert done.headers["HX-Trigger"] == "sync-finished"
    assert "12 received" in done.text and "3 created" in done.text and "every 1s" not in done.text


def test_failed_job_shows_error(dashboard):
    dashboard.post("/sync", data={"csrf_token": csrf(dashboard)}, headers=HX)
    (job,) = jobs()
    finish(job.id, "failed", "<b>token expired</b>")
    html = dashboard.get(f"/sync/jobs/{job.id}", headers=HX).text
    assert "Failed: &lt;b&gt;token expired&lt;/b&gt;" in html


def test_sync_now_without_javascript(dashboard):
    response = dashboard.post(
        "/sync", data={"csrf_token": csrf(dashboard), "calendar_id": "primary", "force_refresh": "1"}
    )
    (job,) = jobs()
    assert response.status_code == 302 and response.headers["Location"] == f"/sync/jobs/{job.id}"
    assert job.calendar_id == "primary" and job.force_refresh
    html = assert_page(dashboard.get(f"/sync/jobs/{job.id}"))
    assert "Refresh" in html


def test_sync_now_needs_csrf(dashboard):
    assert dashboard.post("/sync").status_code == 400
    assert dashboard.post("/sync", headers=HX).status_code == 400
    assert jobs() == []


def test_google_disconnect_needs_csrf(dashboard):
    assert dashboard.post("/google/disconnect").status_code == 400
