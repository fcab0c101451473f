"""Notes and saved links made from NOTE:/NOTIZ: and URL: calendar entries, one per source event."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import and_, func, or_, select

from app.db import write_transaction
from app.extensions import db
from app.models import Note, UrlPayload
from app.plugins import EventData
from app.timeutil import format_utc

Row = TypeVar("Row", Note, UrlPayload)


def _event_details(event: EventData) -> dict[str, Any]:
    """What the calendar entry said, kept beside the note or link."""
    return {
        "title": event.title,
        "description": event.description,
        "location": event.location,
        "start_time": format_utc(event.start_time),
        "end_time": format_utc(event.end_time),
        "all_day": event.all_day,
        "attendees": list(event.attendees),
        "source": event.source,
        "timezone": event.timezone,
    }


def _create_once(model: type[Row], event: EventData, **values: Any) -> Row:
    """Insert a row keyed by the event's source_key, or return the row that key already made."""
    with write_transaction() as session:
        existing = session.execute(select(model).where(model.source_key == event.source_key)).scalar_one_or_none()
        if existing is not None:
            return existing
        row = model(
            source_key=event.source_key,
            event_time=event.start_time,
            calendar_id=event.calendar_id,
            external_id=event.external_id,
            event_details=_event_details(event),
            **values,
        )
        session.add(row)
        session.flush()
        return row


def create_note(event: EventData, text: str) -> Note:
    """The note of one source event (created on the first call, returned unchanged afterwards)."""
    return _create_once(Note, event, text=text, event_end_time=event.end_time)


def create_url(event: EventData, url: str, title: str) -> UrlPayload:
    """The saved link of one source event (created on the first call, returned unchanged afterwards)."""
    return _create_once(UrlPayload, event, url=url, title=title[:500])


def _page(model: type[Row], columns: list[Any], q: str | None, page: int, page_size: int) -> tuple[list[Row], int]:
    condition = None
    words = (q or "").split()
    if words:
        # every word must appear in one of the columns; LIKE wildcards in the input are taken literally
        condition = and_(
            *[or_(*[column.ilike(f"%{_escape_like(word)}%", escape="\\") for column in columns]) for word in words]
        )
    query = select(model)
    count = select(func.count()).select_from(model)
    if condition is not None:
        query, count = query.where(condition), count.where(condition)
    total = db.session.execute(count).scalar_one()
    rows = (
        db.session.execute(
            query.order_by(model.created_at.desc(), model.id.desc()).limit(page_size).offset((page - 1) * page_size)
        )
        .scalars()
        .all()
    )
    return list(rows), total


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_notes(*, q: str | None = None, page: int = 1, page_size: int = 50) -> tuple[list[Note], int]:
    """Notes, newest first; `q` keeps those whose text holds every word (case-insensitive)."""
    return _page(Note, [Note.text], q, page, page_size)


def list_urls(*, q: str | None = None, page: int = 1, page_size: int = 50) -> tuple[list[UrlPayload], int]:
    """Saved links, newest first; `q` keeps those whose URL or title holds every word."""
    return _page(UrlPayload, [UrlPayload.url, UrlPayload.title], q, page, page_size)
