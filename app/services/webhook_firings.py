"""Timed firings: event.starting / event.ended planned in a table by due time, fired by the daemon on time.

The plan is kept in the transaction of every change that can move it (an event created, moved, cancelled,
deleted or synced; a webhook created, enabled or disabled), so the daemon only reads the smallest due time
from an index and sleeps until then: firing does not wait for any sync or scheduler tick. Firing writes the
delivery and marks the firing fired in one transaction, so a firing happens once, and never gets lost; a fired
row stays (until its event is gone or a day has passed) so that re-syncing an unmoved event never fires it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.extensions import db
from app.models import TIMED_TYPES, Event, Webhook, WebhookFiring
from app.plugins import due_time
from app.services.webhook_events import emit
from app.timeutil import utcnow

CHUNK = 500
FIRE_BATCH = 500


def firing_time(event: Event, event_type: str, offset_minutes: float) -> datetime:
    """When a timed type fires for an event: its start less the webhook's offset, or its end."""
    return due_time(event.start_time, offset_minutes) if event_type == "event.starting" else event.end_time


def _timed_hooks(session: Session) -> list[Webhook]:
    query = select(Webhook).where(Webhook.enabled.is_(True))
    return [hook for hook in session.execute(query).scalars() if set(hook.events or []) & set(TIMED_TYPES)]


def _wanted(hook: Webhook, event: Event) -> dict[str, datetime]:
    """type -> due time of the firings a webhook wants for an event (none for a cancelled event)."""
    if event.status == "cancelled" or (hook.calendars and event.calendar_id not in hook.calendars):
        return {}
    return {kind: firing_time(event, kind, hook.offset_minutes) for kind in TIMED_TYPES if kind in hook.events}


def replan_events(session: Session, events: Sequence[Event], now: datetime | None = None) -> None:
    """Bring the planned firings of these (stored, flushed) events in line with their times and status.

    A firing whose time is unchanged stays (even when just due: it has not fired yet); a moved one takes its new
    time if that lies ahead, else it is dropped; a new one is planned only for a time still ahead.
    """
    hooks = _timed_hooks(session)
    if not hooks or not events:
        return
    now = now or utcnow()
    ids = [event.id for event in events]
    existing: dict[tuple[int, int, str], WebhookFiring] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(WebhookFiring).where(WebhookFiring.event_id.in_(ids[start : start + CHUNK]))
        for found in session.execute(query).scalars():
            existing[(found.webhook_id, found.event_id, found.type)] = found
    new: list[dict[str, Any]] = []
    for event in events:
        for hook in hooks:
            for kind, due in _wanted(hook, event).items():
                row = existing.pop((hook.id, event.id, kind), None)
                if row is not None and row.due_at == due:
                    continue  # unmoved: planned still, or fired already (never twice)
                if due <= now:
                    if row is not None and row.fired_at is None:
                        session.delete(row)
                elif row is not None:
                    row.due_at, row.fired_at = due, None  # moved ahead: it fires at its new time
                else:
                    new.append({"webhook_id": hook.id, "event_id": event.id, "type": kind, "due_at": due})
    for row in existing.values():  # no longer wanted: cancelled, or out of the webhook's calendars
        if row.fired_at is None:
            session.delete(row)
    if new:
        session.execute(insert(cast(Table, WebhookFiring.__table__)), new)


def plan_webhook(session: Session, hook: Webhook, now: datetime | None = None) -> int:
    """(Re)plan every future firing of one webhook (created, changed or enabled again); returns how many."""
    session.execute(delete(WebhookFiring).where(WebhookFiring.webhook_id == hook.id))
    kinds = [kind for kind in TIMED_TYPES if kind in (hook.events or [])]
    if not hook.enabled or not kinds:
        return 0
    now = now or utcnow()
    # Every event whose end lies ahead may still have a firing ahead (start - offset, or its end).
    query = select(Event).where(Event.end_time > now, Event.status != "cancelled")
    if hook.calendars:
        query = query.where(Event.calendar_id.in_(hook.calendars))
    new = [
        {"webhook_id": hook.id, "event_id": event.id, "type": kind, "due_at": due}
        for event in session.execute(query).scalars()
        for kind, due in _wanted(hook, event).items()
        if due > now
    ]
    for start in range(0, len(new), CHUNK):
        session.execute(insert(cast(Table, WebhookFiring.__table__)), new[start : start + CHUNK])
    return len(new)


def forget_webhook(session: Session, webhook_id: int) -> None:
    """A disabled webhook plans nothing (it is planned afresh when enabled again)."""
    session.execute(delete(WebhookFiring).where(WebhookFiring.webhook_id == webhook_id))


def next_due() -> datetime | None:
    """The earliest planned firing (one index lookup)."""
    value = db.session.execute(
        select(func.min(WebhookFiring.due_at)).where(WebhookFiring.fired_at.is_(None))
    ).scalar_one_or_none()
    db.session.rollback()  # end the read, so SQLite's snapshot does not pin the WAL
    return value


def fire_due(now: datetime | None = None, limit: int = FIRE_BATCH) -> int:
    """Turn due firings into deliveries and mark them fired, in one transaction; returns how many fired.

    PostgreSQL: FOR UPDATE SKIP LOCKED, so daemons firing at once take different rows; SQLite's IMMEDIATE
    transaction lets one in at a time.
    """
    now = now or utcnow()
    earliest = next_due()  # a read first: no write lock is taken while nothing is due
    if earliest is None or earliest > now:
        return 0
    with write_transaction() as session:
        rows = session.execute(
            select(WebhookFiring, Event)
            .join(Event, Event.id == WebhookFiring.event_id)
            .where(WebhookFiring.fired_at.is_(None), WebhookFiring.due_at <= now)
            .order_by(WebhookFiring.due_at, WebhookFiring.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=WebhookFiring)
        ).all()
        groups: dict[tuple[int, str], list[Event]] = {}
        for firing, event in rows:
            groups.setdefault((firing.webhook_id, firing.type), []).append(event)
        for (webhook_id, kind), events in groups.items():
            emit(session, kind, events, only=[webhook_id])
        fired = [firing.id for firing, _event in rows]
        if fired:
            session.execute(update(WebhookFiring).where(WebhookFiring.id.in_(fired)).values(fired_at=now))
    return len(rows)


def prune_fired(now: datetime | None = None) -> int:
    """Drop fired firings due over a day ago: their events' times lie in the past, so no re-plan wants them."""
    cutoff = (now or utcnow()) - timedelta(days=1)
    with write_transaction() as session:
        gone = session.execute(
            delete(WebhookFiring).where(WebhookFiring.fired_at.is_not(None), WebhookFiring.due_at < cutoff)
        )
    return getattr(gone, "rowcount", 0) or 0


def seconds_until_due(now: datetime | None = None, cap: float = 1.0) -> float:
    """How long the daemon may sleep before the next firing is due (at most `cap`, so that firings planned
    meanwhile by another process are seen within that)."""
    due = next_due()
    if due is None:
        return cap
    return max(0.0, min(cap, (due - (now or utcnow())) / timedelta(seconds=1)))
