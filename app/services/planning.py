"""The optimizer against the database: suggestions for a window, dismissals, and applying moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import current_settings
from app.db import write_transaction
from app.errors import ConflictError, InvalidInputError, NotFoundError
from app.extensions import db
from app.models import DismissedSuggestion, Event, PlanningAction
from app.plugins import EventData
from app.services import sync_outbox
from app.services.calendars import private_calendars
from app.services.event_window import window_events
from app.services.optimizer import Finding, Plan, analyse
from app.services.plugin_suggestions import from_plugin, plugin_findings
from app.services.schedule_rules import fixed_reason, patched_sources
from app.services.worktime import WorkPolicy
from app.timeutil import day_start, format_utc, utcnow

MAX_WINDOW_DAYS = 90


@dataclass(frozen=True)
class Move:
    """An event the planner moved, with its times before and after."""

    key: str
    event_id: int
    title: str
    previous_start: datetime
    previous_end: datetime
    new_start: datetime
    new_end: datetime
    upstream_patch_queued: bool
    reason: str


@dataclass(frozen=True)
class Booking:
    """A focus block booked from a suggestion."""

    key: str
    event_id: int | None
    new_start: datetime | None
    new_end: datetime | None
    type: str = "focus_block"


@dataclass(frozen=True)
class Optimization:
    """An optimizer run: its current suggestions and, with auto_apply, the moves it made."""

    suggestions: list[Finding]
    applied: list[Move] = field(default_factory=list)


def policy() -> WorkPolicy:
    return WorkPolicy.from_settings(current_settings())


def window(days: int, now: datetime) -> tuple[datetime, datetime]:
    """From the start of today (app time zone) for ``days`` local days."""
    if not 1 <= days <= MAX_WINDOW_DAYS:
        raise InvalidInputError("optimization_window_days", f"must be from 1 to {MAX_WINDOW_DAYS}")
    zone = current_settings().zone
    first = now.astimezone(zone).date()
    return day_start(first, zone), day_start(first + timedelta(days=days), zone)


def event_data(event: Event) -> EventData:
    """The optimizer's view of a stored event."""
    return EventData(
        id=event.id,
        title=event.title,
        start_time=event.start_time,
        end_time=event.end_time,
        all_day=bool(event.all_day),
        calendar_id=event.calendar_id,
        source=event.source,
        external_id=event.external_id,
        attendees=list(event.attendees or []),
        tags=list(event.tags or []),
        event_type=event.event_type,
        status=event.status,
        priority=event.priority,
    )


def load_events(start: datetime, end: datetime) -> list[EventData]:
    """Every event overlapping [start, end)."""
    return [event for event, _flags in window_events(start, end)]


def dismissed_keys() -> frozenset[str]:
    return frozenset(db.session.scalars(select(DismissedSuggestion.key)))


def build_plan(window_days: int, now: datetime) -> Plan:
    """The optimizer's findings for the window, leaving out dismissed ones."""
    start, end = window(window_days, now)
    horizon = end + (end - start)  # moves may look as far again past the window for a free slot
    events, dismissed = load_events(start, horizon), dismissed_keys()
    plan = analyse(events, start, end, policy(), now, dismissed, horizon, private_calendars())
    in_window = [e for e in events if e.end_time > start and e.start_time < end]
    extra = [item for item in plugin_findings(in_window, start, end) if item.key not in dismissed]
    return Plan(plan.findings + extra)


def current_suggestions(window_days: int = 7, now: datetime | None = None) -> list[Finding]:
    """The window's suggestions, each with its key and events; dismissed ones are left out."""
    return build_plan(window_days, now or utcnow()).findings


def optimize(window_days: int = 7, auto_apply: bool = False, now: datetime | None = None) -> Optimization:
    """The window's suggestions; with auto_apply the move suggestions are carried out too.

    A dry run only reads. With auto_apply, planning and moving happen in one write transaction, so no
    other writer can slip an event into a slot between the check and the move.
    """
    now = now or utcnow()
    if not auto_apply:
        return Optimization(current_suggestions(window_days, now))
    with write_transaction() as session:
        plan = build_plan(window_days, now)
        applied = [apply_move(session, move, "optimize") for move in plan.moves]
    return Optimization(plan.findings, applied)


def dismiss_suggestion(key: str) -> None:
    """Hide a suggestion for good; the key names the rule and the events, so new problems still show."""
    key = (key or "").strip()
    if not key or len(key) > 500:
        raise InvalidInputError("key", "must be a suggestion key of 1–500 characters")
    with write_transaction() as session:
        if session.get(DismissedSuggestion, key) is None:
            session.add(DismissedSuggestion(key=key))


def apply_suggestion(key: str, window_days: int = 7, now: datetime | None = None) -> Move | Booking:
    """Carry out one current suggestion by key: a move moves the event, a focus_block books a block.

    Other kinds describe a problem rather than a change and answer ConflictError.
    """
    now = now or utcnow()
    with write_transaction() as session:
        finding = next((item for item in build_plan(window_days, now).findings if item.key == key), None)
        if finding is None:
            raise NotFoundError("That suggestion no longer applies; reload the suggestions.")
        if from_plugin(finding):
            raise ConflictError("Suggestions from other scheduling plugins are shown, not applied.")
        if finding.suggestion.type == "move":
            return apply_move(session, finding, "apply")
        if finding.suggestion.type == "focus_block":
            return _book_focus_block(finding)
    raise ConflictError(f"A {finding.suggestion.type} suggestion cannot be applied; it describes a problem.")


def _book_focus_block(finding: Finding) -> Booking:
    from app.services import events  # late: the events service loads the plugin pipeline

    s = finding.suggestion
    event, _consumed = events.create_event(
        {
            "title": "Focus time",
            "start_time": s.proposed_start,
            "end_time": s.proposed_end,
            "event_type": "block",
            "tags": ["focus"],
            "description": s.reason,
        }
    )
    dismiss_suggestion(finding.key)  # booked: the day has its focus block now
    return Booking(finding.key, event.id if event else None, s.proposed_start, s.proposed_end)


def apply_move(session: Session, finding: Finding, actor: str) -> Move:
    """Move the event of a move finding."""
    s = finding.suggestion
    event = session.get(Event, s.event_id)
    if event is None:
        raise NotFoundError(f"No event with id {s.event_id}.")
    if s.proposed_start is None or s.proposed_end is None:
        raise ConflictError("This suggestion proposes no new time, so there is nothing to move.")
    return move_event(session, event, s.proposed_start, s.proposed_end, actor, s.reason, finding.key)


def move_event(
    session: Session, event: Event, start: datetime, end: datetime, actor: str, reason: str, key: str = ""
) -> Move:
    """Give an event new times, queue the upstream patch for a synced event, and log the move."""
    why_fixed = fixed_reason(event_data(event))
    if why_fixed is not None and actor in ("optimize", "apply"):
        raise ConflictError(f"'{event.title}' cannot move: {why_fixed}.")  # a guard; the rules never ask
    previous = (event.start_time, event.end_time)
    from app.services import events  # late: the events service loads the plugin pipeline

    # Through the events service, so plugins re-annotate the event (wellness tags, analytics) at its new time.
    events.update_event(event.id, {"start_time": start, "end_time": end}, partial=True, planned=True)
    queued = bool(event.external_id) and event.source in patched_sources()
    if queued:
        sync_outbox.queue_patch(
            session, event, {"start_time": format_utc(event.start_time), "end_time": format_utc(event.end_time)}
        )
    session.add(
        PlanningAction(
            actor=actor,
            event_id=event.id,
            event_title=event.title,
            suggestion_key=key,
            previous_start=previous[0],
            previous_end=previous[1],
            new_start=start,
            new_end=end,
            reason=reason,
            upstream_patch_queued=queued,
        )
    )
    session.flush()
    return Move(key, event.id, event.title, previous[0], previous[1], start, end, queued, reason)
