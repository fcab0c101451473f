"""The daemon's planning jobs: timeboxing unscheduled tasks and re-planning overdue ones.

Both act through the optimizer's rules (only flexible events move, only into free working time that
no day's limit forbids), log every move as a PlanningAction, and are idempotent: what they change no
longer matches what they look for, and each run is one transaction, so a restart repeats nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, String, cast, select

from app.db import write_transaction
from app.models import Event
from app.services import planning
from app.services.calendars import private_calendars
from app.services.optimizer import next_quarter
from app.services.schedule_rules import UNSCHEDULED, Timeline, fixed_reason, is_busy
from app.settings import Settings
from app.timeutil import utcnow

# How far ahead the jobs look for a free slot.
SEARCH_DAYS = 28
OPEN_STATUSES = ("scheduled", "in_progress", "rescheduled")


def scheduled_jobs(settings: Settings) -> list[tuple[float, Callable[[], object], str]]:
    """The enabled planning jobs for daemon/jobs.py, run after each scheduled sync interval."""
    every = settings.scheduler.sync_interval_minutes * 60
    jobs: list[tuple[float, Callable[[], object], str]] = []
    if settings.planning.timeboxing_enabled:
        jobs.append((every, run_timeboxing, "planning_timeboxing"))
    if settings.planning.replanning_enabled:
        jobs.append((every, run_replanning, "planning_replanning"))
    return jobs


def run_timeboxing(now: datetime | None = None) -> int:
    """Give each open task tagged `unscheduled` (its duration is the estimate) the earliest free slot."""

    def wanted(event: Event) -> bool:
        return UNSCHEDULED in {tag.casefold() for tag in event.tags or []}

    def retag(event: Event) -> None:
        event.tags = [t for t in event.tags if t.casefold() != UNSCHEDULED] + ["timeboxed"]

    # The LIKE only narrows the scan; wanted() decides on the exact, case-folded tag.
    return _place(
        "timeboxing",
        wanted,
        retag,
        now or utcnow(),
        "it had no time yet",
        cast(Event.tags, String).ilike(f"%{UNSCHEDULED}%"),
    )


def run_replanning(now: datetime | None = None) -> int:
    """Move open flexible tasks whose time passed without being completed to the next free slot."""
    now = now or utcnow()

    def wanted(event: Event) -> bool:
        return event.end_time <= now and not event.all_day and is_busy(planning.event_data(event))

    def mark(event: Event) -> None:
        event.status = "rescheduled"

    return _place("replanning", wanted, mark, now, "its time passed without it being completed", Event.end_time <= now)


def _place(
    actor: str,
    wanted: Callable[[Event], bool],
    after: Callable[[Event], None],
    now: datetime,
    why: str,
    narrow: ColumnElement[bool],
) -> int:
    policy = planning.policy()
    horizon = now + timedelta(days=SEARCH_DAYS)
    moved = 0
    with write_transaction() as session:
        tasks = [
            event
            for event in session.scalars(
                select(Event)
                .where(Event.event_type == "task", Event.status.in_(OPEN_STATUSES), narrow)
                .order_by(Event.start_time, Event.id)
            )
            if wanted(event)
        ]
        tasks = [event for event in tasks if fixed_reason(planning.event_data(event)) is None]
        if not tasks:
            return 0
        busy = [e for e in planning.load_events(now, horizon) if is_busy(e)]
        timeline = Timeline(policy, busy, private_calendars())
        for task in tasks:
            length = task.end_time - task.start_time
            timeline.remove(task.id, task.start_time, task.end_time)

            def day_ok(day, needed: float) -> bool:
                return timeline.day_minutes(day) + needed <= policy.max_daily_minutes

            slot = timeline.first_free(length, next_quarter(now), horizon, day_ok)
            if slot is None:
                continue  # no room in the search horizon; tried again next run
            timeline.add(task.id, *slot)
            minutes = length.total_seconds() / 60
            reason = (
                f"{actor}: '{task.title}' ({minutes:.0f} min) moved to the earliest free working slot because {why}."
            )
            planning.move_event(session, task, slot[0], slot[1], actor, reason)
            after(task)
            moved += 1
    return moved
