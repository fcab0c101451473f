"""Emission: the one place that turns a change into webhook deliveries, inside the caller's write transaction.

Services call `emit` in the transaction that makes the change (the outbox pattern): the delivery rows commit
or roll back with it, so a restart between the change and the delivery loses nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.extensions import db
from app.models import Command, Event, Webhook, WebhookDelivery
from app.timeutil import format_utc, utcnow


def subscribers(session: Session, event_type: str, only: Iterable[int] | None = None) -> list[Webhook]:
    """Enabled webhooks that take this type (of these ids, when given)."""
    query = select(Webhook).where(Webhook.enabled.is_(True))
    if only is not None:
        query = query.where(Webhook.id.in_(list(only)))
    return [hook for hook in session.execute(query).scalars() if event_type in (hook.events or [])]


def emit(
    session: Session, event_type: str, items: Sequence[Event | Command], *, only: Iterable[int] | None = None
) -> int:
    """Queue one delivery of `event_type` per item and subscribed webhook; returns how many were queued.

    Items are events (data.event; a webhook's calendar filter applies) or commands (data.command). Costs one
    small query when nobody subscribes.
    """
    if not items:
        return 0
    hooks = subscribers(session, event_type, only)
    if not hooks:
        return 0
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for item in items:
        data = {"command": command_json(item)} if isinstance(item, Command) else {"event": event_json(item)}
        body = {"type": event_type, "timestamp": format_utc(now), "data": data}
        calendar = None if isinstance(item, Command) else item.calendar_id
        for hook in hooks:
            if calendar is not None and hook.calendars and calendar not in hook.calendars:
                continue
            rows.append(delivery_row(hook.id, event_type, body, now))
    if rows:
        session.execute(insert(cast(Table, WebhookDelivery.__table__)), rows)
    return len(rows)


def delivery_row(webhook_id: int, event_type: str, body: dict[str, Any], now) -> dict[str, Any]:
    """The values of a new pending delivery (its message id is the webhook-id header of every attempt)."""
    return {
        "webhook_id": webhook_id,
        "message_id": f"msg_{secrets.token_hex(12)}",
        "type": event_type,
        "payload": body,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def event_json(event: Event) -> dict[str, Any]:
    """An event in the contract's Event JSON (the API's EventOut gives the same; a test holds them together)."""
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
        "problems": [{"plugin": p.get("plugin", ""), "message": p.get("message", "")} for p in event.problems or []],
        "created_at": format_utc(event.created_at),
        "updated_at": format_utc(event.updated_at),
    }


def command_json(command: Command) -> dict[str, Any]:
    """A dead-lettered command as command.failed reports it."""
    return {
        "id": command.id,
        "system_id": command.system_id,
        "command": command.command,
        "parameters": command.parameters or {},
        "status": command.status,
        "attempts": command.attempts,
        "error": command.error,
        "created_at": format_utc(command.created_at),
        "failed_at": format_utc(command.failed_at),
    }


def announce_dead_letters(limit: int = 200) -> int:
    """Emit command.failed for commands that became failed (a final fail, or a lease expired past max_attempts)
    and mark them announced, in one transaction; returns how many.

    The queue's hot path (claims and lease reaping, run straight on the driver) stays as it is: a failed
    command is itself the durable record, and this sweep, run by the daemon about every second, is its outbox.
    """
    unannounced = (Command.status == "failed") & Command.dead_letter_sent_at.is_(None)
    waiting = db.session.execute(select(Command.id).where(unannounced).limit(1)).first()
    db.session.rollback()  # a read first: no write lock is taken while there is nothing to announce
    if waiting is None:
        return 0
    with write_transaction() as session:
        failed = (
            session.execute(
                select(Command).where(unannounced).order_by(Command.id).limit(limit).with_for_update(skip_locked=True)
            )
            .scalars()
            .all()
        )
        if failed:
            emit(session, "command.failed", failed)
            session.execute(
                update(Command).where(Command.id.in_([c.id for c in failed])).values(dead_letter_sent_at=utcnow())
            )
    return len(failed)


def events_changed(session: Session, change: str, events: Sequence[Event]) -> None:
    """What every writer of events calls, in its transaction, after a create, update or before a delete
    (`change` is created, updated or deleted): deliveries of event.<change>, and the timed firings re-planned
    (a deleted event's firings go with it, by the foreign key)."""
    if not events:
        return
    emit(session, f"event.{change}", events)
    # A cancelled event stays stored (and loses its firings on re-planning); a deleted one takes them with it.
    kept = events if change != "deleted" else [event for event in events if event.status == "cancelled"]
    if kept:
        from app.services.webhook_firings import replan_events  # it emits through this module when it fires

        replan_events(session, kept)
