"""Full-text search over events: user text to a safe FTS5 query, ranked with bm25 within a bounded set."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, TextClause, column, func, literal_column, select, table, text

from app.models import Event

# bm25 column weights for (title, description, location): a title hit outranks a description hit.
TITLE_WEIGHT = 10.0
DESCRIPTION_WEIGHT = 3.0
LOCATION_WEIGHT = 1.0
MAX_WORDS = 16
# Relevance is computed for at most this many matches: the most recently stored ones (highest id). bm25 costs
# about a microsecond per match, so a search for common words (100,000+ matches) would otherwise take
# hundreds of milliseconds. Below the limit every match is ranked.
RANK_LIMIT = 2000

FTS = table("events_fts", column("rowid"))
RANK = literal_column(f"bm25(events_fts, {TITLE_WEIGHT}, {DESCRIPTION_WEIGHT}, {LOCATION_WEIGHT})")


def match_expression(query: str | None) -> str | None:
    """An FTS5 MATCH string where every word is required and the last one is a prefix.

    Each word is written as a quoted FTS5 string (inner quotes doubled), so operators and syntax in user
    input (quotes, *, -, OR, NEAR, parentheses, column filters) are searched as plain text and never
    break the query. Words without a letter or digit are dropped: the tokenizer would ignore them anyway.
    None when nothing searchable is left.
    """
    words = [word for word in (query or "").split() if any(char.isalnum() for char in word)][:MAX_WORDS]
    if not words:
        return None
    phrases = ['"' + word.replace('"', '""') + '"' for word in words]
    phrases[-1] += "*"
    return " ".join(phrases)


def _match(expression: str) -> TextClause:
    return text("events_fts MATCH :fts_match").bindparams(fts_match=expression)


def matching_ids(expression: str, conditions: list[Any]) -> Select:
    """Ids of the events matching the expression and the conditions, in the index's own order (no ranking)."""
    query = select(FTS.c.rowid.label("id")).where(_match(expression))
    if conditions:
        query = query.join(Event, Event.id == FTS.c.rowid).where(*conditions)
    return query


def newest_matches(expression: str, conditions: list[Any]) -> Select:
    """(how many, lowest id) of the RANK_LIMIT highest-id matches: FTS5 reads them newest first and stops."""
    newest = matching_ids(expression, conditions).order_by(FTS.c.rowid.desc()).limit(RANK_LIMIT).subquery()
    return select(func.count(), func.min(newest.c.id))


def ranked_events(expression: str, conditions: list[Any], lowest_id: int, order: list[ColumnElement[Any]]
                  ) -> Select:
    """Events matching the expression with id >= lowest_id, best bm25 first, ties by `order`."""
    return (
        select(Event)
        .join(FTS, FTS.c.rowid == Event.id)
        .where(_match(expression), FTS.c.rowid >= lowest_id, *conditions)
        .order_by(RANK, *order)
    )


def unranked_events(expression: str, conditions: list[Any], below_id: int) -> Select:
    """Matches beyond the ranked set (id < below_id), newest stored first as FTS5 reads them."""
    return (
        select(Event)
        .join(FTS, FTS.c.rowid == Event.id)
        .where(_match(expression), FTS.c.rowid < below_id, *conditions)
        .order_by(FTS.c.rowid.desc())
    )
