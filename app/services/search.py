"""Full-text search over events: user text to a safe FTS5 query, ranked with bm25."""

from __future__ import annotations

from sqlalchemy import Subquery, column, literal_column, select, table, text

# bm25 column weights for (title, description, location): a title hit outranks a description hit.
TITLE_WEIGHT = 10.0
DESCRIPTION_WEIGHT = 3.0
LOCATION_WEIGHT = 1.0
MAX_WORDS = 16


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


def ranked_matches(expression: str) -> Subquery:
    """(id, rank) of every event matching an expression from match_expression; lower rank is better."""
    fts = table("events_fts", column("rowid"))
    rank = literal_column(f"bm25(events_fts, {TITLE_WEIGHT}, {DESCRIPTION_WEIGHT}, {LOCATION_WEIGHT})")
    return (
        select(fts.c.rowid.label("id"), rank.label("rank"))
        .where(text("events_fts MATCH :fts_match").bindparams(fts_match=expression))
        .subquery("matches")
    )
