"""The health report behind /health: real checks of the database, the FTS index and the daemon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app

from app import db as database
from app.services.heartbeat import SchedulerStatus, scheduler_status
from app.timeutil import utcnow

# Without a database nobody can tell how the daemon is doing (daemons: None, unknown).
UNKNOWN_SCHEDULER = SchedulerStatus("unknown", False, None, None, None, None)


@dataclass(frozen=True)
class HealthReport:
    """What /health and the dashboard's status card show."""

    status: str
    version: str
    timestamp: datetime
    database: dict[str, str]
    fts5: dict[str, str]
    scheduler: SchedulerStatus
    details: dict[str, Any] | None


def health_report(version: str) -> tuple[HealthReport, bool]:
    """The health report and whether everything is healthy."""
    db_ok = database.database_ok()
    engine = database.db.engine
    fts_ok = db_ok and database.fts_available()
    scheduler = scheduler_status() if db_ok else UNKNOWN_SCHEDULER
    healthy = db_ok and fts_ok and scheduler.is_running
    report = HealthReport(
        status="healthy" if healthy else "degraded",
        version=version,
        timestamp=utcnow(),
        database={"status": "ok" if db_ok else "unreachable", "type": engine.dialect.name},
        fts5={"status": "available" if fts_ok else "missing"},
        scheduler=scheduler,
        details=_details() or None,
    )
    return report, healthy


def _details() -> dict[str, Any]:
    """Problems a person should see: plugins that failed to load, calendars that are disconnected."""
    details: dict[str, Any] = {}
    pipeline = current_app.extensions.get("chronos.plugins")
    failures = getattr(pipeline, "load_errors", None)
    if failures:
        details["plugins"] = {"load_errors": failures}
    for provider in current_app.extensions.get("chronos.health_details", []):
        details.update(provider())
    return details
