"""Tags events that land in late, early, weekend or lunch hours, or that read as stressful."""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

from app.plugins import EventData, PluginContext

WELLNESS_TAGS = ("late_work", "early_work", "weekend_work", "lunch_conflict", "stress_indicator")


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def wellness_tags(event: EventData, settings) -> list[str]:
    """The wellness tags an event earns, judged by its local time in app.timezone."""
    config = settings.wellness
    tags: list[str] = []
    words = "|".join(re.escape(word) for word in config.stress_keywords if word.strip())
    if words and re.search(rf"\b({words})\b", f"{event.title}\n{event.description}", re.IGNORECASE):
        tags.append("stress_indicator")
    if event.all_day or event.status == "cancelled":
        return tags
    zone = ZoneInfo(settings.app.timezone)
    start, end = event.start_time.astimezone(zone), event.end_time.astimezone(zone)
    late = datetime.combine(start.date(), time(config.late_hour), zone)
    early = datetime.combine(start.date(), time(config.early_hour), zone)
    if end > late or start >= late or end.date() > start.date():
        tags.append("late_work")
    if start < early:
        tags.append("early_work")
    if start.weekday() >= 5:
        tags.append("weekend_work")
    lunch_from, lunch_to = (_clock(part) for part in config.lunch_hours.split("-"))
    lunch_start = datetime.combine(start.date(), lunch_from, zone)
    lunch_end = datetime.combine(start.date(), lunch_to, zone)
    if start.weekday() < 5 and start < lunch_end and end > lunch_start:
        tags.append("lunch_conflict")
    return tags


class WellnessPlugin:
    """Adds tags only; tags it gave earlier are recomputed so an edited event is judged afresh."""

    name = "wellness"

    def process(self, event: EventData, context: PluginContext) -> EventData:
        kept = [tag for tag in event.tags if tag not in WELLNESS_TAGS]
        return event.copy(tags=kept + wellness_tags(event, context.settings))


plugin = WellnessPlugin()
