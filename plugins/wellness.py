"""Tags events that land in late, early, weekend or lunch hours, or that read as stressful."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from app.plugins import BaseEventPlugin, EventData, Field, PluginContext, PluginSettings, field_validator

WELLNESS_TAGS = ("late_work", "early_work", "weekend_work", "lunch_conflict", "stress_indicator")


class WellnessSettings(PluginSettings):
    """`wellness.*` (or plugins.settings.wellness); the daily hour limit is planning.max_daily_hours."""

    max_back_to_back: Annotated[int, Field(ge=2, le=50)] = 3
    late_hour: Annotated[int, Field(ge=0, le=23)] = 19
    early_hour: Annotated[int, Field(ge=0, le=23)] = 7
    lunch_hours: str = "12:00-13:00"
    stress_keywords: list[str] = ["urgent", "asap", "deadline", "critical", "emergency", "escalation"]

    @field_validator("lunch_hours")
    @classmethod
    def _lunch_range(cls, value: str) -> str:
        pattern = r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d"
        if not re.fullmatch(pattern, value) or value[:5] >= value[6:]:
            raise ValueError("expected HH:MM-HH:MM with the start before the end")
        return value


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


LUNCH = re.compile(r"\blunch\b", re.IGNORECASE)


def wellness_tags(event: EventData, config: WellnessSettings, zone: ZoneInfo, work: bool = True) -> list[str]:
    """The wellness tags an event earns, judged by its local time in app.timezone.

    Time-of-day tags are about work: an event of a private calendar (``work`` false) earns none, and lunch
    itself is no lunch conflict.
    """
    tags: list[str] = []
    words = "|".join(re.escape(word) for word in config.stress_keywords if word.strip())
    if words and re.search(rf"\b({words})\b", f"{event.title}\n{event.description}", re.IGNORECASE):
        tags.append("stress_indicator")
    if event.all_day or event.status == "cancelled" or not work:
        return tags
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
    if start.weekday() < 5 and start < lunch_end and end > lunch_start and not LUNCH.search(event.title):
        tags.append("lunch_conflict")
    return tags


class WellnessPlugin(BaseEventPlugin):
    """Adds tags only; the host drops the ones it gave earlier, so an edited event is judged afresh."""

    name = "wellness"
    settings_model = WellnessSettings
    owned_tags = WELLNESS_TAGS

    def process(self, event: EventData, context: PluginContext) -> EventData:
        zone = ZoneInfo(context.settings.app.timezone)
        work = context.is_work_calendar(event.calendar_id)
        return event.copy(tags=[*event.tags, *wellness_tags(event, context.plugin_settings, zone, work)])


plugin = WellnessPlugin()
