"""The host side of PluginContext: the few writes plugins may make, each idempotent by source."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.db import write_transaction
from app.models import EventAnalytics
from app.plugins import EventData
from app.settings import Settings
from app.timeutil import format_utc, utcnow

METRIC_FIELDS = ("duration_minutes", "category", "is_focus", "is_meeting", "time_of_day")


class ConsumeRefused(Exception):
    """Raised to a plugin that tries to turn an edited event into a command, note or link."""


class HostContext:
    """PluginContext implementation over the services; every write joins the caller's transaction."""

    def __init__(self, settings: Settings, *, allow_consume: bool = True) -> None:
        self._settings = settings
        self._allow_consume = allow_consume

    @property
    def settings(self) -> Settings:
        return self._settings

    def _check_consume(self, kind: str) -> None:
        if not self._allow_consume:
            raise ConsumeRefused(f"not turned into a {kind}: only new or synced events are consumed")

    def create_command(self, event: EventData, system_id: str, command: str, args: list[str]) -> int:
        """Queue a command once per source event; returns the command id (the existing one on repeats)."""
        from app.services.commands import create_command

        self._check_consume("command")
        available_at: datetime | None = None
        if self._settings.command_handler.deliver_at_event_start and event.start_time > utcnow():
            available_at = event.start_time
        parameters = {
            "args": list(args),
            "event_context": {
                "calendar_id": event.calendar_id,
                "start_time": format_utc(event.start_time),
                "end_time": format_utc(event.end_time),
                "external_id": event.external_id,
            },
        }
        row, _created = create_command(
            system_id=system_id, command=command, parameters=parameters, source_key=event.source_key,
            available_at=available_at, calendar_id=event.calendar_id, external_id=event.external_id,
            event_title=event.title,
        )
        return row.id

    def create_note(self, event: EventData, text: str) -> int:
        """Save a note once per source event; returns its id."""
        from app.services.notes import create_note

        self._check_consume("note")
        return create_note(event, text).id

    def create_url(self, event: EventData, url: str, title: str) -> int:
        """Save a link once per source event; returns its id."""
        from app.services.notes import create_url

        self._check_consume("url")
        return create_url(event, url, title).id

    def store_event_metrics(self, event_id: int, metrics: dict[str, Any]) -> None:
        """Insert or replace the analytics row of one stored event."""
        unknown = set(metrics) - set(METRIC_FIELDS)
        if unknown:
            raise ValueError(f"unknown metric fields: {', '.join(sorted(unknown))}")
        with write_transaction() as session:
            row = session.get(EventAnalytics, event_id)
            if row is None:
                row = EventAnalytics(event_id=event_id)
                session.add(row)
            for name, value in metrics.items():
                setattr(row, name, value)
            row.computed_at = utcnow()
