"""Which events count as busy, which may move, and a per-day timeline that finds free slots."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from app.plugins import EventData
from app.services.day_load import day_minutes
from app.services.worktime import Interval, WorkPolicy, clip, gaps
from app.sources import registry

# Tags with a planning meaning (documented in the README, "Planning, the optimizer and analytics").
PINNED, FLEXIBLE, UNSCHEDULED, FOCUS = "pinned", "flexible", "unscheduled", "focus"


def patched_sources() -> frozenset[str]:
    """Sources whose events are changed upstream when moved (the move is queued as a patch)."""
    return registry.patchable_types()


def movable_sources() -> frozenset[str]:
    """Events from these sources can be moved: local ones, and those of sources that patch upstream."""
    return frozenset({"local"}) | patched_sources()


def _tags(event: EventData) -> set[str]:
    return {tag.casefold() for tag in event.tags}


def is_busy(event: EventData) -> bool:
    """Takes up time: timed, not cancelled, not a reminder, not an unscheduled task's placeholder."""
    return (
        not event.all_day
        and event.status != "cancelled"
        and event.event_type != "reminder"
        and UNSCHEDULED not in _tags(event)
        and event.end_time > event.start_time
    )


def is_private(event: EventData, private: frozenset[str]) -> bool:
    """Not work: on a calendar marked `work: false`, or tagged `personal`."""
    return event.calendar_id in private or "personal" in _tags(event)


def fixed_reason(event: EventData) -> str | None:
    """Why an event must never move, or None when it is flexible."""
    tags = _tags(event)
    if PINNED in tags:
        return "it is pinned"
    if event.attendees:
        return "it has attendees"
    if event.source not in movable_sources():
        return f"its {event.source} calendar is read-only"
    if FLEXIBLE in tags:
        return None  # the user's explicit tag outranks the event type (synced events default to "meeting")
    if event.event_type in ("task", "block"):
        return None
    return f"it is {'an' if event.event_type[0] in 'aeiou' else 'a'} {event.event_type}"


def is_focus(event: EventData) -> bool:
    return event.event_type == "block" or FOCUS in _tags(event)


def event_minutes(event: EventData) -> float:
    return (event.end_time - event.start_time).total_seconds() / 60


class Timeline:
    """Busy intervals bucketed by local day, so slot searches and overlap checks stay local and fast."""

    def __init__(self, policy: WorkPolicy, events: Iterable[EventData] = (), private: frozenset[str] = frozenset()):
        """Events of ``private`` calendars (or tagged personal) take up time but are not work: no day's load."""
        self.policy = policy
        self._by_day: dict[date, dict[int, Interval]] = defaultdict(dict)
        self._minutes: dict[date, float] = {}  # day_minutes cache, dropped for the days a change touches
        self._not_work: set[int] = set()
        for event in events:
            if is_private(event, private):
                self._not_work.add(event.id or 0)
            self.add(event.id or 0, event.start_time, event.end_time)

    def add(self, key: int, start: datetime, end: datetime) -> None:
        for day in self.policy.days(start, end):
            self._by_day[day][key] = (start, end)
            self._minutes.pop(day, None)

    def hold(self, key: int, start: datetime, end: datetime) -> None:
        """Take time that is not work (a slot set aside for advice): it blocks slots but adds to no day's load."""
        self._not_work.add(key)
        self.add(key, start, end)

    def remove(self, key: int, start: datetime, end: datetime) -> None:
        for day in self.policy.days(start, end):
            self._by_day[day].pop(key, None)
            self._minutes.pop(day, None)

    def busy(self, day: date) -> list[Interval]:
        return list(self._by_day.get(day, {}).values())

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return any(s < end and start < e for day in self.policy.days(start, end) for s, e in self.busy(day))

    def day_minutes(self, day: date) -> float:
        """Scheduled work minutes of a local day, overlaps counted once (private calendars left out)."""
        if day not in self._minutes:
            work = [span for key, span in self._by_day.get(day, {}).items() if key not in self._not_work]
            self._minutes[day] = day_minutes(work, day, self.policy)
        return self._minutes[day]

    def free_in_working_hours(self, day: date, not_before: datetime) -> list[Interval]:
        window = self.policy.working_window(day)
        if window is None or window[1] <= not_before:
            return []
        window = clip(window, (max(window[0], not_before), window[1]))
        return gaps(self.busy(day), window) if window else []

    def first_free(
        self,
        length: timedelta,
        not_before: datetime,
        until: datetime,
        day_ok: Callable[[date, float], bool] | None = None,
        spaced: bool = False,
    ) -> Interval | None:
        """The earliest [start, start+length) inside working hours, free of every busy interval.

        ``day_ok(day, minutes)`` may refuse a day (for example one the move would overload). With ``spaced``
        a slot that would make a back-to-back run longer than planning.max_chain_minutes is skipped (or
        moved a break's length away from its neighbour), so taking it never calls for a break.
        """
        day = self.policy.local_date(not_before)
        last = self.policy.local_date(until)
        needed = length.total_seconds() / 60
        while day <= last:
            if day_ok is None or day_ok(day, needed):
                for gap in self.free_in_working_hours(day, not_before):
                    slot = self.place(length, gap, until, spaced)
                    if slot:
                        return slot
            day += timedelta(days=1)
        return None

    def place(self, length: timedelta, gap: Interval, until: datetime, spaced: bool = True) -> Interval | None:
        """Where in a free gap an event of ``length`` goes: its start, else a break's length later, else its
        end (with ``spaced``, the first of these that keeps every back-to-back run within the limit)."""
        start, end = gap
        brk = timedelta(minutes=self.policy.min_break_minutes)
        candidates = (start, start + brk, end - length, end - length - brk) if spaced else (start,)
        for begin in candidates:
            if begin >= start and begin + length <= min(end, until) and (not spaced or self.chain_ok(begin, length)):
                return begin, begin + length
        return None

    def chain_ok(self, start: datetime, length: timedelta) -> bool:
        """Whether an event at [start, start+length) stays out of back-to-back runs over max_chain_minutes."""
        end = start + length
        gap = timedelta(minutes=self.policy.min_break_minutes)
        # A run reaching past this reach is over the limit whatever else it holds, so nothing further matters.
        reach = timedelta(minutes=self.policy.max_chain_minutes) + gap
        low, high = start - reach, end + reach
        intervals = sorted(
            {item for day in self.policy.days(low, high) for item in self.busy(day) if item[1] > low and item[0] < high}
            | {(start, end)}
        )
        run_start, run_end, members, found = intervals[0][0], intervals[0][1], 0, False
        for begin, finish in intervals:
            if begin - run_end >= gap:  # a real break: the run before it is closed
                if found:
                    break
                run_start, run_end, members = begin, finish, 0
            run_end = max(run_end, finish)
            members += 1
            found = found or (begin, finish) == (start, end)
        return members < 2 or run_end - run_start <= timedelta(minutes=self.policy.max_chain_minutes)
