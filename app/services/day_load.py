"""How loaded a day is, one definition for the optimizer, the dashboard's wellness warnings and analytics.

A day's load is the scheduled time of its busy events inside the local day, overlaps counted once; it is
too much above planning.max_daily_hours. A back-to-back chain is a run of busy events separated by gaps
shorter than planning.min_break_minutes (a shorter gap is no break).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol, TypeVar

from app.services.worktime import Interval, WorkPolicy, union_minutes


class Timed(Protocol):
    start_time: datetime
    end_time: datetime


T = TypeVar("T", bound=Timed)


def day_minutes(intervals: Iterable[Interval], day: date, policy: WorkPolicy) -> float:
    """Scheduled minutes of a local day, overlaps counted once."""
    return union_minutes(intervals, policy.day_bounds(day))


def over_daily_limit(minutes: float, policy: WorkPolicy) -> bool:
    """Whether a day with this many scheduled minutes is overloaded."""
    return minutes > policy.max_daily_minutes


def back_to_back_chains(busy: Sequence[T], policy: WorkPolicy) -> list[list[T]]:
    """Runs of two or more busy events (sorted by start) separated by less than min_break_minutes."""
    gap = timedelta(minutes=policy.min_break_minutes)
    chains: list[list[T]] = []
    end: datetime | None = None
    for event in busy:
        if end is not None and event.start_time - end < gap:
            chains[-1].append(event)
            end = max(end, event.end_time)
        else:
            chains.append([event])
            end = event.end_time
    return [chain for chain in chains if len(chain) > 1]
