"""PostgreSQL's own search and window mechanics: the tsquery built from any text, and the indexes the
statements can use (the plans are forced off sequential scans, as a small test table would pick them)."""

from __future__ import annotations

import string
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db
from app.models import Event
from app.schema import revision_module
from app.services import event_listing, search_postgresql
from app.services.search import search_words

pytestmark = pytest.mark.postgresql_only


def plan(statement, params) -> str:
    """The plan PostgreSQL picks for a statement when it may not scan the table sequentially."""
    compiled = statement.compile(db.engine)
    with db.engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"EXPLAIN {compiled}", {**compiled.params, **params})
        return "\n".join(row[0] for row in cursor.fetchall())


def test_any_text_makes_a_valid_tsquery(app):
    """Property: whatever a user types, both tsquery texts parse and the search runs."""
    pieces = st.sampled_from([*list("ab \"'\\:*&|!<->()[]{}0123456789é日\x00\t"), "<->", ":*", "<2>", "\\'"])
    db.session.add(
        Event(
            title="budget review (draft) 'quoted' a&b",
            start_time=datetime(2030, 1, 1, tzinfo=UTC),
            end_time=datetime(2030, 1, 1, 1, tzinfo=UTC),
        )
    )
    db.session.commit()

    @settings(max_examples=300, deadline=None)
    @given(st.lists(pieces, max_size=30).map("".join))
    def check(typed):
        words = search_words(typed)
        if words:
            search = search_postgresql.expression(words)
            db.session.execute(search_postgresql.matching_ids(search, [])).all()
            db.session.execute(search_postgresql.ranked_events(search, [], [1])).all()

    check()
    db.session.rollback()


def test_user_syntax_is_quoted_into_literals_and_punctuation_read_as_spaces():
    assert search_postgresql.expression(["it's", "a\\b", "x:*&!", "Zür"]) == search_postgresql.Expression(
        "'it s' & 'a b' & 'x    ' & 'Zür':*", "'it s' | 'a b' | 'x    ' | 'Zür':*"
    )


def test_search_words_and_stored_text_read_the_same_punctuation_as_spaces():
    assert revision_module("0003").SEPARATORS == search_postgresql.SEPARATORS == string.punctuation


def test_search_reads_the_gin_index(app):
    search = search_postgresql.expression(["budget", "rev"])
    assert "ix_events_search" in plan(search_postgresql.matching_ids(search, []), {})
    assert "ix_events_search" in plan(search_postgresql.newest_matches(search, [], 2000), {})


def test_window_reads_the_longest_span_from_its_index(app):
    floor = plan(select(event_listing._carried_floor()), {"window_low": datetime(2030, 1, 1)})
    assert "ix_events_span" in floor
