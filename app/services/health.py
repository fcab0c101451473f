"""The health report behind /health: real checks of the database, the FTS index and the daemon."""

from __future__ import annotations

from typing import Any

from app import db as database
from app.services.heartbeat import scheduler_status
from app.services.pipeline import current_pipeline
from app.services.sync import health_details
from app.timeutil import format_utc, utcnow
from app.version import app_version


def health_report(with_details: bool) -> tuple[dict[str, Any], bool]:
    """The /health body and whether everything is healthy; `details` (which plugin or calendar fails, and why)
    only `with_details`, since their messages can name feeds, files and accounts."""
    db_ok = database.database_ok()
    engine = database.db.engine
    fts_ok = db_ok and database.fts_available()
    scheduler = scheduler_status() if db_ok else None
    healthy = db_ok and fts_ok and scheduler is not None and scheduler.is_running
    body: dict[str, Any] = {
        "status": "healthy" if healthy else "degraded",
        "version": app_version(),
        "timestamp": format_utc(utcnow()),
        "database": {"status": "ok" if db_ok else "unreachable", "type": engine.dialect.name},
        "fts5": {"status": "available" if fts_ok else "missing"},
        "scheduler": scheduler.as_json()
        if scheduler
        else {"status": "unknown", "is_running": False, "last_heartbeat": None, "last_sync": None},
    }
    details = _details() if with_details and db_ok else {}
    if details:
        body["details"] = details
    return body, healthy


def _details() -> dict[str, Any]:
    """Problems a person should see: plugins that failed to load, calendars that are disconnected."""
    details: dict[str, Any] = {}
    failures = current_pipeline().load_errors
    if failures:
        details["plugins"] = {"load_errors": failures}
    details.update(health_details())
    return details
