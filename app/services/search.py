"""Full-text search over events: the bounded-ranking rule, shared by both backends' statements.

Each backend builds its own statements in its own module (search_sqlite: FTS5 and bm25; search_postgresql:
a weighted tsvector, GIN and ts_rank); this module turns user text into words and pages through the matches
with the same rule on both: relevance is computed for at most RANK_LIMIT matches, the most recently stored
ones (highest id), best first and ties newest stored first; any further matches follow, newest stored first.
So a search for common words costs a count, not a score for every match. total_count is always exact.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any, Protocol

from sqlalchemy import Select, func, select

from app.db import scalar_beside
from app.extensions import db
from app.models import Event
from app.services.event_rows import lean

# Relevance is computed for at most this many matches. Ranking costs about a microsecond or more per match,
# so a search for common words (100,000+ matches) would otherwise take hundreds of milliseconds. Below the
# limit every match is ranked. Read at call time (tests lower it).
RANK_LIMIT = 2000
# Words beyond this many are ignored: more cannot narrow a calendar search usefully, and each costs a lookup.
MAX_WORDS = 16


class Backend(Protocol):
    """What a backend's search module offers: statements over one search, `expression` its compiled form."""

    def expression(self, words: list[str]) -> Any: ...
    def newest_matches(self, expression: Any, conditions: list[Any], limit: int) -> Select: ...
    def matching_ids(self, expression: Any, conditions: list[Any]) -> Select: ...
    def ranked_events(self, expression: Any, conditions: list[Any], newest_ids: list[int]) -> Select: ...
    def unranked_events(self, expression: Any, conditions: list[Any], below_id: int) -> Select: ...
    def indexed_matches(self, expression: Any, conditions: list[Any], limit: int) -> Any: ...


def search_words(query: str | None) -> list[str]:
    """The words of a search as typed, at most MAX_WORDS; words without a letter or digit are dropped (no
    tokenizer keeps anything of them). NUL, which PostgreSQL refuses in text, separates words."""
    words = (query or "").replace("\x00", " ").split()
    return [word for word in words if any(char.isalnum() for char in word)][:MAX_WORDS]


def backend() -> ModuleType:
    """The search module of the database in use."""
    if db.engine.dialect.name == "sqlite":
        from app.services import search_sqlite

        return search_sqlite
    from app.services import search_postgresql

    return search_postgresql


def search_page(
    q: str, conditions: list[Any], page: int, page_size: int, params: dict[str, Any]
) -> tuple[list[Event], int]:
    """One page of the events matching q and the conditions (the window, bound by `params`), and their total."""
    statements: Backend = backend()
    words = search_words(q)
    expression = statements.expression(words) if words else None
    if expression is None:
        return [], 0
    indexed = statements.indexed_matches(expression, conditions, RANK_LIMIT)
    if indexed is not None:
        newest_ids, total = indexed
    else:
        newest = statements.newest_matches(expression, conditions, RANK_LIMIT)
        newest_ids, total = list(db.session.execute(newest, params).scalars()), None
    if not newest_ids:
        return [], 0
    ranked, lowest_id = len(newest_ids), newest_ids[-1]
    count: Callable[[], int] | None = None
    if ranked >= RANK_LIMIT and total is not None:
        count = lambda: total  # noqa: E731 (the index counted them already)
    elif ranked >= RANK_LIMIT:
        # Only now is a full count needed; below the limit the bounded read above saw every match. The count
        # walks every match, so it runs beside the ranking, on another connection and core.
        every = statements.matching_ids(expression, conditions).subquery()
        count = scalar_beside(select(func.count()).select_from(every), params)
    offset, rows = (page - 1) * page_size, list[Event]()
    if offset < ranked:
        query = statements.ranked_events(expression, conditions, newest_ids).limit(page_size).offset(offset)
        rows.extend(db.session.execute(lean(query), params).scalars().all())
    wanted = page_size - len(rows)
    if wanted > 0 and count:
        query = (
            statements.unranked_events(expression, conditions, lowest_id).limit(wanted).offset(max(0, offset - ranked))
        )
        rows.extend(db.session.execute(lean(query), params).scalars().all())
    return rows, count() if count else ranked
