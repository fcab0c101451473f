"""Event search on PostgreSQL: words to a safe tsquery over the stored, weighted `search_vector` (GIN index),
and the statements of the bounded ranking (ts_rank).

`events.search_vector` (migrations 0001 and 0003) holds the title with weight A, the location B and the
description C, made with the `chronos_search` configuration: words kept as written, lower-cased, accents
removed. The column is not on the Event model (nothing but search reads it), so it is named here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import ColumnElement, Integer, Select, any_, bindparam, column, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, TSVECTOR

from app.models import Event

if TYPE_CHECKING:
    from app.services.search_bits import Matches

CONFIGURATION = "chronos_search"
# Read as spaces in stored text (migration 0003) and in search words alike, so words split as on SQLite.
SEPARATORS = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_AS_SPACES = str.maketrans(SEPARATORS, " " * len(SEPARATORS))
# ts_rank weights of the classes {D, C, B, A}: description C, location B, title A. One title hit outweighs
# any number of hits of one word in the location (ts_rank's repeats add at most about 0.64x of the first),
# and one location hit any number in the description.
RANK_WEIGHTS: ColumnElement[Any] = literal_column("'{0, 0.1, 0.4, 1.0}'::float4[]")

SEARCH_VECTOR: ColumnElement[Any] = column("search_vector", TSVECTOR)
_CONFIGURATION: ColumnElement[Any] = literal_column(f"'{CONFIGURATION}'::regconfig")


class Expression(NamedTuple):
    """A search as tsquery text: `required` (every word, the last one a prefix) selects, `ranking` (the same
    words joined by OR) weighs each word's best field without the proximity ts_rank applies to AND."""

    required: str
    ranking: str


def expression(words: list[str]) -> Expression:
    """The tsquery texts of a search's words.

    Punctuation in a word is read as spaces, as in stored text; the rest becomes a quoted tsquery literal
    (backslashes and quotes escaped all the same), so tsquery syntax in user input (`&`, `|`, `!`, `<->`,
    `:*`, parentheses) is never syntax. PostgreSQL's parser splits a literal into its words as it does stored
    text: 'kick-off' becomes the phrase 'kick' <-> 'off', and a literal with no word in it (say an emoji)
    drops out of the query.
    """
    literals = [_literal(word) for word in words]
    literals[-1] += ":*"
    return Expression(" & ".join(literals), " | ".join(literals))


def _literal(word: str) -> str:
    return "'" + word.translate(_AS_SPACES).replace("\\", "\\\\").replace("'", "''") + "'"


def _tsquery(text: str, name: str) -> ColumnElement[Any]:
    # to_tsquery(regconfig, text) is immutable: planned with the value, it is evaluated once per statement.
    return func.to_tsquery(_CONFIGURATION, bindparam(name, text), type_=TSQUERY)


def _match(search: Expression) -> ColumnElement[Any]:
    return SEARCH_VECTOR.bool_op("@@")(_tsquery(search.required, "search_required"))


def matching_ids(search: Expression, conditions: list[Any]) -> Select:
    """Ids of the events matching the search and the conditions (unordered; the GIN index finds them)."""
    return select(Event.id).where(_match(search), *conditions)


def newest_matches(search: Expression, conditions: list[Any], limit: int) -> Select:
    """Ids of the `limit` highest-id matches, highest first."""
    return matching_ids(search, conditions).order_by(Event.id.desc()).limit(limit)


def ranked_events(search: Expression, conditions: list[Any], newest_ids: list[int]) -> Select:
    """The events of newest_ids, best ts_rank first, ties newest stored first. They are read by id: matching
    them again would test every row of their id range against the search."""
    rank = func.ts_rank(RANK_WEIGHTS, SEARCH_VECTOR, _tsquery(search.ranking, "search_ranking"))
    return (
        select(Event)
        .where(Event.id == any_(bindparam("newest_ids", newest_ids, ARRAY(Integer))))
        .order_by(rank.desc(), Event.id.desc())
    )


def unranked_events(search: Expression, conditions: list[Any], below_id: int) -> Select:
    """Matches beyond the ranked set (id < below_id), newest stored first."""
    return select(Event).where(_match(search), Event.id < below_id, *conditions).order_by(Event.id.desc())


def indexed_matches(search: Expression, conditions: list[Any], limit: int) -> Matches | None:
    """The newest matches and their number from the word bitmaps (app.services.search_bits), which GIN takes
    hundreds of milliseconds for on a large calendar; None (use the statements above) when a window narrows the
    search or its words are not plain ones."""
    from app.services import search_bits

    return None if conditions else search_bits.matches(search.required, limit)
