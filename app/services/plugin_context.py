"""The host side of PluginContext: the few writes plugins may make, each idempotent by source."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

from sqlalchemy import String, Table
from sqlalchemy.orm import Session, SessionTransaction

from app.db import upsert, write_transaction
from app.models import EventAnalytics
from app.plugins import EventData, PluginSettings
from app.services import calendars
from app.settings import Settings
from app.timeutil import format_utc, utcnow

METRIC_FIELDS = ("duration_minutes", "category", "is_focus", "is_meeting", "time_of_day")


class ConsumeRefused(Exception):
    """Raised to a plugin that tries to turn an edited event into a command, note or link."""


class HostContext:
    """PluginContext implementation over the services; every write joins the caller's transaction.

    Inside `plugin_call` the writes a plugin makes for one event are kept only if the plugin returns: the
    first command, note or link opens a savepoint (most calls write nothing, and pay for none), and metrics
    wait in memory until `flush_metrics` stores a whole batch in one statement.
    """

    def __init__(
        self,
        settings: Settings,
        plugin_settings: dict[str, PluginSettings | None] | None = None,
        *,
        allow_consume: bool = True,
    ) -> None:
        self._settings = settings
        self._plugin_settings = plugin_settings or {}
        self._plugin: str | None = None
        self._allow_consume = allow_consume
        self._session: Session | None = None
        self._savepoint: SessionTransaction | None = None
        self._metrics: dict[int, dict[str, Any]] = {}
        self._call_metrics: dict[int, dict[str, Any]] = {}

    @contextmanager
    def plugin_call(self, session: Session | None, plugin: str) -> Iterator[None]:
        """One plugin's work on one event: its writes are undone if it raises; it sees its own settings."""
        self._session, self._savepoint, self._call_metrics, self._plugin = session, None, {}, plugin
        try:
            yield
        except BaseException:
            if self._savepoint is not None:
                self._savepoint.rollback()
            raise
        else:
            if self._savepoint is not None:
                self._savepoint.commit()
            self._metrics.update(self._call_metrics)
        finally:
            self._session, self._savepoint, self._call_metrics, self._plugin = None, None, {}, None

    def _before_write(self) -> None:
        if self._session is not None and self._savepoint is None:
            self._savepoint = self._session.begin_nested()

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def plugin_settings(self) -> PluginSettings | None:
        """The settings of the plugin being called (validated by its settings model when plugins loaded)."""
        return self._plugin_settings.get(self._plugin) if self._plugin else None

    def is_writable_calendar(self, calendar_id: str) -> bool:
        return calendars.is_writable(calendar_id)

    def is_work_calendar(self, calendar_id: str) -> bool:
        return calendar_id not in calendars.private_calendars()

    def _check_consume(self, kind: str) -> None:
        if not self._allow_consume:
            raise ConsumeRefused(f"not turned into a {kind}: only new or synced events are consumed")

    def create_command(
        self, event: EventData, system_id: str, command: str, args: list[str], deliver_at: datetime | None = None
    ) -> int:
        """Queue a command once per source event, due at deliver_at (None: at once); returns its id."""
        from app.services.commands import create_command

        self._check_consume("command")
        self._before_write()
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
            system_id=system_id,
            command=command,
            parameters=parameters,
            source_key=event.source_key,
            available_at=deliver_at,
            calendar_id=event.calendar_id,
            external_id=event.external_id,
            event_title=event.title,
        )
        return row.id

    def create_note(self, event: EventData, text: str) -> int:
        """Save a note once per source event; returns its id."""
        from app.services.notes import create_note

        self._check_consume("note")
        self._before_write()
        return create_note(event, text).id

    def create_url(self, event: EventData, url: str, title: str) -> int:
        """Save a link once per source event; returns its id."""
        from app.services.notes import create_url

        self._check_consume("url")
        self._before_write()
        return create_url(event, url, title).id

    def keep_metrics(self, event_id: int, metrics: dict[str, Any]) -> None:
        """Insert or replace the analytics row a plugin's event_metrics hook returned (with the batch in a call).

        Every metric field is required and checked here, so that a batch stored later cannot fail on one row.
        """
        row = {**checked_metrics(metrics), "event_id": event_id}
        if self._session is not None:
            self._call_metrics[event_id] = row
        else:
            with write_transaction() as session:
                _store_metrics(session, [row])

    def flush_metrics(self, session: Session) -> None:
        """Store the metrics that plugins handed over in their (successful) calls so far."""
        if self._metrics:
            _store_metrics(session, list(self._metrics.values()))
            self._metrics.clear()


def checked_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """The metrics if each field is present and of its kind; otherwise ValueError naming the field."""
    unknown, missing = set(metrics) - set(METRIC_FIELDS), set(METRIC_FIELDS) - set(metrics)
    if unknown or missing:
        raise ValueError(
            f"metrics need exactly {', '.join(METRIC_FIELDS)}; unknown: {sorted(unknown)}, missing: {sorted(missing)}"
        )
    duration = metrics["duration_minutes"]
    if isinstance(duration, bool) or not isinstance(duration, int | float) or duration < 0:
        raise ValueError("duration_minutes must be a number of minutes, 0 or more")
    for name in ("category", "time_of_day"):
        longest = cast(String, EventAnalytics.__table__.c[name].type).length or 0
        if not isinstance(metrics[name], str) or not 0 < len(metrics[name]) <= longest:
            raise ValueError(f"{name} must be text of 1 to {longest} characters")
    for name in ("is_focus", "is_meeting"):
        if not isinstance(metrics[name], bool):
            raise ValueError(f"{name} must be true or false")
    return dict(metrics)


def _store_metrics(session: Session, rows: list[dict[str, Any]]) -> None:
    changed = [*METRIC_FIELDS, "computed_at"]
    now = utcnow()
    session.execute(
        upsert(cast(Table, EventAnalytics.__table__), ["event_id"], changed),
        [{**row, "computed_at": now} for row in rows],
    )
