"""Calendar events: list by window and search, read, create through the plugin pipeline, edit, delete."""

from __future__ import annotations

from typing import Any

from flask import Response

from app.api.answer import answer, page_of
from app.api.base import api_blueprint
from app.api.event_schemas import (
    ConsumedOut,
    EventCreate,
    EventListQuery,
    EventOut,
    EventPage,
    EventPatch,
    EventPath,
    EventReplace,
)
from app.api.schemas import ErrorResponse
from app.services import events

bp = api_blueprint("events", "Events", "Calendar events, searchable; new events pass the plugin pipeline.")

NOT_FOUND: dict[str | int, Any] = {404: ErrorResponse}


@bp.get("/events", summary="List events overlapping a window", responses={200: EventPage})
def list_events(query: EventListQuery):
    """Window by overlap around `anchor`; start order (past: newest first), or relevance with `q`."""
    items, total = events.list_events(
        calendars=query.calendar,
        anchor=query.anchor_date(),
        range_days=query.range,
        direction=query.direction,
        q=query.q,
        page=query.page,
        page_size=query.page_size,
    )
    return answer(EventPage, page_of(items, query.page, query.page_size, total))


@bp.post("/events", summary="Create an event (runs the plugin pipeline)", responses={201: EventOut, 202: ConsumedOut})
def create_event(body: EventCreate):
    """201 with the stored event, or 202 when a plugin turned it into a command, note or link."""
    event, consumed = events.create_event(body.model_dump(exclude_unset=True))
    if consumed is not None:
        return answer(ConsumedOut, {"consumed": True, "plugin": consumed.plugin, "result": consumed}, 202)
    return answer(EventOut, event, 201)


@bp.get("/events/<int:event_id>", summary="One event", responses={200: EventOut, **NOT_FOUND})
def get_event(path: EventPath):
    return answer(EventOut, events.get_event(path.event_id))


@bp.put(
    "/events/<int:event_id>",
    summary="Replace an event (title, start_time, end_time required)",
    responses={200: EventOut, **NOT_FOUND},
)
def replace_event(path: EventPath, body: EventReplace):
    event = events.update_event(path.event_id, body.model_dump(exclude_unset=True), partial=False)
    return answer(EventOut, event)


@bp.patch("/events/<int:event_id>", summary="Change some fields of an event", responses={200: EventOut, **NOT_FOUND})
def patch_event(path: EventPath, body: EventPatch):
    event = events.update_event(path.event_id, body.model_dump(exclude_unset=True), partial=True)
    return answer(EventOut, event)


@bp.delete(
    "/events/<int:event_id>",
    summary="Delete an event (synced ones are deleted upstream too)",
    responses={204: None, **NOT_FOUND},
)
def delete_event(path: EventPath):
    events.delete_event(path.event_id)
    return Response(status=204)
