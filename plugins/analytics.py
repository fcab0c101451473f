"""Per-event metrics (duration, category, focus or meeting, time of day) for the analytics views."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from app.plugins import BaseEventPlugin, EventData, EventMetrics, PluginContext

MEETING_WORDS = re.compile(
    r"\b(meeting|call|sync|standup|stand-up|1:1|one-on-one|interview|review|workshop)\b", re.IGNORECASE
)
FOCUS_WORDS = re.compile(r"\b(focus|deep work|write|writing|study|research|coding|plan|planning)\b", re.IGNORECASE)


def time_of_day(hour: int) -> str:
    """morning 5-12, afternoon 12-17, evening 17-22, night otherwise (local hours)."""
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 22:
        return "evening"
    return "night"


def event_metrics(event: EventData, zone: ZoneInfo) -> EventMetrics:
    """The metrics of one event; the local hour is read in the app time zone."""
    text = f"{event.title} {event.description}"
    is_meeting = bool(event.attendees) or (event.event_type == "meeting" and bool(MEETING_WORDS.search(text)))
    is_focus = not is_meeting and (event.event_type in ("block", "task") or bool(FOCUS_WORDS.search(text)))
    if event.all_day:
        category = "all_day"
    elif is_focus:
        category = "focus"
    elif is_meeting:
        category = "meeting"
    else:
        category = event.event_type if event.event_type != "meeting" else "other"
    duration = max((event.end_time - event.start_time).total_seconds() / 60, 0.0)
    return {
        "duration_minutes": round(duration, 2),
        "category": category,
        "is_focus": is_focus,
        "is_meeting": is_meeting,
        "time_of_day": "all_day" if event.all_day else time_of_day(event.start_time.astimezone(zone).hour),
    }


class AnalyticsPlugin(BaseEventPlugin):
    """Leaves events unchanged; once an event is stored, hands the host its metrics row to store."""

    name = "analytics"

    def event_metrics(self, event: EventData, context: PluginContext) -> EventMetrics:
        """The stored event's metrics (asked after every create and change)."""
        return event_metrics(event, ZoneInfo(context.settings.app.timezone))


plugin = AnalyticsPlugin()
