"""Double bookings: overlapping events grouped into one cluster each, and the advice of what to do.

A cluster is a run of busy events each starting before the run so far has ended, so four events at one hour
are one conflict naming all four, not six pairs. The advice names the events that stay, the ones to move and
where to: the optimizer's own moves when it may move them, else the first free slot for the user to pick.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.plugins import EventData, Suggestion
from app.services.schedule_rules import fixed_reason
from app.services.worktime import Interval, WorkPolicy


@dataclass
class Cluster:
    """Overlapping events (sorted by start) and what planning decided for each."""

    events: list[EventData]
    staying: list[EventData] = field(default_factory=list)
    moves: dict[int, Interval] = field(default_factory=dict)  # event id -> the optimizer's new slot
    manual: dict[int, tuple[str, Interval | None]] = field(default_factory=dict)  # id -> (why fixed, free slot)

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(sorted(e.id or 0 for e in self.events))

    @property
    def titles(self) -> tuple[str, ...]:
        """The titles in the order of ``ids``."""
        return tuple(e.title for e in sorted(self.events, key=lambda e: e.id or 0))

    @property
    def key(self) -> str:
        return "conflict:" + ":".join(str(i) for i in self.ids)

    @property
    def start(self) -> datetime:
        return self.events[0].start_time

    @property
    def end(self) -> datetime:
        return max(e.end_time for e in self.events)


def clusters(busy: list[EventData]) -> list[Cluster]:
    """Runs of two or more overlapping events among ``busy`` (sorted by start)."""
    runs: list[list[EventData]] = []
    end: datetime | None = None
    for event in busy:
        if end is not None and event.start_time < end:
            runs[-1].append(event)
            end = max(end, event.end_time)
        else:
            runs.append([event])
            end = event.end_time
    return [Cluster(run) for run in runs if len(run) > 1]


def keeper_order(event: EventData) -> tuple:
    """Which event of a cluster has most claim to its place: fixed ones, then the earliest, then the longest."""
    return (fixed_reason(event) is None, event.start_time, -(event.end_time - event.start_time), event.id or 0)


def overlaps(event: EventData, others: list[EventData]) -> list[EventData]:
    return [o for o in others if o.start_time < event.end_time and event.start_time < o.end_time]


def double_booked_minutes(events: list[EventData]) -> float:
    """Minutes during which two or more of the events run at once."""
    points = sorted([(e.start_time, 1) for e in events] + [(e.end_time, -1) for e in events], key=lambda p: p[:2])
    total, running, since = 0.0, 0, None
    for moment, step in points:
        if running >= 2 and since is not None:
            total += (moment - since).total_seconds() / 60
        running += step
        since = moment
    return total


def names(events: list[EventData]) -> str:
    """'A', 'B' and 'C'."""
    quoted = [f"'{e.title}'" for e in events]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def conflict_finding_parts(cluster: Cluster, policy: WorkPolicy, when) -> Suggestion:
    """The conflict suggestion: who overlaps when, and what to do (proposed times only for a real move)."""
    by_id = {e.id: e for e in cluster.events}
    parts = [
        f"{len(cluster.events)} events overlap on {when(cluster.start, cluster.end, policy)} "
        f"({double_booked_minutes(cluster.events):.0f} min double-booked): {names(cluster.events)}."
    ]
    kept = [e for e in cluster.staying if e.id not in cluster.manual]
    if cluster.moves or cluster.manual:
        parts.append(f"Keep {names(kept)}.")
    for event_id, slot in cluster.moves.items():
        parts.append(f"Move '{by_id[event_id].title}' to {when(*slot, policy)} (apply the move below).")
    for event_id, (why, free) in cluster.manual.items():
        title = by_id[event_id].title
        if free is not None:
            parts.append(
                f"Chronos cannot move '{title}' ({why}): move it yourself, for example to {when(*free, policy)}, "
                "the first free working slot, or decline it."
            )
        else:
            parts.append(f"Chronos cannot move '{title}' ({why}) and no free slot fits it: decline it or shorten it.")
    target = next(iter(cluster.moves.items()), None) or next(
        ((i, slot) for i, (_why, slot) in cluster.manual.items() if slot), None
    )
    return Suggestion(
        "conflict",
        " ".join(parts),
        None,  # a double booking is a fact, not an estimate
        event_id=target[0] if target else cluster.events[0].id,
        proposed_start=target[1][0] if target else None,
        proposed_end=target[1][1] if target else None,
    )
