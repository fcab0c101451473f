"""The Event JSON of the contract (section 5): every time in UTC ending in Z."""

from __future__ import annotations

from typing import Any

from app.models import Event
from app.timeutil import format_utc


def event_json(event: Event) -> dict[str, Any]:
    """One event as the API returns it."""
    return {
        "id": event.id,
        "title": event.title,
        "description": event.description or "",
        "start_time": format_utc(event.start_time),
        "end_time": format_utc(event.end_time),
        "all_day": bool(event.all_day),
        "all_day_date": event.all_day_date.isoformat() if event.all_day_date else None,
        "timezone": event.timezone,
        "calendar_id": event.calendar_id,
        "source": event.source,
        "external_id": event.external_id,
        "location": event.location or "",
        "attendees": list(event.attendees or []),
        "tags": list(event.tags or []),
        "priority": event.priority,
        "event_type": event.event_type,
        "status": event.status,
        "problems": [
            {"plugin": str(problem.get("plugin", "")), "message": str(problem.get("message", ""))}
            for problem in event.problems or []
        ],
        "created_at": format_utc(event.created_at),
        "updated_at": format_utc(event.updated_at),
    }
