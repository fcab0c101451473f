"""The public plugin API: what a plugin sees, what it may return, its settings, and the two plugin kinds.

Plugins import only this module. They never import Flask, the blueprints or the services directly; what
they may do to the database is offered by the PluginContext they are handed. A plugin may declare its own
settings as a `PluginSettings` model; the host validates `plugins.settings.<name>` against it at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Literal, Protocol, TypedDict, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Offered here so that a plugin's settings model needs no import but this module.
__all__ = [
    "BaseEventPlugin",
    "BaseSchedulingPlugin",
    "Consumed",
    "EventData",
    "EventMetrics",
    "EventPlugin",
    "Field",
    "PluginContext",
    "PluginSettings",
    "SchedulingPlugin",
    "Suggestion",
    "due_time",
    "field_validator",
]

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
    # Who sent the event (an e-mail address, lower-case), when its source says; not stored.
    organizer: str | None = None
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
    """A scheduling proposal with the rule that produced it.

    ``confidence`` (0-1) says how strongly a rule that weighs something recommends it; None where it would
    mean nothing, such as for a plain fact (two events overlap, a day is over its limit).
    """

    type: Literal["move", "break", "focus_block", "conflict", "overload"]
    reason: str
    confidence: float | None
    event_id: int | None = None
    proposed_start: datetime | None = None
    proposed_end: datetime | None = None


class EventMetrics(TypedDict):
    """One stored event's analytics row, as returned by the `event_metrics` hook."""

    duration_minutes: float
    category: str
    is_focus: bool
    is_meeting: bool
    time_of_day: str


def due_time(start: datetime, offset_minutes: float = 0) -> datetime:
    """When something tied to an event's start is due: `offset_minutes` before it. The one definition shared by
    webhook firings (event.starting) and commands held until their event (command_handler)."""
    return start - timedelta(minutes=offset_minutes)


class PluginSettings(BaseModel):
    """Base of a plugin's own settings model: unknown keys and wrong types are configuration errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class PluginContext(Protocol):
    """What the host offers plugins: settings and the few writes plugins are allowed to make."""

    @property
    def settings(self) -> Any:
        """The validated core settings (read-only)."""

    @property
    def plugin_settings(self) -> Any:
        """The calling plugin's own settings (an instance of its settings_model), or None without one."""

    def create_command(
        self, event: EventData, system_id: str, command: str, args: list[str], deliver_at: datetime | None = None
    ) -> int:
        """Queue a command once per source event (held until deliver_at when given); returns its id."""

    def create_note(self, event: EventData, text: str) -> int: ...

    def create_url(self, event: EventData, url: str, title: str) -> int: ...

    def is_writable_calendar(self, calendar_id: str) -> bool:
        """Whether a calendar belongs to a configured account Chronos may write to (an ICS feed never does)."""

    def is_work_calendar(self, calendar_id: str) -> bool:
        """False for a private calendar (`calendar.per_calendar.<id>.work: false`), whose events are not work."""


@runtime_checkable
class EventPlugin(Protocol):
    """Sees each event before it is stored; returns it, a changed copy, or Consumed.

    `owned_tags` are the tags the plugin gives: the host removes them before the plugin sees an event again,
    so they always reflect the current text and time. After an event is stored, the host calls
    `event_metrics` (the event's analytics row, or None) and `after_store`.
    """

    name: str
    settings_model: ClassVar[type[PluginSettings] | None]
    owned_tags: ClassVar[tuple[str, ...]]

    def process(self, event: EventData, context: PluginContext) -> EventData | Consumed: ...

    def event_metrics(self, event: EventData, context: PluginContext) -> EventMetrics | None: ...

    def after_store(self, event: EventData, context: PluginContext) -> None: ...


@runtime_checkable
class SchedulingPlugin(Protocol):
    """Sees the events of a time window and proposes changes."""

    name: str
    settings_model: ClassVar[type[PluginSettings] | None]

    def suggest(
        self, events: list[EventData], window_start: datetime, window_end: datetime, context: PluginContext
    ) -> list[Suggestion]: ...


class BaseEventPlugin:
    """Default (no-op) implementations of every EventPlugin hook; subclass it and override what you need."""

    name: str = ""
    settings_model: ClassVar[type[PluginSettings] | None] = None
    owned_tags: ClassVar[tuple[str, ...]] = ()

    def process(self, event: EventData, context: PluginContext) -> EventData | Consumed:
        """Leave the event as it is."""
        return event

    def event_metrics(self, event: EventData, context: PluginContext) -> EventMetrics | None:
        """No analytics row."""
        return None

    def after_store(self, event: EventData, context: PluginContext) -> None:
        """Nothing to do once the event is stored."""


class BaseSchedulingPlugin:
    """Default (empty) implementation of the SchedulingPlugin hook."""

    name: str = ""
    settings_model: ClassVar[type[PluginSettings] | None] = None

    def suggest(
        self, events: list[EventData], window_start: datetime, window_end: datetime, context: PluginContext
    ) -> list[Suggestion]:
        """No suggestions."""
        return []
