"""The CalendarSource protocol, the normalised SourceEvent and the errors every source may raise."""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Protocol, runtime_checkable


@dataclass
class SourceEvent:
    """One event as a source reports it, normalised (times aware UTC; ``cancelled`` marks a tombstone)."""

    external_id: str
    calendar_id: str
    title: str = ""
    start_time: datetime | None = None
    end_time: datetime | None = None
    description: str = ""
    location: str = ""
    all_day: bool = False
    all_day_date: date | None = None
    timezone: str = "UTC"
    attendees: list[str] = field(default_factory=list)
    organizer: str | None = None  # e-mail address, lower-case
    recurring_event_id: str | None = None
    original_start_time: datetime | None = None
    updated: str | None = None
    cancelled: bool = False
    # The Event JSON's event_type when the source knows it (the demo's focus blocks); None keeps the stored one.
    event_type: str | None = None

    def fingerprint(self) -> str:
        """A stable digest of the content, used as the change stamp of sources that have none."""
        data = {key: value for key, value in asdict(self).items() if key != "updated"}
        if data["event_type"] is None:
            del data["event_type"]  # so digests made before the field existed stay the same
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass
class ChangePage:
    """One page of changes. ``full`` pages list every live event of the window (so absent ones are gone);
    ``next_sync_token`` is set on the last page only, and ``last`` marks it."""

    events: list[SourceEvent]
    full: bool
    last: bool = False
    next_sync_token: str | None = None
    # What the source had to leave out of this page, each {"uid", "summary", "line", "message", "skipped"}.
    problems: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class SyncWindow:
    """The span a full listing covers: events ending before ``start`` are out of scope."""

    start: datetime
    end: datetime | None


# The monotonic time by which the running sync must be done (set by the sync service; sources that wait on
# the network bound their waits by it).
_deadline: ContextVar[float | None] = ContextVar("chronos_sync_deadline", default=None)


@contextlib.contextmanager
def sync_deadline(seconds: float) -> Iterator[None]:
    """Within the block, deadline_left() counts down from `seconds`."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def deadline_left() -> float | None:
    """Seconds left before the running sync's deadline (None outside a sync with a deadline)."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


class SourceError(Exception):
    """A source failed in a way that fails this calendar's sync (the message is shown to people)."""


class SyncTokenExpired(SourceError):
    """The stored cursor is no longer valid (Google's 410 Gone): drop it and list everything again."""


class AuthorizationLost(SourceError):
    """The stored grant was revoked or expired (invalid_grant): the calendar is disconnected."""


class UpstreamChanged(SourceError):
    """The event was changed upstream since the version a local change was made on: the upstream version wins."""


class UpstreamGone(SourceError):
    """The event does not exist upstream any more; a delete of it counts as done."""


@dataclass(frozen=True)
class Capabilities:
    """What a source can do, declared by the source so that nothing outside app/sources names a provider.

    ``incremental``: list_changes honours sync tokens; ``delete``/``patch``/``insert``: the source changes events
    upstream (a read-only source remembers deletes locally instead); ``open_calendars``: any calendar id the
    account can reach may be synced on request, not only the listed ones; ``push``: the source can open push
    channels (``watch``/``stop_channel``), so the provider tells us when a calendar changed.
    """

    writable: bool = False
    incremental: bool = False
    delete: bool = False
    patch: bool = False
    insert: bool = False
    open_calendars: bool = False
    push: bool = False


READ_ONLY = Capabilities()


def capabilities_of(source: object) -> Capabilities:
    """The source's declared capabilities (a source that declares none is read-only)."""
    return getattr(source, "capabilities", READ_ONLY)


@dataclass(frozen=True)
class ChannelRequest:
    """A push channel to open: the provider sends notices to ``address`` with ``id`` and ``token``."""

    id: str
    token: str
    address: str


@dataclass(frozen=True)
class OpenedChannel:
    """What the provider answered: its id of the watched resource, and when the channel ends (None: unknown)."""

    resource_id: str
    expires_at: datetime | None


@runtime_checkable
class CalendarSource(Protocol):
    """What the sync service needs from a calendar provider."""

    name: str  # the account type ("google", "caldav", "demo", "ics"): stored as the events' ``source``
    capabilities: Capabilities
    # Whether a full listing stops at window.end (demo, ICS) or lists everything from window.start (Google).
    lists_window_end: bool

    def calendars(self) -> list[str]:
        """The calendar ids this source syncs."""
        ...

    def list_changes(self, calendar_id: str, sync_token: str | None, window: SyncWindow) -> Iterator[ChangePage]:
        """Pages of changes since ``sync_token``, or a full listing of ``window`` when it is None."""
        ...

    def delete_event(self, calendar_id: str, external_id: str) -> None:
        """Remove an event upstream; raise SourceError to have it retried later."""
        ...

    def patch_event(
        self, calendar_id: str, external_id: str, changes: dict, *, expected: str | None = None
    ) -> str | None:
        """Change fields of an event upstream (only called when capabilities.patch); the event's new version
        (its SourceEvent.updated) when known. With `expected`, raise UpstreamChanged instead when the event's
        version upstream is no longer that one."""
        ...

    def insert_event(self, calendar_id: str, external_id: str, fields: dict) -> str | None:
        """Create an event upstream under the id chosen here (only called when capabilities.insert); doing it
        twice must leave one event."""
        ...


class PushSource(Protocol):
    """What a source with ``capabilities.push`` adds: push channels on its calendars."""

    def watch(self, calendar_id: str, channel: ChannelRequest) -> OpenedChannel:
        """Ask the provider to send change notices for the calendar through this channel."""
        ...

    def stop_channel(self, channel_id: str, resource_id: str) -> None:
        """Stop a channel (one the provider no longer knows counts as stopped)."""
        ...
