"""Storing one page of source changes: upsert by (calendar, external id), pipeline, deletes, reconcile."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import String, Table, any_, bindparam, delete, insert, inspect, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.models import Event, PendingUpstreamOp
from app.plugins import EventData
from app.services import pipeline
from app.services.commands import cancel_commands_for_source
from app.services.sync_outbox import event_fields, patched_fields, pending_patches, queue_delete, removed_by_us
from app.services.webhook_events import events_changed, subscribers
from app.sources.base import ChangePage, SourceEvent, SyncWindow

CHUNK = 500
UPSTREAM_DELETED = "The calendar event was deleted upstream before the command was delivered."


# What a sync reports, in the contract's names: the one list of them (results, sync jobs, the CLI summary).
COUNT_FIELDS = ("events_processed", "events_created", "events_updated", "events_deleted", "events_consumed")


@dataclass
class SyncCounts:
    """What one sync did (the fields of COUNT_FIELDS, plus the external ids seen)."""

    events_processed: int = 0
    events_created: int = 0
    events_updated: int = 0
    events_deleted: int = 0
    events_consumed: int = 0
    seen: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNT_FIELDS}


def existing_rows(session: Session, calendar_id: str, external_ids: list[str]) -> dict[str, Event]:
    """The stored events of one calendar with these external ids, in few queries.

    PostgreSQL takes the ids as one array parameter (= ANY): an IN list of hundreds of placeholders costs
    psycopg more to parse than the server needs to answer. SQLite takes them in IN lists of CHUNK.
    """
    if session.get_bind().dialect.name == "postgresql":
        ids = bindparam("external_ids", external_ids, type_=ARRAY(String))
        query = select(Event).where(Event.calendar_id == calendar_id, Event.external_id == any_(ids))
        return {row.external_id: row for row in session.execute(query).scalars() if row.external_id is not None}
    rows: dict[str, Event] = {}
    for start in range(0, len(external_ids), CHUNK):
        chunk = external_ids[start : start + CHUNK]
        for row in session.execute(
            select(Event).where(Event.calendar_id == calendar_id, Event.external_id.in_(chunk))
        ).scalars():
            if row.external_id is not None:  # always, for rows found by their external id
                rows[row.external_id] = row
    return rows


def apply_page(session: Session, page: ChangePage, calendar_id: str, source: str, counts: SyncCounts) -> None:
    """Store one page inside the caller's write transaction (the pipeline's writes join it).

    The pipeline runs for the whole page before any row is added, so that its savepoints flush nothing of
    ours and the page's inserts go to the database as one batch.
    """
    ids = [event.external_id for event in page.events]
    rows = existing_rows(session, calendar_id, ids)
    ours = removed_by_us(calendar_id, ids)
    patches = pending_patches(session, calendar_id, ids)
    pending: list[tuple[SourceEvent, Event | None]] = []
    for item in page.events:
        counts.events_processed += 1
        row = rows.get(item.external_id)
        if item.cancelled:
            _remove_cancelled(session, row, item, calendar_id, ours, counts)
            continue
        counts.seen.add(item.external_id)
        if item.external_id in ours:
            continue  # consumed or deleted by us; the provider has not caught up yet
        if row is not None and row.upstream_updated == item.updated:
            continue  # unchanged since the last sync
        pending.append((item, row))
    results = pipeline.run_pipeline_batch([_event_data(item, source, row) for item, row in pending])
    stored: list[Event] = []
    new: list[Event] = []
    for (item, row), outcome in zip(pending, results, strict=True):
        if outcome.consumed is not None or outcome.event is None:
            if row is not None:
                events_changed(session, "deleted", [row])
                session.delete(row)
            if item.external_id in patches:
                session.delete(patches.pop(item.external_id))
            queue_delete(calendar_id, source, item.external_id)
            counts.events_consumed += 1
            continue
        if row is None:
            row = Event()
            new.append(row)
            counts.events_created += 1
        else:
            stored.append(row)
            counts.events_updated += 1
        _fill(row, outcome.event, item, source)
        if item.external_id in patches:
            _upstream_wins(session, row, patches.pop(item.external_id))
    session.flush()
    inserted = insert_new(session, calendar_id, new)
    pipeline.after_store_batch([pipeline.event_data_from_model(row) for row in stored + inserted])
    events_changed(session, "updated", stored)
    events_changed(session, "created", inserted)


def insert_new(session: Session, calendar_id: str, rows: list[Event]) -> list[Event]:
    """Insert a page's new events; the stored rows (with ids) come back.

    SQLite: the ORM's batched INSERT. PostgreSQL: the ORM would send multi-row INSERT … RETURNING statements
    whose thousands of placeholders psycopg re-parses in Python for every batch (most of a full sync's time);
    one executemany without RETURNING is prepared once and pipelined, and the ids are read back in one query.
    """
    if not rows:
        return []
    if session.get_bind().dialect.name != "postgresql":
        session.add_all(rows)
        session.flush()
        return rows
    columns = [attr.key for attr in inspect(Event).column_attrs]
    groups: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:  # rows filled alike share one statement; the columns left unset take their defaults
        values = {key: row.__dict__[key] for key in columns if key in row.__dict__}
        groups.setdefault(tuple(values), []).append(values)
    for params in groups.values():
        session.execute(insert(cast(Table, Event.__table__)), params)
    return list(existing_rows(session, calendar_id, [row.external_id for row in rows if row.external_id]).values())


def _upstream_wins(session: Session, row: Event, op: PendingUpstreamOp) -> None:
    """The event changed upstream while a local change of it waited to be sent: the calendar's version is kept,
    the local change dropped, and the event's problems name the fields whose local values were lost."""
    now = event_fields(row)
    lost = [name for name in patched_fields(op) if name in now and (op.payload or {}).get(name) != now[name]]
    session.delete(op)
    if lost:
        message = (
            f"The change made here to {', '.join(lost)} was dropped: the event was changed in its calendar too "
            "since the last sync, and the calendar's version wins."
        )
        row.problems = [*(row.problems or []), {"plugin": "sync", "message": message}]


def _remove_cancelled(
    session: Session, row: Event | None, item: SourceEvent, calendar_id: str, ours: set[str], counts: SyncCounts
) -> None:
    if row is not None:
        events_changed(session, "deleted", [row])
        session.delete(row)
        counts.events_deleted += 1
    if item.external_id not in ours:
        # The user removed the entry upstream: a command made from it must not run any more.
        cancel_commands_for_source(f"{calendar_id}:{item.external_id}", UPSTREAM_DELETED)


def reconcile(session: Session, calendar_id: str, source: str, window: SyncWindow, counts: SyncCounts) -> None:
    """After a full listing: remove this calendar's events in the window that the source no longer has."""
    query = select(Event.id, Event.external_id).where(
        Event.calendar_id == calendar_id, Event.source == source, Event.end_time > window.start
    )
    if window.end is not None:
        query = query.where(Event.start_time < window.end)
    stale = [event_id for event_id, external_id in session.execute(query) if external_id not in counts.seen]
    announce = bool(stale) and bool(subscribers(session, "event.deleted"))
    for start in range(0, len(stale), CHUNK):
        if announce:
            gone = session.execute(select(Event).where(Event.id.in_(stale[start : start + CHUNK]))).scalars().all()
            events_changed(session, "deleted", gone)
        session.execute(delete(Event).where(Event.id.in_(stale[start : start + CHUNK])))
    counts.events_deleted += len(stale)


def _event_data(item: SourceEvent, source: str, row: Event | None) -> EventData:
    """The source's fields on top of what is stored locally (tags, priority, type survive an update)."""
    base = (
        pipeline.event_data_from_model(row)
        if row is not None
        else EventData(title=item.title, start_time=_utc(item.start_time), end_time=_utc(item.end_time))
    )
    return base.copy(
        event_type=item.event_type or base.event_type,
        title=item.title or "(no title)",
        start_time=_utc(item.start_time),
        end_time=_utc(item.end_time),
        description=item.description,
        location=item.location,
        all_day=item.all_day,
        all_day_date=item.all_day_date,
        timezone=item.timezone,
        calendar_id=item.calendar_id,
        source=source,
        external_id=item.external_id,
        attendees=list(item.attendees),
        organizer=item.organizer,
        problems=[],  # the plugins judge the new version afresh (and drop the tags they gave the old one)
    )


def _fill(row: Event, data: EventData, item: SourceEvent, source: str) -> None:
    pipeline.apply_event_data(row, data)
    row.calendar_id, row.source, row.external_id = item.calendar_id, source, item.external_id
    row.recurring_event_id = item.recurring_event_id
    row.original_start_time = item.original_start_time
    row.upstream_updated = item.updated


def _utc(value: datetime | None) -> datetime:
    if value is None:
        raise ValueError("a live source event needs a start and an end")
    return value
