"""Event search on SQLite: words to a safe FTS5 query, and the statements of the bounded ranking (bm25)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, TextClause, column, literal_column, select, table, text

from app.extensions import db
from app.models import Event
from app.services.search import search_words

# The FTS5 table's prefix indexes (prefix='2 3' in migrations/versions/0001_baseline.py).
FTS_PREFIX_LENGTHS = (2, 3)
# bm25 column weights for (title, description, location): a title hit outranks a location hit, which
# outranks a description hit.
TITLE_WEIGHT = 10.0
LOCATION_WEIGHT = 4.0
DESCRIPTION_WEIGHT = 1.0
# A longer prefix is searched as the terms it stands for, up to this many (see prefix_terms).
MAX_EXPANSION = 16
# The first term of the index in [low, high): the vocabulary table reads the index's term list in order.
NEXT_TERM_SQL = "SELECT term FROM events_fts_terms WHERE term >= :low AND term < :high LIMIT 1"
NEXT_TERM = text(NEXT_TERM_SQL)
NextTerm = Callable[[str, str], "str | None"]

FTS = table("events_fts", column("rowid"))
RANK: ColumnElement[Any] = literal_column(f"bm25(events_fts, {TITLE_WEIGHT}, {DESCRIPTION_WEIGHT}, {LOCATION_WEIGHT})")


def match_expression(query: str | None, next_term: NextTerm | None = None) -> str | None:
    """An FTS5 MATCH string where every word is required and the last one is a prefix.

    Each word is written as a quoted FTS5 string (inner quotes doubled), so operators and syntax in user
    input (quotes, *, -, OR, NEAR, parentheses, column filters) are searched as plain text and never
    break the query. With `next_term` (a lookup in the index's vocabulary, see prefix_terms) a long prefix
    becomes the terms it stands for. None when nothing searchable is left.
    """
    words = search_words(query)
    if not words:
        return None
    phrases = [_quoted(word) for word in words[:-1]]
    terms = prefix_terms(words[-1], next_term) if next_term is not None else None
    phrases.append("(" + " OR ".join(map(_quoted, terms)) + ")" if terms else _quoted(words[-1]) + "*")
    return " AND ".join(phrases)


def prefix_terms(word: str, next_term: NextTerm) -> list[str] | None:
    """The index's terms that start with `word`, when reading them beats FTS5's own prefix search; else None.

    FTS5 answers a prefix without a prefix index of its length by merging the whole doclist of every term
    with that prefix into memory, in every statement that uses it: tens of milliseconds for a common word on
    a million events. The same terms as exact words are read lazily (and skipped through with the doclist
    index), so a search for a rare word beside a common prefix stays cheap. Shorter prefixes have their own
    index (app.db.FTS_PREFIX_LENGTHS) and need no expansion.

    Only plain ASCII words are expanded: for them the tokenizer's term is exactly the lower-cased word. Any
    other word, a prefix of no term, or one of more than MAX_EXPANSION terms keeps FTS5's prefix search.
    `next_term(low, high)` answers the first term in [low, high), or None.
    """
    if not (word.isascii() and word.isalnum()) or len(word) <= max(FTS_PREFIX_LENGTHS):
        return None
    prefix = word.lower()
    past_prefix = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    terms: list[str] = []
    low = prefix
    while (term := next_term(low, past_prefix)) is not None:
        if len(terms) == MAX_EXPANSION:
            return None
        terms.append(term)
        low = term + "\x01"  # the first string after `term`: terms hold no control characters
    return terms or None


def expression(words: list[str]) -> str | None:
    """The MATCH string of a search's words, long prefixes expanded through the current session."""
    return match_expression(" ".join(words), session_next_term)


def session_next_term(low: str, high: str) -> str | None:
    """next_term for prefix_terms, read through the current session."""
    return db.session.execute(NEXT_TERM, {"low": low, "high": high}).scalar()


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _match(expression: str) -> TextClause:
    return text("events_fts MATCH :fts_match").bindparams(fts_match=expression)


def matching_ids(expression: str, conditions: list[Any]) -> Select:
    """Ids of the events matching the expression and the conditions, in the index's own order (no ranking)."""
    query = select(FTS.c.rowid.label("id")).where(_match(expression))
    if conditions:
        query = query.join(Event, Event.id == FTS.c.rowid).where(*conditions)
    return query


def newest_matches(expression: str, conditions: list[Any], limit: int) -> Select:
    """Ids of the `limit` highest-id matches, highest first: FTS5 reads them newest first and stops."""
    return matching_ids(expression, conditions).order_by(FTS.c.rowid.desc()).limit(limit)


def ranked_events(expression: str, conditions: list[Any], newest_ids: list[int]) -> Select:
    """The events of newest_ids (all matches from the lowest of them up), best bm25 first (lowest), ties newest
    stored first. bm25 needs the MATCH, which also reads them straight from the doclists."""
    return (
        select(Event)
        .join(FTS, FTS.c.rowid == Event.id)
        .where(_match(expression), FTS.c.rowid >= newest_ids[-1], *conditions)
        .order_by(RANK, Event.id.desc())
    )


def unranked_events(expression: str, conditions: list[Any], below_id: int) -> Select:
    """Matches beyond the ranked set (id < below_id), newest stored first as FTS5 reads them."""
    return (
        select(Event)
        .join(FTS, FTS.c.rowid == Event.id)
        .where(_match(expression), FTS.c.rowid < below_id, *conditions)
        .order_by(FTS.c.rowid.desc())
    )


def indexed_matches(expression: str, conditions: list[Any], limit: int) -> None:
    """FTS5 finds the newest matches and counts them fast enough with the statements above."""
    return None
