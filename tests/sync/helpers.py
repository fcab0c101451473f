"""Small helpers shared by the sync tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Event


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def timed(title: str, start: datetime, minutes: int = 60, **extra) -> dict:
    """A timed Google event resource starting at ``start``."""
    return {
        "summary": title,
        "start": {"dateTime": stamp(start), "timeZone": "UTC"},
        "end": {"dateTime": stamp(start + timedelta(minutes=minutes)), "timeZone": "UTC"},
        **extra,
    }


def soon(hours: int = 24) -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours)


def stored(calendar_id: str = "primary") -> dict[str, Event]:
    db.session.rollback()
    rows = db.session.execute(select(Event).where(Event.calendar_id == calendar_id)).scalars()
    return {row.external_id: row for row in rows}


def daemon_env(app, **extra: str) -> dict[str, str]:
    """The environment of a daemon process on the test app's instance folder and database."""
    import os

    from tests.conftest import TEST_KEY

    env = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOS")}
    env.update(
        {
            "CHRONOS_INSTANCE_PATH": str(app.instance_path),
            "CHRONOS_API_KEY": TEST_KEY,
            "CHRONOS_DATABASE_URL": app.config["CHRONOS_SETTINGS"].database_url,
            "CHRONOS_CALENDAR_SOURCE": "demo",
            "CHRONOS__SCHEDULER__HEARTBEAT_SECONDS": "0.5",
            "CHRONOS__SCHEDULER__JOB_POLL_SECONDS": "0.2",
            **extra,
        }
    )
    return env
