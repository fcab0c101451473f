"""Listing events: overlap windows around an anchor day, calendar filter, ranked full-text search, pages."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Executable, Select, and_, bindparam, func, or_, select, text, union_all

from app.config import current_settings
from app.errors import InvalidInputError
from app.extensions import db
from app.models import Event
from app.models.events import SPAN_SQL
from app.models.types import UTCDateTime
from app.services import search
from app.services.event_rows import lean, lean_fields
from app.timeutil import OutOfRange, day_start, in_range, today

DIRECTIONS = ("future", "past", "all")
MAX_RANGE_DAYS = 3660
# What a calendar grid draws of an event.
GRID_FIELDS = (
    "id",
    "title",
    "start_time",
    "end_time",
    "all_day",
    "all_day_date",
    "calendar_id",
    "event_type",
    "status",
)


def window_bounds(anchor: date, range_days: int, direction: str, zone: Any) -> tuple[datetime | None, datetime | None]:
    """UTC [low, high) of a listing window; None is unbounded (range -1 on the side direction names)."""
    if direction not in DIRECTIONS:
        raise InvalidInputError("direction", f"must be one of {', '.join(DIRECTIONS)}")
    if range_days != -1 and not 1 <= range_days <= MAX_RANGE_DAYS:
        raise InvalidInputError("range", f"must be 1-{MAX_RANGE_DAYS} days, or -1 for unbounded")
    try:
        in_range(anchor, anchor.isoformat())
    except OutOfRange as exc:
        raise InvalidInputError("anchor", str(exc)) from None
    unbounded = range_days == -1
    span = timedelta(days=0 if unbounded else range_days)
    if direction == "future":
        return day_start(anchor, zone), None if unbounded else day_start(anchor + span, zone)
    if direction == "past":
        return None if unbounded else day_start(anchor - span, zone), day_start(anchor + timedelta(days=1), zone)
    if unbounded:
        return None, None
    return day_start(anchor - span, zone), day_start(anchor + span, zone)


def _carried_floor() -> Any:
    """SQL for the earliest start an event still running at the window's low bound can have: that bound minus
    the longest stored event, read from each backend's expression index on the span in O(log n).

    Computed inside the statement, so a window costs no separate round trip for it. On an empty table it is
    NULL, which selects nothing, rightly.
    """
    low = bindparam("window_low", type_=UTCDateTime)
    if db.engine.dialect.name != "sqlite":
        # PostgreSQL stores timestamps: the span is an interval, exact to the microsecond.
        return low - select(func.max(Event.end_time - Event.start_time)).scalar_subquery()
    # Stored times are text ('YYYY-MM-DD HH:MM:SS.ffffff'); strftime's shorter '...SS.SSS' sorts at or before
    # the same instant, and a second of slack covers julianday's rounding.
    longest = text(f"(SELECT max{SPAN_SQL} FROM events)")  # noqa: S608 - constant
    return func.strftime("%Y-%m-%d %H:%M:%f", func.julianday(low) - longest - 1.0 / 86400)


def _parts(has_low: bool, has_high: bool, sqlite: bool) -> tuple[list[Any] | None, list[Any]]:
    """The window as two disjoint sets: events begun before `window_low` still running at it, and events
    starting inside [window_low, window_high). Together they are exactly the overlapping events (an instant at
    the low bound included). The bounds are bind parameters, so built statements can be reused.

    Every carried-over event sorts before every starter, and each set is read in index order, so a page
    never sorts the whole window.
    """
    low, high = bindparam("window_low", type_=UTCDateTime), bindparam("window_high", type_=UTCDateTime)
    starters: list[Any] = []
    if has_low:
        starters.append(Event.start_time >= low)
    if has_high:
        starters.append(Event.start_time < high)
    if not has_low:
        return None, starters
    carried = [Event.start_time < low, Event.end_time > low]
    # No event is longer than the longest, so the index scan for carried-over events can start here.
    carried.append(Event.start_time >= _carried_floor())
    if not sqlite:
        # PostgreSQL counts them from the (start_time, end_time) index alone (an index-only scan).
        return carried, starters
    # SQLite's indexes hold the rowid: selecting ids only answers from the (start_time, end_time) index
    # without table reads.
    return [Event.id.in_(select(Event.id).where(*carried))], starters


def list_events(
    *,
    calendars: list[str] | None = None,
    anchor: date | None = None,
    range_days: int = 30,
    direction: str = "future",
    q: str | None = None,
    page: int = 1,
    page_size: int = 100,
) -> tuple[list[Event], int]:
    """One page of the events overlapping the window, and how many there are in all."""
    if page < 1:
        raise InvalidInputError("page", "must be 1 or more")
    if not 1 <= page_size <= 500:
        raise InvalidInputError("page_size", "must be 1-500")
    zone = current_settings().zone
    low, high = window_bounds(anchor or today(zone), range_days, direction, zone)
    params: dict[str, Any] = {"window_low": low, "window_high": high, "calendars": calendars or []}
    shape = (
        low is not None,
        high is not None,
        bool(calendars),
        direction == "past",
        db.engine.dialect.name == "sqlite",
    )
    if q is not None and q.strip():
        return search.search_page(q, _window_plan(*shape).window, page, page_size, params)
    return _concatenated_page(shape, page, page_size, params)


def overlap_conditions(low: datetime, high: datetime) -> tuple[list[Any], dict[str, Any]]:
    """WHERE conditions (and their parameters) for the events overlapping [low, high), read through the indexes
    as the listing does (a plain `end > low AND start < high` scans every earlier event)."""
    return _overlap(db.engine.dialect.name == "sqlite"), {"window_low": low, "window_high": high}


@cache
def _overlap(sqlite: bool) -> list[Any]:
    plan = _window_plan(True, True, False, False, sqlite)
    # Each set is read from its own index range; an OR of the two would scan the table.
    return [Event.id.in_(union_all(*(select(Event.id).where(*conditions) for conditions in plan.sets)))]


def _scope(scoped: bool) -> list[Any]:
    return [Event.calendar_id.in_(bindparam("calendars", expanding=True))] if scoped else []


class WindowPlan(NamedTuple):
    """One shape of window: its disjoint sets in page order, the order, the statement counting each set, and
    the conditions of the whole window (what a search filters by)."""

    sets: list[list[Any]]
    order: list[Any]
    counts: Select
    window: list[Any]


@cache
def _window_plan(has_low: bool, has_high: bool, scoped: bool, descending: bool, sqlite: bool) -> WindowPlan:
    """The plan of one shape of window, built once (the values are bind parameters), which spares building
    and cache-keying the statements on every call."""
    carried, starters = _parts(has_low, has_high, sqlite)
    scope = _scope(scoped)
    order = [Event.start_time.desc(), Event.id.desc()] if descending else [Event.start_time, Event.id]
    sets = [[*scope, *starters]] if carried is None else [[*scope, *carried], [*scope, *starters]]
    window = [*scope, or_(and_(*carried), and_(*starters))] if carried else [*scope, *starters]
    if descending:
        sets.reverse()
    # count(*), not count(id): PostgreSQL then counts from an index that does not hold the id.
    counts = select(
        *[select(func.count()).select_from(Event).where(*conditions).scalar_subquery() for conditions in sets]
    )
    return WindowPlan(sets, order, counts, window)


@cache
def _page_query(shape: tuple[bool, ...], present: tuple[bool, ...]) -> Executable:
    """The statement reading one page: each present set's slice (limit_N/offset_N) from its index."""
    plan = _window_plan(*shape)
    slices = [
        select(Event.id)
        .where(*conditions)
        .order_by(*plan.order)
        .limit(bindparam(f"limit_{number}"))
        .offset(bindparam(f"offset_{number}"))
        for number, conditions in enumerate(plan.sets)
        if present[number]
    ]
    sqlite = shape[-1]
    if sqlite or len(slices) == 1:
        wanted = or_(*[Event.id.in_(part) for part in slices])
    else:
        # PostgreSQL answers "id IN (a) OR id IN (b)" by testing every row of the table against both; the
        # union of the slices is read as one small set.
        wanted = Event.id.in_(union_all(*slices))
    # At most a page is sorted.
    return lean(select(Event).where(wanted).order_by(*plan.order))


def _concatenated_page(
    shape: tuple[bool, ...], page: int, page_size: int, params: dict[str, Any]
) -> tuple[list[Event], int]:
    """A page over the window's disjoint, already ordered sets laid end to end, and their total."""
    # One statement counts every set, saving a round trip per set.
    counts = list(db.session.execute(_window_plan(*shape).counts, params).one())
    offset, taken, present = (page - 1) * page_size, 0, []
    for number, count in enumerate(counts):
        wanted = min(page_size - taken, count - offset)
        present.append(wanted > 0)
        if wanted > 0:
            params |= {f"limit_{number}": wanted, f"offset_{number}": offset}
            taken += wanted
        offset = max(0, offset - count)
    if not taken:
        return [], sum(counts)
    query = _page_query(shape, tuple(present))
    return list(db.session.execute(query, params).scalars().all()), sum(counts)


def window_rows(first_day: date, days: int, calendars: list[str] | None = None, limit: int = 5000) -> list[Any]:
    """Every event overlapping ``days`` days from ``first_day`` (app zone), by start, as rows of GRID_FIELDS:
    a month of a busy calendar drawn without building thousands of Event objects."""
    zone = current_settings().zone
    low, high = window_bounds(first_day, days, "future", zone)
    plan = _window_plan(True, True, bool(calendars), False, db.engine.dialect.name == "sqlite")
    statement = select(*lean_fields(GRID_FIELDS)).where(*plan.window).order_by(*plan.order).limit(limit)
    params = {"window_low": low, "window_high": high, "calendars": calendars or []}
    return list(db.session.execute(statement, params))
