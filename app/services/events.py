"""Events: create/update/delete through the plugin pipeline; listing lives in event_listing."""

from __future__ import annotations

from typing import Any

from app.config import current_settings
from app.db import write_transaction
from app.errors import NotFoundError, ReadOnlyCalendarError
from app.extensions import db
from app.models import Event
from app.plugins import Consumed, EventData
from app.services import calendars, pipeline
from app.services.event_fields import normalize_event_fields
from app.services.event_listing import list_events, window_bounds
from app.services.webhook_events import events_changed

__all__ = [
    "create_event",
    "delete_event",
    "get_event",
    "list_events",
    "update_event",
    "window_bounds",
]


def get_event(event_id: int) -> Event:
    """One stored event, or NotFoundError."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFoundError(f"No event with id {event_id}.")
    return event


def create_event(fields: dict[str, Any]) -> tuple[Event | None, Consumed | None]:
    """Validate, run the plugin pipeline, store: (event, None), or (None, consumed) when a plugin took it."""
    values = normalize_event_fields(fields, current_settings().zone)
    _refuse_read_only(values.get("calendar_id") or "local")
    data = EventData(**values, source="local")
    with write_transaction() as session:
        outcome = pipeline.run_pipeline(data)
        if outcome.consumed is not None or outcome.event is None:
            return None, outcome.consumed
        event = Event()
        pipeline.apply_event_data(event, outcome.event)
        session.add(event)
        session.flush()
        pipeline.after_store(outcome.event.copy(id=event.id))
        _queue_upstream(session, event, created=True)
        events_changed(session, "created", [event])
    return event, None


def update_event(event_id: int, fields: dict[str, Any], *, partial: bool, planned: bool = False) -> Event:
    """Replace (PUT) or change (PATCH) an event; plugins annotate it again and analytics are recomputed.

    A person's change to a read-only calendar's event is refused; the planner (`planned`) applies its own rules
    about what it may move."""
    with write_transaction() as session:
        event = get_event(event_id)
        values = normalize_event_fields(fields, current_settings().zone, existing=event, partial=partial)
        if not planned:
            _refuse_read_only(event.calendar_id)
            _refuse_read_only(values.get("calendar_id") or event.calendar_id)
        before = _upstream_fields(event)
        was_cancelled = event.status == "cancelled"
        data = pipeline.event_data_from_model(event).copy(**values, problems=[])
        outcome = pipeline.run_pipeline(data, allow_consume=False)
        pipeline.apply_event_data(event, outcome.event or data)
        session.flush()
        pipeline.after_store(pipeline.event_data_from_model(event))
        _queue_upstream(session, event, created=False, before=before)
        session.flush()
        # Cancelling an event ends it for subscribers as deleting does (the contract's event.deleted).
        cancelled_now = event.status == "cancelled" and not was_cancelled
        events_changed(session, "deleted" if cancelled_now else "updated", [event])
    return event


def _upstream_fields(event: Event) -> dict[str, Any]:
    from app.services.sync_outbox import event_fields

    return event_fields(event)


def _queue_upstream(session, event: Event, *, created: bool, before: dict[str, Any] | None = None) -> None:
    """An event of a writable account calendar whose source writes whole events (insert) is created or changed
    there too, by the daemon through the outbox (only the fields that changed); a recurring occurrence is
    changed here only."""
    from app.services import sync_outbox
    from app.services.calendars import upstream_type

    kind = upstream_type(event.calendar_id, "insert")
    if kind is None:
        return
    if created and event.external_id is None:
        sync_outbox.queue_insert(session, event, kind)
    elif not created and event.external_id is not None and event.recurring_event_id is None:
        changes = sync_outbox.changed_fields(before or {}, sync_outbox.event_fields(event))
        if changes:
            sync_outbox.queue_patch(session, event, changes)


def delete_event(event_id: int) -> None:
    """Delete an event; a synced one is also queued for deletion at its calendar provider."""
    from app.services.sync_outbox import queue_delete

    with write_transaction() as session:
        event = get_event(event_id)
        if event.external_id and event.source != "local":
            # The outbox also remembers the deletion, so the next sync does not bring the event back.
            queue_delete(event.calendar_id, event.source, event.external_id, reason="deleted")
        events_changed(session, "deleted", [event])
        session.delete(event)


def _refuse_read_only(calendar_id: str) -> None:
    """Events of a read-only account's calendar change only there (ReadOnlyCalendarError, 422)."""
    account = calendars.read_only_account(calendar_id)
    if account is not None:
        raise ReadOnlyCalendarError(
            "calendar_id", f"calendar {calendar_id!r} of account {account!r} is read-only: change it at its source"
        )
