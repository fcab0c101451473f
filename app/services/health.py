"""The health report behind /health: real checks of the database, the FTS index and the daemon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app import db as database
from app.services.heartbeat import SchedulerStatus, scheduler_status
from app.services.pipeline import current_pipeline
from app.services.sync import health_details
from app.timeutil import utcnow
from app.version import app_version

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


def health_report(with_details: bool) -> tuple[HealthReport, bool]:
    """The health report and whether everything is healthy; `details` (which plugin or calendar fails, and why)
    only `with_details`, since their messages can name feeds, files and accounts."""
    db_ok = database.database_ok()
    engine = database.db.engine
    fts_ok = db_ok and database.fts_available()
    scheduler = scheduler_status() if db_ok else UNKNOWN_SCHEDULER
    healthy = db_ok and fts_ok and scheduler.is_running
    report = HealthReport(
        status="healthy" if healthy else "degraded",
        version=app_version(),
        timestamp=utcnow(),
        database={"status": "ok" if db_ok else "unreachable", "type": engine.dialect.name},
        fts5={"status": "available" if fts_ok else "missing"},
        scheduler=scheduler,
        details=(_details() if with_details and db_ok else None) or None,
    )
    return report, healthy


def _details() -> dict[str, Any]:
    """Problems a person should see: plugins that failed to load, calendars that are disconnected."""
    details: dict[str, Any] = {}
    failures = current_pipeline().load_errors
    if failures:
        details["plugins"] = {"load_errors": failures}
    details.update(health_details())
    return details
