"""The outbox of changes that must reach the calendar provider, retried with backoff until they do."""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, true, update
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.extensions import db
from app.models import Event, Heartbeat, PendingUpstreamOp, UpstreamDeletion
from app.services.heartbeat import PREFIX, is_alive, process_name
from app.services.sync_lock import holder_is_dead
from app.sources.base import CalendarSource, UpstreamChanged, UpstreamGone, capabilities_of
from app.sources.deletions import remember_deletion
from app.timeutil import format_utc, utcnow

log = logging.getLogger(__name__)

BATCH = 100
# Rows claimed per round trip: few, so a slow provider cannot keep a claim past its lease.
CLAIM = 10
# How long a claimed row waits before another daemon may take it while its holder still beats (it hangs) or
# cannot be judged (a process without a heartbeat on another host); a holder known to be dead frees it at once.
LEASE_SECONDS = 600
MAX_DELAY_SECONDS = 3600
# The payload key of a patch that holds the upstream version the local change was made on (not a field).
BASE_VERSION = "_upstream_version"
CONFLICT_ERROR = "changed upstream since the last sync: the next sync keeps the calendar's version"


def queue_delete(calendar_id: str, source: str, external_id: str, reason: str = "consumed") -> None:
    """Remember that we removed this event and that the provider must delete it (both once)."""
    with write_transaction() as session:
        if not _exists(session, PendingUpstreamOp, calendar_id, external_id, PendingUpstreamOp.op == "delete"):
            session.add(
                PendingUpstreamOp(
                    calendar_id=calendar_id,
                    source=source,
                    external_id=external_id,
                    op="delete",
                    payload={},
                    attempts=0,
                    next_attempt_at=utcnow(),
                )
            )
        remember_deletion(session, calendar_id, source, external_id, reason)


def queue_insert(session, event: Event, source: str) -> None:
    """Have the provider create this local event (inside the caller's write transaction). The upstream id is
    chosen now, so a retried create cannot make a second event."""
    session.add(
        PendingUpstreamOp(
            calendar_id=event.calendar_id,
            source=source,
            external_id=new_upstream_id(),
            op="insert",
            payload={"event_id": event.id},
            attempts=0,
            next_attempt_at=utcnow(),
        )
    )


def _with_base(fields: dict[str, Any], version: str | None) -> dict[str, Any]:
    """The patch's payload: the fields, and the upstream version they were changed from when it is known."""
    return {**fields, BASE_VERSION: version} if version else dict(fields)


def new_upstream_id() -> str:
    """An id for an event we create upstream, valid everywhere: Google wants 5-1024 characters of base32hex
    (a-v, 0-9), CalDAV any UID; "chronos" and hex digits are both."""
    return f"chronos{uuid.uuid4().hex}"


def queue_patch(session, event: Event, fields: dict[str, Any]) -> None:
    """Have the provider change these fields of a synced event; an unsent patch takes the newer values.

    The upstream version the change was made on is kept with it: if the event changes upstream meanwhile, the
    calendar's version wins (the provider refuses the patch and the next sync drops it)."""
    op = session.scalars(
        select(PendingUpstreamOp).where(
            PendingUpstreamOp.calendar_id == event.calendar_id,
            PendingUpstreamOp.external_id == event.external_id,
            PendingUpstreamOp.op == "patch",
        )
    ).first()
    if op is None:
        session.add(
            PendingUpstreamOp(
                calendar_id=event.calendar_id,
                source=event.source,
                external_id=event.external_id,
                op="patch",
                payload=_with_base(fields, event.upstream_updated),
                attempts=0,
                next_attempt_at=utcnow(),
            )
        )
    else:
        op.payload = {**(op.payload or {}), **fields}
        op.next_attempt_at, op.claimed_by = utcnow(), None


def event_fields(event: Event) -> dict[str, Any]:
    """The fields a provider stores, as JSON values (the payload of inserts and patches)."""
    return {
        "title": event.title,
        "description": event.description or "",
        "location": event.location or "",
        "start_time": format_utc(event.start_time),
        "end_time": format_utc(event.end_time),
        "all_day": event.all_day,
        "all_day_date": event.all_day_date.isoformat() if event.all_day_date else None,
        "timezone": event.timezone,
    }


TIME_FIELDS = ("start_time", "end_time", "all_day", "all_day_date", "timezone")


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields of `after` (event_fields) that differ from `before`; the times travel together (a provider
    needs the start, the end and the zone to place an event)."""
    changed = {key: value for key, value in after.items() if before.get(key) != value}
    if any(key in changed for key in TIME_FIELDS):
        changed.update({key: after[key] for key in TIME_FIELDS})
    return changed


def _exists(session, model, calendar_id: str, external_id: str, *extra) -> bool:
    return (
        session.execute(
            select(model.id).where(model.calendar_id == calendar_id, model.external_id == external_id, *extra)
        ).first()
        is not None
    )


def removed_by_us(calendar_id: str, external_ids: list[str]) -> set[str]:
    """Which of these events we deleted, took over, or are creating ourselves (done or still pending upstream;
    a pending patch is not: the listing decides between it and the calendar's version)."""
    found: set[str] = set()
    for start in range(0, len(external_ids), 500):
        chunk = external_ids[start : start + 500]
        for model, extra in (
            (UpstreamDeletion, true()),
            (PendingUpstreamOp, PendingUpstreamOp.op.in_(("delete", "insert"))),
        ):
            found.update(
                db.session.execute(
                    select(model.external_id).where(
                        model.calendar_id == calendar_id, model.external_id.in_(chunk), extra
                    )
                ).scalars()
            )
    return found


def pending_patches(session, calendar_id: str, external_ids: list[str]) -> dict[str, PendingUpstreamOp]:
    """The unsent patches of these events of one calendar, by external id."""
    found: dict[str, PendingUpstreamOp] = {}
    for start in range(0, len(external_ids), 500):
        chunk = external_ids[start : start + 500]
        query = select(PendingUpstreamOp).where(
            PendingUpstreamOp.calendar_id == calendar_id,
            PendingUpstreamOp.op == "patch",
            PendingUpstreamOp.external_id.in_(chunk),
        )
        found.update((op.external_id, op) for op in session.execute(query).scalars())
    return found


def patched_fields(op: PendingUpstreamOp) -> list[str]:
    """The event fields a pending patch would change."""
    return sorted(key for key in (op.payload or {}) if key != BASE_VERSION)


def flush_due(
    source: CalendarSource, now: datetime | None = None, limit: int = BATCH, *, calendars: list[str] | None = None
) -> tuple[int, int]:
    """Carry out due deletes and patches of this source (of these calendars, when given); (done, failed).

    Rows are claimed a few at a time before the network calls (which run outside transactions), so two
    daemons never send the same change; a claim is a lease, so a killed daemon's rows are retried later.
    """
    done = failed = 0
    while done + failed < limit:
        claimed = claim_due(source.name, min(CLAIM, limit - done - failed), now, calendars=calendars)
        if not claimed:
            break
        for op in claimed:
            error, version = _carry_out(source, op.op, op.calendar_id, op.external_id, op.payload or {})
            _record(op, error, version)
            if error:
                failed += 1
            else:
                done += 1
    return done, failed


@dataclass(frozen=True)
class ClaimedOp:
    """An outbox row taken by this daemon until `lease_until` (the row's next_attempt_at while claimed)."""

    id: int
    calendar_id: str
    external_id: str
    op: str
    payload: dict[str, Any]
    lease_until: datetime


def claim_due(
    source: str, limit: int, now: datetime | None = None, *, calendars: list[str] | None = None
) -> list[ClaimedOp]:
    """Take up to `limit` due rows of a source (of these calendars, when given: one account's) by pushing their
    next attempt a lease ahead and naming this process as their holder, in one statement. Rows held by a
    daemon that died are due too.

    PostgreSQL: FOR UPDATE SKIP LOCKED, so concurrent daemons take different rows without waiting. SQLite
    renders no FOR UPDATE: the IMMEDIATE write transaction lets one claimer in at a time.
    """
    now = now or utcnow()
    lease_until = utcnow() + timedelta(seconds=LEASE_SECONDS)
    with write_transaction() as session:
        orphaned = dead_holders(session, now, source)
        due = (
            select(PendingUpstreamOp.id)
            .where(PendingUpstreamOp.source == source)
            .where(
                or_(PendingUpstreamOp.next_attempt_at <= now, PendingUpstreamOp.claimed_by.in_(orphaned))
                if orphaned
                else PendingUpstreamOp.next_attempt_at <= now
            )
            .where(PendingUpstreamOp.calendar_id.in_(calendars) if calendars is not None else true())
            .order_by(PendingUpstreamOp.next_attempt_at, PendingUpstreamOp.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = session.execute(
            update(PendingUpstreamOp)
            .where(PendingUpstreamOp.id.in_(due.scalar_subquery()))
            .values(next_attempt_at=lease_until, claimed_by=process_name())
            .returning(
                PendingUpstreamOp.id,
                PendingUpstreamOp.calendar_id,
                PendingUpstreamOp.external_id,
                PendingUpstreamOp.op,
                PendingUpstreamOp.payload,
            )
        ).all()
    claimed = (
        ClaimedOp(row.id, row.calendar_id, row.external_id, row.op, row.payload, lease_until=lease_until)
        for row in rows
    )
    return sorted(claimed, key=lambda op: op.id)


def dead_holders(session: Session, now: datetime, source: str | None = None) -> list[str]:
    """The holders of unexpired claims (of a source) known to be dead: a daemon whose heartbeat went stale or
    whose process is gone from this host. A holder that never beat on another host cannot be judged: its
    rows wait for their lease."""
    held = select(PendingUpstreamOp.claimed_by).where(
        PendingUpstreamOp.claimed_by.is_not(None), PendingUpstreamOp.next_attempt_at > now
    )
    if source is not None:
        held = held.where(PendingUpstreamOp.source == source)
    holders = {holder for holder in session.execute(held.distinct()).scalars() if holder}
    if not holders:
        return []
    beats = {row.name: row for row in session.execute(select(Heartbeat).where(Heartbeat.name.in_(holders))).scalars()}
    return sorted(holder for holder in holders if _holder_dead(holder, beats.get(holder), now))


def _holder_dead(holder: str, beat: Heartbeat | None, now: datetime) -> bool:
    if beat is not None:
        return not is_alive(beat, now)
    return holder_is_dead(holder.removeprefix(PREFIX))


def _carry_out(
    source: CalendarSource, op: str, calendar_id: str, external_id: str, payload: dict[str, Any]
) -> tuple[str | None, str | None]:
    """Send one change: (error, the event's new upstream version when the provider told it)."""
    try:
        if op == "delete":
            source.delete_event(calendar_id, external_id)
        elif op == "insert":
            event = db.session.get(Event, payload.get("event_id"))
            if event is not None and event.external_id is None and capabilities_of(source).insert:
                return None, source.insert_event(calendar_id, external_id, event_fields(event))
        elif op == "patch":
            if capabilities_of(source).patch:  # read-only sources keep the local change as it is
                changes = {key: value for key, value in payload.items() if key != BASE_VERSION}
                expected = payload.get(BASE_VERSION)
                return None, source.patch_event(calendar_id, external_id, changes, expected=expected)
        else:
            return f"operation {op!r} is not supported by the {source.name} source", None
    except UpstreamGone:
        return None, None
    except UpstreamChanged:
        return CONFLICT_ERROR, None
    except Exception as exc:  # every failure is retried later; the message is kept for the dashboard
        log.warning("upstream %s of %s/%s failed: %s", op, calendar_id, external_id, exc)
        return f"{type(exc).__name__}: {exc}", None
    return None, None


def _record(op: ClaimedOp, error: str | None, version: str | None = None) -> None:
    """Drop a done row, or schedule its retry; a row whose lease ran out and was claimed again (or that took a
    newer change meanwhile) is left to its new holder."""
    with write_transaction() as session:
        row = session.get(PendingUpstreamOp, op.id)
        if row is None:
            return
        if error is None and row.op == "patch" and version is not None:
            _note_version(session, row, version)
        if row.next_attempt_at != op.lease_until:
            return
        if error is None:
            if row.op == "delete":
                # Remembered, so the provider's tombstone for it reads as our own delete.
                remember_deletion(session, row.calendar_id, row.source, row.external_id)
            elif row.op == "insert":
                _link_inserted(session, row, version)
            session.delete(row)
            return
        row.attempts += 1
        row.last_error = error[:2000]
        row.next_attempt_at, row.claimed_by = utcnow() + timedelta(seconds=retry_delay(row.attempts)), None


def _note_version(session, row: PendingUpstreamOp, version: str) -> None:
    """Our own patch made this upstream version: the event is in step with it, and a newer change still queued
    in the row builds on it (so it is not taken for someone else's change)."""
    event = session.execute(
        select(Event).where(Event.calendar_id == row.calendar_id, Event.external_id == row.external_id)
    ).scalar_one_or_none()
    if event is not None:
        event.upstream_updated = version
    row.payload = {**(row.payload or {}), BASE_VERSION: version}


def _link_inserted(session, row: PendingUpstreamOp, version: str | None) -> None:
    """The created event is now the provider's: it carries the upstream id (a copy a sync brought in meanwhile
    is dropped, so the event keeps the id people know it by)."""
    event = session.get(Event, (row.payload or {}).get("event_id"))
    if event is None or event.external_id is not None:
        return
    twin = session.execute(
        select(Event).where(Event.calendar_id == row.calendar_id, Event.external_id == row.external_id)
    ).scalar_one_or_none()
    if twin is not None:
        session.delete(twin)
        session.flush()
    event.external_id, event.source, event.upstream_updated = row.external_id, row.source, version


def retry_delay(attempts: int) -> float:
    """30 s, 60 s, 120 s ... capped at an hour, with jitter so that many failures spread out."""
    delay = min(MAX_DELAY_SECONDS, 30 * 2 ** max(0, attempts - 1))
    return delay * (0.5 + random.random() / 2)  # jitter, not cryptography


def any_due(now: datetime | None = None) -> bool:
    """Whether some change is due now, or held by a daemon that died (one small query when nothing is claimed,
    cheap enough to ask every second)."""
    now = now or utcnow()
    query = select(PendingUpstreamOp.id).where(PendingUpstreamOp.next_attempt_at <= now).limit(1)
    return db.session.execute(query).first() is not None or bool(dead_holders(db.session(), now))


def pending_count(source: str | None = None, calendar_id: str | None = None) -> int:
    query = select(func.count(PendingUpstreamOp.id))
    if source:
        query = query.where(PendingUpstreamOp.source == source)
    if calendar_id:
        query = query.where(PendingUpstreamOp.calendar_id == calendar_id)
    return int(db.session.execute(query).scalar_one())
