"""The schedule optimizer: rules that turn a window of events into explained suggestions.

Pure logic over EventData (no database), so the planning service and the daemon's planning jobs share it.
Every suggestion names its rule, the events, and the numbers behind it; confidences follow from the same
numbers where a rule weighs something (breaks, focus blocks, moves off a full day) and are None for facts
(a conflict, an overload). Moves and focus blocks are placed so that taking them never calls for a break
(see the README, "Planning, the optimizer and analytics").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app.plugins import EventData, Suggestion
from app.services.conflicts import Cluster, clusters, conflict_finding_parts, keeper_order, overlaps
from app.services.day_load import back_to_back_chains, over_daily_limit
from app.services.schedule_rules import Timeline, fixed_reason, is_busy, is_focus
from app.services.worktime import Interval, WorkPolicy

ORDER = {"conflict": 0, "overload": 1, "move": 2, "break": 3, "focus_block": 4}


@dataclass(frozen=True)
class Finding:
    """A suggestion plus its stable key (for dismissal) and every event it is about."""

    suggestion: Suggestion
    key: str
    event_ids: tuple[int, ...] = ()
    trigger: str | None = None  # for a move: the key of the conflict or overload it resolves
    titles: tuple[str, ...] = ()  # the titles of event_ids, in the same order, for links

    @property
    def linked(self) -> list[tuple[int, str]]:
        """(event id, title) of each event the finding names, where the titles are known."""
        return list(zip(self.event_ids, self.titles, strict=False))

    # The suggestion's own parts, read through the finding (the API's SuggestionOut and the dashboard do).
    type = property(lambda self: self.suggestion.type)
    event_id = property(lambda self: self.suggestion.event_id)
    proposed_start = property(lambda self: self.suggestion.proposed_start)
    proposed_end = property(lambda self: self.suggestion.proposed_end)
    reason = property(lambda self: self.suggestion.reason)
    confidence = property(lambda self: self.suggestion.confidence)


@dataclass
class Plan:
    findings: list[Finding] = field(default_factory=list)

    @property
    def moves(self) -> list[Finding]:
        """The optimizer's own moves (other plugins' suggestions are listed, never applied)."""
        return [
            item
            for item in self.findings
            if item.suggestion.type == "move" and not (item.trigger or "").startswith("plugin:")
        ]


def stored_id(event: EventData) -> int:
    """The id of an event the optimizer read from the database (every one it works on has one)."""
    if event.id is None:
        raise ValueError(f"the optimizer works on stored events; {event.title!r} has no id")
    return event.id


def graded(value: float, limit: float) -> float:
    """0.5 at the limit, rising linearly to 1.0 at twice the limit: how far past a threshold we are."""
    return round(min(1.0, 0.5 + 0.5 * max(0.0, value - limit) / limit), 2)


def _clock(moment: datetime, policy: WorkPolicy) -> str:
    local = moment.astimezone(policy.zone)
    return f"{local.hour:02d}:{local.minute:02d}"


def _day_label(day: date) -> str:
    return day.strftime("%a %d %b %Y")


def _when(start: datetime, end: datetime, policy: WorkPolicy) -> str:
    local = start.astimezone(policy.zone)
    return f"{_day_label(local.date())} {local.hour:02d}:{local.minute:02d}–{_clock(end, policy)}"


def analyse(
    events: Sequence[EventData],
    window_start: datetime,
    window_end: datetime,
    policy: WorkPolicy,
    now: datetime,
    dismissed: frozenset[str] = frozenset(),
    horizon: datetime | None = None,
    private: frozenset[str] = frozenset(),
) -> Plan:
    """Every suggestion for [window_start, window_end); moves search free slots up to ``horizon``. Events of
    ``private`` calendars block their time but add to no day's work load."""
    busy = sorted((e for e in events if is_busy(e) and e.id is not None), key=lambda e: (e.start_time, e.id))
    in_window = [e for e in busy if e.end_time > window_start and e.start_time < window_end]
    horizon = horizon or window_end + (window_end - window_start)
    timeline = Timeline(policy, busy, private)
    days = [day for day in policy.days(window_start, window_end)]
    found = [cluster for cluster in clusters(in_window) if cluster.key not in dismissed]
    overloads = find_overloads(days, timeline, policy)
    moves = plan_moves(found, overloads, in_window, timeline, policy, now, horizon, dismissed)
    conflicts = [Finding(conflict_finding_parts(cluster, policy, _when), cluster.key, cluster.ids) for cluster in found]
    findings = [
        *conflicts,
        *overloads,
        *moves,
        *find_breaks(in_window, policy),
        *find_focus_blocks(days, in_window, timeline, policy, now),
    ]
    kept = [item for item in findings if item.key not in dismissed]
    kept.sort(key=lambda item: (ORDER[item.suggestion.type], _sort_time(item, window_start), item.key))
    return Plan(kept)


def _sort_time(item: Finding, fallback: datetime) -> datetime:
    return item.suggestion.proposed_start or fallback


def find_overloads(days: list[date], timeline: Timeline, policy: WorkPolicy) -> list[Finding]:
    """Local days whose scheduled time (overlaps counted once) exceeds planning.max_daily_hours."""
    found = []
    for day in days:
        scheduled = timeline.day_minutes(day)
        if over_daily_limit(scheduled, policy):
            reason = (
                f"{_day_label(day)} has {scheduled / 60:.1f} h scheduled, over the limit of "
                f"{policy.max_daily_minutes / 60:g} h by {(scheduled - policy.max_daily_minutes) / 60:.1f} h."
            )
            start, end = policy.day_bounds(day)
            found.append(
                Finding(
                    Suggestion(
                        "overload",
                        reason,
                        None,  # a fact: the day is over the limit
                        proposed_start=start,
                        proposed_end=end,
                    ),
                    key=f"overload:{day}",
                )
            )
    return found


def find_breaks(busy: list[EventData], policy: WorkPolicy) -> list[Finding]:
    """Back-to-back chains (gaps under min_break_minutes) longer than max_chain_minutes get a break.

    The break goes after the last event that keeps the chain within the limit; the rest of the chain is
    checked again from there, so a very long chain gets several breaks.
    """
    found: list[Finding] = []
    for chain in back_to_back_chains(busy, policy):
        while len(chain) > 1:
            span = (max(e.end_time for e in chain) - chain[0].start_time).total_seconds() / 60
            if span <= policy.max_chain_minutes:
                break
            cut = _break_point(chain, policy)
            end_of_run = max(e.end_time for e in chain[:cut])
            start = end_of_run
            ids = tuple(stored_id(e) for e in chain)
            run_minutes = (end_of_run - chain[0].start_time).total_seconds() / 60
            reason = (
                f"{len(chain)} events run back to back for {span:.0f} min from "
                f"{_clock(chain[0].start_time, policy)} ('{chain[0].title}' to '{chain[-1].title}') "
                f"without a {policy.min_break_minutes}-min gap; the limit is {policy.max_chain_minutes} "
                f"min. Take a break after {run_minutes:.0f} min, before '{chain[cut].title}'."
            )
            found.append(
                Finding(
                    Suggestion(
                        "break",
                        reason,
                        graded(span, policy.max_chain_minutes),
                        event_id=chain[cut].id,
                        proposed_start=start,
                        proposed_end=start + timedelta(minutes=policy.min_break_minutes),
                    ),
                    key=f"break:{'-'.join(str(i) for i in ids)}:{cut}",
                    event_ids=ids,
                )
            )
            chain = chain[cut:]
    return found


def _break_point(chain: list[EventData], policy: WorkPolicy) -> int:
    """Index of the first event after the break: the longest prefix within the limit (at least one)."""
    limit = timedelta(minutes=policy.max_chain_minutes)
    cut, end = 1, chain[0].end_time
    for index in range(1, len(chain)):
        end = max(end, chain[index - 1].end_time)  # the end of chain[:index]
        if end - chain[0].start_time <= limit:
            cut = index
    return cut


def find_focus_blocks(
    days: list[date], busy: list[EventData], timeline: Timeline, policy: WorkPolicy, now: datetime
) -> list[Finding]:
    """On working days without a focus block, the largest free working slot if it fits one."""
    length = timedelta(minutes=policy.focus_block_minutes)
    focus_days = {policy.local_date(e.start_time) for e in busy if is_focus(e) and e.end_time - e.start_time >= length}
    found = []
    for day in days:
        if day in focus_days:
            continue
        slots = timeline.free_in_working_hours(day, now)
        if not slots:
            continue
        start, end = max(slots, key=lambda slot: (slot[1] - slot[0], -slot[0].timestamp()))
        if end - start < length or timeline.day_minutes(day) + policy.focus_block_minutes > policy.max_daily_minutes:
            continue
        block = timeline.place(length, (start, end), end)  # never right against a run that would need a break
        if block is None:
            continue
        free = (end - start).total_seconds() / 60
        reason = (
            f"{_day_label(day)} has no focus block of {policy.focus_block_minutes} min; its largest free "
            f"working slot is {_clock(start, policy)}–{_clock(end, policy)} ({free:.0f} min)."
        )
        found.append(
            Finding(
                Suggestion(
                    "focus_block",
                    reason,
                    graded(free, policy.focus_block_minutes),
                    proposed_start=block[0],
                    proposed_end=block[1],
                ),
                key=f"focus_block:{day}",
            )
        )
    return found


def plan_moves(
    conflicts: list[Cluster],
    overloads: list[Finding],
    busy: list[EventData],
    timeline: Timeline,
    policy: WorkPolicy,
    now: datetime,
    horizon: datetime,
    dismissed: frozenset[str],
) -> list[Finding]:
    """Move flexible events out of conflicts, then off overloaded days, each into the earliest free slot.

    In a conflict the fixed events stay, else the earliest; each other event that still overlaps one that
    stays moves if it may (or is named with its first free slot when it may not). A move never lands outside
    working hours, on an event, in the past, on a day it would overload, or where it would call for a break;
    the timeline is updated after each move so that later moves respect earlier ones. Each cluster records
    what was decided, for its conflict's advice.
    """
    planner = _Mover(timeline, policy, now, horizon, dismissed)
    for cluster in conflicts:
        keeper = min(cluster.events, key=keeper_order)
        cluster.staying = [keeper]
        stuck_here: list[EventData] = []
        for event in sorted(cluster.events, key=lambda e: (e.start_time, e.id)):
            if event is keeper:
                continue
            partners = overlaps(event, cluster.staying)
            if partners:
                why = f"out of its overlap with '{partners[0].title}'"
                slot = planner.attempt(event, why, cluster.key, None, None)
                if slot is not None:
                    cluster.moves[stored_id(event)] = slot
                    continue
                stuck_here.append(event)
            cluster.staying.append(event)  # it stays where it is (until someone moves it by hand)
        for event in stuck_here:  # after the moves, so advice never takes the slot a real move needs
            if f"move:{event.id}:{cluster.key}" not in dismissed:
                reason = fixed_reason(event) or (
                    "it has begun" if event.start_time < now else "no free working slot is left for it"
                )
                cluster.manual[stored_id(event)] = (reason, planner.free_slot(event))
    starting: dict[date, list[EventData]] = {}
    for event in busy:
        starting.setdefault(policy.local_date(event.start_time), []).append(event)
    for overload in overloads:
        if overload.key in dismissed:
            continue
        overloaded_at = overload.suggestion.proposed_start
        if overloaded_at is None:  # every overload finding names its day's start; nothing to plan without it
            continue
        day = policy.local_date(overloaded_at)
        for event in sorted(
            (e for e in starting.get(day, []) if planner.movable(e)), key=lambda e: (e.start_time, e.id), reverse=True
        ):
            if timeline.day_minutes(day) <= policy.max_daily_minutes:
                break
            scheduled = timeline.day_minutes(day)
            why = f"off {_day_label(day)}, which is over the daily limit ({overload.suggestion.reason})"
            planner.attempt(event, why, overload.key, day, graded(scheduled, policy.max_daily_minutes))
    return planner.moves


class _Mover:
    """Finds and books slots for moved events, remembering what moved and which lengths found no room."""

    def __init__(
        self, timeline: Timeline, policy: WorkPolicy, now: datetime, horizon: datetime, dismissed: frozenset[str]
    ) -> None:
        self.timeline, self.policy, self.now, self.horizon, self.dismissed = timeline, policy, now, horizon, dismissed
        self.moved: set[int] = set()
        self.stuck: set[int] = set()  # found no slot once; the timeline only fills up, so do not search again
        self.no_room: dict[date | None, timedelta] = {}  # shortest length that found no slot (per avoided day)
        self.moves: list[Finding] = []

    def movable(self, event: EventData) -> bool:
        return (
            event.id not in self.moved
            and event.id not in self.stuck
            and event.start_time >= self.now
            and fixed_reason(event) is None
        )

    def _search(self, event: EventData, avoid: date | None) -> Interval | None:
        length = event.end_time - event.start_time

        def day_ok(day: date, needed: float) -> bool:
            return day != avoid and self.timeline.day_minutes(day) + needed <= self.policy.max_daily_minutes

        start = next_quarter(self.now)
        return self.timeline.first_free(length, start, self.horizon, day_ok, spaced=True)

    def free_slot(self, event: EventData) -> Interval | None:
        """The first good slot for an event only its owner can move. The slot is held in the timeline, so the
        advice never offers one slot twice or a focus block where the event is to go; the event's own time stays
        taken too, since the event stays there until its owner moves it."""
        length = event.end_time - event.start_time
        if event.start_time < self.now or length >= self.no_room.get(None, timedelta.max):
            return None
        slot = self._search(event, None)
        if slot is None:
            self.no_room[None] = min(length, self.no_room.get(None, timedelta.max))
        else:
            self.timeline.hold(-stored_id(event), *slot)
        return slot

    def attempt(
        self, event: EventData, why: str, trigger: str, avoid: date | None, confidence: float | None
    ) -> Interval | None:
        """Book the earliest good slot for a movable event and record the move; None when it cannot move."""
        key = f"move:{event.id}:{trigger}"
        length = event.end_time - event.start_time
        if not self.movable(event) or key in self.dismissed or length >= self.no_room.get(avoid, timedelta.max):
            return None
        self.timeline.remove(stored_id(event), event.start_time, event.end_time)
        slot = self._search(event, avoid)
        if slot is None:
            self.timeline.add(stored_id(event), event.start_time, event.end_time)
            self.stuck.add(stored_id(event))
            self.no_room[avoid] = min(length, self.no_room.get(avoid, timedelta.max))
            return None
        self.timeline.add(stored_id(event), *slot)
        self.moved.add(stored_id(event))
        reason = f"Move '{event.title}' {why} to {_when(*slot, self.policy)}, the earliest free working slot."
        suggestion = Suggestion(
            "move", reason, confidence, event_id=event.id, proposed_start=slot[0], proposed_end=slot[1]
        )
        found = Finding(suggestion, key=key, event_ids=(stored_id(event),), trigger=trigger, titles=(event.title,))
        self.moves.append(found)
        return slot


def next_quarter(moment: datetime) -> datetime:
    """Round up to the next quarter hour, so proposed times are ones people would pick."""
    base = moment.replace(second=0, microsecond=0)
    extra = (-base.minute) % 15
    if extra == 0 and base < moment:
        extra = 15
    return base + timedelta(minutes=extra)
