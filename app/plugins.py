"""The public plugin API: what a plugin sees, what it may return, and the two plugin kinds.

Plugins import only this module. They never import Flask, the blueprints or the services directly; what
they may do to the database is offered by the PluginContext they are handed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal, Protocol, runtime_checkable

ConsumedKind = Literal["command", "note", "url"]


@dataclass
class EventData:
    """A plain view of one calendar event as it travels through the pipeline (times aware UTC)."""

    title: str
    start_time: datetime
    end_time: datetime
    description: str = ""
    location: str = ""
    all_day: bool = False
    all_day_date: date | None = None
    timezone: str = "UTC"
    calendar_id: str = "local"
    source: str = "local"
    external_id: str | None = None
    attendees: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    priority: str = "MEDIUM"
    event_type: str = "meeting"
    status: str = "scheduled"
    problems: list[dict[str, str]] = field(default_factory=list)
    id: int | None = None

    def copy(self, **changes: Any) -> EventData:
        """A changed copy; plugins return copies instead of mutating what they were given."""
        return replace(self, **changes)

    @property
    def source_key(self) -> str:
        """Identifies the event's origin, so one source event never yields two commands, notes or links."""
        if self.external_id:
            return f"{self.calendar_id}:{self.external_id}"
        return f"local:{self.id}" if self.id is not None else f"local:{self.title}:{self.start_time.isoformat()}"


@dataclass(frozen=True)
class Consumed:
    """A plugin took the event over: it became a command, a note or a saved link and is not stored."""

    plugin: str
    kind: ConsumedKind
    id: int


@dataclass(frozen=True)
class Suggestion:
    """A scheduling proposal with the rule that produced it."""

    type: Literal["move", "break", "focus_block", "conflict", "overload"]
    reason: str
    confidence: float
    event_id: int | None = None
    proposed_start: datetime | None = None
    proposed_end: datetime | None = None


class PluginContext(Protocol):
    """What the host offers plugins: settings and the few writes plugins are allowed to make."""

    @property
    def settings(self) -> Any: ...

    def create_command(self, event: EventData, system_id: str, command: str, args: list[str]) -> int: ...

    def create_note(self, event: EventData, text: str) -> int: ...

    def create_url(self, event: EventData, url: str, title: str) -> int: ...

    def store_event_metrics(self, event_id: int, metrics: dict[str, Any]) -> None:
        """Replace the event's analytics row: duration_minutes, category, is_focus, is_meeting, time_of_day."""


@runtime_checkable
class EventPlugin(Protocol):
    """Sees each event before it is stored; returns it, a changed copy, or Consumed."""

    name: str

    def process(self, event: EventData, context: PluginContext) -> EventData | Consumed: ...


@runtime_checkable
class SchedulingPlugin(Protocol):
    """Sees the events of a time window and proposes changes."""

    name: str

    def suggest(
        self, events: list[EventData], window_start: datetime, window_end: datetime, context: PluginContext
    ) -> list[Suggestion]: ...
