"""Searches of a large calendar on PostgreSQL: the newest matches and their exact count from per-word bitmaps
(the tables of migration 0008), and the upkeep of those bitmaps.

Counting a common word through GIN reads every table page holding a match: hundreds of milliseconds on a
million events. `search_bits` holds, per word and chunk of 2**CHUNK_SHIFT event ids, one bit per event of the
chunk that holds the word, so one statement answers a search with a few bit operations per chunk:

- the words of a term (one word, or every word starting with a prefix) are OR-ed per chunk, the terms AND-ed,
  the bits counted, and the newest matches read from the highest set bits;
- chunks marked in `search_changes` (their events changed since their bitmaps were built) are searched in their
  rows instead; the one statement reads both, so its answer is exact at its snapshot.

The daemon's job rebuilds marked chunks, each in one REPEATABLE READ transaction that deletes only the marks its
snapshot sees: a change committed after the snapshot keeps its chunk marked for the next round.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.extensions import db
from app.services.search_postgresql import CONFIGURATION

CHUNK_SHIFT = 15  # the `id >> 15` of migrations/versions/0008_postgresql_search_bits.py
CHUNK_BITS = 1 << CHUNK_SHIFT
# How long one run of the daemon's job may spend rebuilding before it lets the other jobs run.
REBUILD_SECONDS = 0.5
# Words read and stored per step of a chunk's rebuild (bounds the daemon's memory: a chunk may hold tens of
# thousands of distinct words).
REBUILD_BATCH = 500
# A run that rebuilt this many chunks (a bulk load, an upgrade) refreshes the planner's statistics itself.
ANALYZE_AFTER = 4
# Identifies this module's advisory locks (the second key is the chunk).
LOCK_CLASS = 0x5EA2C4
# A tsquery PostgreSQL printed: plain words and prefixes joined by AND. Anything else (a phrase, as a word with
# punctuation becomes) is searched with GIN.
_TERM = re.compile(r"'([^'\\]+)'(:\*)?")
PARSE = f"SELECT to_tsquery('{CONFIGURATION}', :required)::text"
# A word in fewer events of a chunk than this keeps their offsets, not a bit string (see migration 0008).
DENSE = 16
# The bit string of a row that keeps offsets: a 1 shifted to each offset, OR-ed.
SPARSE_BITS = f"(SELECT bit_or(B'1'::bit({CHUNK_BITS}) >> place) FROM unnest(offsets) AS place)"  # noqa: S608


class Matches(NamedTuple):
    """What a search needs of its matches: the ids of the newest (highest first) and how many there are."""

    newest_ids: list[int]
    total: int


def matches(required: str, limit: int) -> Matches | None:
    """The `limit` newest events matching the tsquery text `required` (every word, the last one a prefix) and the
    exact number of matches, or None when its parsed form is not a plain AND of words and prefixes."""
    session = db.session()
    terms = plain_terms(session.execute(text(PARSE), {"required": required}).scalar_one())
    if terms is None:
        return None
    statement, params = matches_statement(terms)
    rows = session.execute(text(statement), {**params, "required": required, "limit": limit}).all()
    return newest_first(rows, limit)


def plain_terms(parsed: str) -> list[tuple[str, bool]] | None:
    """The (word, is_prefix) terms of a tsquery as PARSE prints it, or None unless it is a plain AND of them."""
    terms = [_TERM.fullmatch(part) for part in parsed.split(" & ")] if parsed else []
    if not terms or not all(terms):
        return None
    return [(term[1], bool(term[2])) for term in terms if term]


def matches_statement(terms: list[tuple[str, bool]]) -> tuple[str, dict[str, Any]]:
    """SQL text (and its parameters but :required and :limit) giving, for the chunks holding the `limit` newest
    events with every term ((word, is_prefix) pairs), highest chunk first: the chunk, its matches as bits (a
    chunk with bitmaps) or as ids, highest first (a marked chunk, searched in its rows with :required), and the
    number of matches in all chunks."""
    params: dict[str, Any] = {}
    parts = []
    for number, (word, prefix) in enumerate(terms):
        if prefix:
            params[f"w{number}"] = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where = f"word LIKE :w{number}"
        else:
            params[f"w{number}"] = word
            where = f"word = :w{number}"
        parts.append(
            f"t{number} AS (SELECT chunk, bit_or(coalesce(bits, {SPARSE_BITS})) AS bits "  # noqa: S608 (bound values)
            f"FROM search_bits WHERE {where} AND chunk NOT IN (SELECT chunk FROM marked) GROUP BY chunk)"
        )
    joined = " JOIN ".join(f"t{number}" + (" USING (chunk)" if number else "") for number in range(len(terms)))
    anded = " & ".join(f"t{number}.bits" for number in range(len(terms)))
    # Only numbered names and constants are written into the text; every value is bound.
    statement = (
        f"WITH marked AS MATERIALIZED (SELECT DISTINCT chunk FROM search_changes), {', '.join(parts)}, "  # noqa: S608
        f"anded AS MATERIALIZED (SELECT chunk, {anded} AS bits FROM {joined}), "
        "fresh AS MATERIALIZED (SELECT e.id FROM marked m JOIN events e "
        f"ON e.id >= m.chunk << {CHUNK_SHIFT} AND e.id < (m.chunk + 1) << {CHUNK_SHIFT} "
        f"WHERE e.search_vector @@ to_tsquery('{CONFIGURATION}', :required)), "
        "counted AS (SELECT chunk, bits, NULL::int[] AS ids, bit_count(bits) AS found FROM anded "
        f"UNION ALL SELECT id >> {CHUNK_SHIFT}, NULL, array_agg(id ORDER BY id DESC), count(*) FROM fresh GROUP BY 1), "
        "running AS (SELECT chunk, bits, ids, found, sum(found) OVER (ORDER BY chunk DESC) AS upto, "
        "sum(found) OVER () AS total FROM counted WHERE found > 0) "
        "SELECT chunk, bits, ids, total FROM running WHERE upto - found < :limit ORDER BY chunk DESC"
    )
    return statement, params


def newest_first(rows: Sequence[Sequence[Any]], limit: int) -> Matches:
    """Matches from the rows of matches_statement: ids are read from the highest set bit of each chunk down."""
    newest: list[int] = []
    for chunk, bits, ids, _total in rows:
        if ids is not None:
            newest.extend(ids[: limit - len(newest)])
            continue
        low, position = chunk << CHUNK_SHIFT, len(bits)
        while len(newest) < limit and (position := bits.rfind("1", 0, position)) >= 0:
            newest.append(low + position)
    return Matches(newest, int(rows[0][3]) if rows else 0)


def rebuild_job() -> bool:
    """Daemon job: rebuild marked chunks for up to REBUILD_SECONDS; True when it rebuilt any (PostgreSQL only)."""
    if db.engine.dialect.name != "postgresql":
        return False
    deadline = time.monotonic() + REBUILD_SECONDS
    rebuilt = 0
    while time.monotonic() < deadline:
        chunks = db.session.execute(text("SELECT DISTINCT chunk FROM search_changes ORDER BY chunk LIMIT 8"))
        pending = list(chunks.scalars())
        db.session.rollback()  # end the read snapshot
        if not pending:
            break
        done = 0
        for chunk in pending:
            connection = db.engine.connect().execution_options(isolation_level="REPEATABLE READ")
            with connection, connection.begin():
                done += rebuild_chunk(connection, chunk)
            if time.monotonic() >= deadline:
                break
        rebuilt += done
        if not done:
            break  # every marked chunk is being rebuilt by another daemon
    if rebuilt >= ANALYZE_AFTER:
        analyze()
    return rebuilt > 0


def analyze() -> None:
    """Fresh planner statistics for the bitmaps: without them, right after a bulk build, PostgreSQL may scan
    the whole table for a prefix's words (p99 377 ms against 19 ms measured just after a million events)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE search_bits, search_changes"))


def rebuild_all() -> None:
    """Rebuild every marked chunk now (after a bulk load, and in tests)."""
    while db.session.execute(text("SELECT EXISTS (SELECT 1 FROM search_changes)")).scalar_one():
        db.session.rollback()
        rebuild_job()
    db.session.rollback()
    analyze()


def rebuild_chunk(connection: Connection, chunk: int) -> bool:
    """Replace one chunk's bitmaps with what the snapshot of the connection's REPEATABLE READ transaction (begun by
    the caller) holds, and delete the marks that snapshot sees; False when another daemon holds the chunk."""
    locked = connection.execute(
        text("SELECT pg_try_advisory_xact_lock(CAST(:lock_class AS integer), CAST(:chunk AS integer))"),
        {"lock_class": LOCK_CLASS, "chunk": chunk},
    ).scalar_one()
    if not locked:
        return False
    connection.execute(text("DELETE FROM search_bits WHERE chunk = :chunk"), {"chunk": chunk})
    low = chunk << CHUNK_SHIFT
    words = connection.execute(
        text(
            "SELECT u.lexeme, array_agg(e.id - :low) FROM events e, unnest(e.search_vector) u "
            "WHERE e.id >= :low AND e.id < :high GROUP BY u.lexeme"
        ),
        {"low": low, "high": low + CHUNK_BITS},
        execution_options={"yield_per": REBUILD_BATCH},  # a server-side cursor, read a batch at a time
    )
    for batch in words.partitions(REBUILD_BATCH):
        _insert_words(connection, chunk, batch)
    # In REPEATABLE READ this removes only the marks the snapshot sees.
    connection.execute(text("DELETE FROM search_changes WHERE chunk = :chunk"), {"chunk": chunk})
    return True


def _insert_words(connection: Connection, chunk: int, rows: Sequence[Sequence[Any]]) -> None:
    """Store one batch of a chunk's (word, offsets) rows: a bit string for a word in DENSE or more of the chunk's
    events, else the offsets."""
    words: list[str] = []
    bitmaps: list[bytes | None] = []
    sparse: list[str | None] = []
    for word, offsets in rows:
        words.append(word)
        if len(offsets) < DENSE:
            bitmaps.append(None)
            sparse.append("{" + ",".join(map(str, offsets)) + "}")
            continue
        bits = bytearray(CHUNK_BITS // 8)
        for offset in offsets:
            bits[offset >> 3] |= 0x80 >> (offset & 7)
        bitmaps.append(bytes(bits))
        sparse.append(None)
    connection.execute(
        text(
            "INSERT INTO search_bits (word, chunk, bits, offsets) SELECT word, :chunk, "  # noqa: S608 (a constant)
            f"('x' || encode(bitmap, 'hex'))::bit({CHUNK_BITS}), CAST(sparse AS smallint[]) "
            "FROM unnest(CAST(:words AS text[]), CAST(:bitmaps AS bytea[]), CAST(:sparse AS text[])) "
            "AS t(word, bitmap, sparse)"
        ),
        {"chunk": chunk, "words": words, "bitmaps": bitmaps, "sparse": sparse},
    )
