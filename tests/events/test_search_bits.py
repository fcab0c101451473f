"""PostgreSQL's search counts from word bitmaps (app/services/search_bits.py): exact before, during and after
their upkeep, for events in several chunks, and never used where they cannot answer."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, text, update

from app.extensions import db
from app.models import Event
from app.services import search, search_bits, search_postgresql
from app.services.search import search_words

pytestmark = pytest.mark.postgresql_only

CHUNK = search_bits.CHUNK_BITS
WORDS = ["budget", "review", "budgie", "lunch", "plan", "walk"]
SEARCHES = ["budget", "budget rev", "bud", "review budg", "lunch walk", "plan", "budgie lunch pl", "nothing"]


def add_events(ids: list[int]) -> None:
    """Events with these ids (several chunks), each titled with two words of WORDS and described with a third."""
    start = datetime(2030, 5, 10, 9, tzinfo=UTC)
    words = itertools.cycle(WORDS)
    db.session.add_all(
        Event(
            id=event_id,
            title=f"{next(words)} {next(words)}",
            description=next(words),
            start_time=start + timedelta(hours=event_id % 50),
            end_time=start + timedelta(hours=event_id % 50, minutes=30),
        )
        for event_id in ids
    )
    db.session.commit()


def gin_count(query: str) -> int:
    required = search_postgresql.expression(search_words(query)).required
    statement = text("SELECT count(*) FROM events WHERE search_vector @@ to_tsquery('chronos_search', :q)")
    return db.session.execute(statement, {"q": required}).scalar_one()


def gin_newest(query: str, limit: int) -> list[int]:
    required = search_postgresql.expression(search_words(query)).required
    statement = text(
        "SELECT id FROM events WHERE search_vector @@ to_tsquery('chronos_search', :q) ORDER BY id DESC LIMIT :limit"
    )
    return list(db.session.execute(statement, {"q": required, "limit": limit}).scalars())


def bits_count(query: str) -> int | None:
    found = search_bits.matches(search_postgresql.expression(search_words(query)).required, 10**6)
    return None if found is None else found.total


def marked() -> set[int]:
    chunks = set(db.session.execute(text("SELECT DISTINCT chunk FROM search_changes")).scalars())
    db.session.rollback()
    return chunks


def assert_counts_exact() -> None:
    """Every search's total and its newest matches (a few, and all of them) are those GIN finds."""
    for query in SEARCHES:
        required = search_postgresql.expression(search_words(query)).required
        for limit in (7, 10**6):
            assert search_bits.matches(required, limit) == (gin_newest(query, limit), gin_count(query)), query


IDS = [*range(1, 40), *range(CHUNK - 5, CHUNK + 30), *range(3 * CHUNK + 1, 3 * CHUNK + 20)]


@pytest.mark.parametrize("dense", [1, 1000], ids=["bit strings", "offsets"])
def test_counts_are_exact_before_during_and_after_the_upkeep(app, monkeypatch, dense):
    monkeypatch.setattr(search_bits, "DENSE", dense)  # every word of a chunk kept one way, then the other
    monkeypatch.setattr(search_bits, "REBUILD_BATCH", 4)  # a chunk's six words stored in two steps
    add_events(IDS)
    assert marked() == {0, 1, 3}
    assert_counts_exact()  # every chunk counted from its rows
    search_bits.rebuild_all()
    assert marked() == set()
    kept = "SELECT count(DISTINCT chunk), count(bits), count(offsets) FROM search_bits"
    chunks, as_bits, as_offsets = db.session.execute(text(kept)).one()
    assert chunks == 3 and (as_bits > 0) == (dense == 1) and (as_offsets > 0) == (dense == 1000)
    assert_counts_exact()  # from the bitmaps alone
    assert gin_count("budget") > 0

    db.session.execute(update(Event).where(Event.id.in_([2, 3, CHUNK + 1])).values(title="walk walk"))
    db.session.execute(delete(Event).where(Event.id.in_([4, 3 * CHUNK + 2])))
    db.session.commit()
    add_events([5 * CHUNK + 7])
    assert marked() == {0, 1, 3, 5}
    assert_counts_exact()  # changed chunks from their rows, chunk 5's marks too
    search_bits.rebuild_all()
    assert marked() == set()
    assert_counts_exact()


def test_a_change_committed_after_the_rebuild_snapshot_keeps_its_chunk_marked(app):
    add_events(list(range(1, 30)))
    search_bits.rebuild_all()
    add_events([30])
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as rebuilding, rebuilding.begin():
        rebuilding.execute(text("SELECT 1"))  # the snapshot: event 30 and its mark, not event 31
        add_events([31])
        assert search_bits.rebuild_chunk(rebuilding, 0)
    assert marked() == {0}  # event 31's mark was not in the snapshot, so it stays
    assert_counts_exact()
    search_bits.rebuild_all()
    assert marked() == set()
    assert_counts_exact()


def test_two_rebuilds_of_one_chunk_do_not_run_at_once(app):
    add_events([1, 2])
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as first, first.begin():
        assert search_bits.rebuild_chunk(first, 0)
        with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as second, second.begin():
            assert not search_bits.rebuild_chunk(second, 0)
    assert marked() == set()


@pytest.mark.parametrize("query", ["kick-off", "it's", "a\\b", "日本"])
def test_words_the_bitmaps_cannot_answer_are_counted_by_gin(app, query):
    """A word with punctuation becomes a phrase (positions matter); quotes and backslashes are left to GIN."""
    db.session.add(
        Event(
            title="kick-off it's a\\b 日本",
            start_time=datetime(2030, 1, 1, tzinfo=UTC),
            end_time=datetime(2030, 1, 1, 1, tzinfo=UTC),
        )
    )
    db.session.commit()
    search_bits.rebuild_all()
    counted = bits_count(query)
    assert counted is None or counted == gin_count(query) == 1


def test_total_count_through_the_api_uses_them_and_stays_exact(app, client, auth, monkeypatch):
    monkeypatch.setattr(search, "RANK_LIMIT", 5)
    add_events(IDS)
    wide = {"anchor": "2030-05-10", "range": -1, "direction": "all", "q": "budget"}
    answer = client.get("/api/v1/events", query_string=wide, headers=auth).json
    assert answer["total_count"] == gin_count("budget") > 5
    search_bits.rebuild_all()
    counted: list[str] = []
    original = search_bits.matches
    monkeypatch.setattr(search_bits, "matches", lambda *args: counted.append(args[0]) or original(*args))
    assert client.get("/api/v1/events", query_string=wide, headers=auth).json["total_count"] == answer["total_count"]
    assert counted  # the bitmaps answered
    windowed = {**wide, "range": 1, "direction": "future"}
    assert client.get("/api/v1/events", query_string=windowed, headers=auth).json["total_count"] > 0
    assert len(counted) == 1  # a window is searched by GIN with its conditions


def test_emptying_the_table_empties_the_bitmaps(app):
    add_events([1, 2, CHUNK + 1])
    search_bits.rebuild_all()
    db.session.execute(text("TRUNCATE events CASCADE"))
    db.session.commit()
    assert db.session.execute(text("SELECT count(*) FROM search_bits")).scalar_one() == 0
    assert marked() == set()
    assert bits_count("budget") == 0


def test_only_changed_words_mark_a_chunk(app):
    add_events([1, 2, CHUNK + 1])
    search_bits.rebuild_all()
    moved = datetime(2031, 1, 1, tzinfo=UTC)
    db.session.execute(update(Event).where(Event.id.in_([1, CHUNK + 1])).values(start_time=moved, status="completed"))
    db.session.commit()
    assert marked() == set()  # nothing to search for changed
    db.session.execute(update(Event).where(Event.id == CHUNK + 1).values(location="budget office"))
    db.session.commit()
    assert marked() == {1}
    assert_counts_exact()


def test_the_migration_and_the_service_agree_on_the_chunk_size():
    migration = Path(__file__).parents[2] / "migrations" / "versions" / "0008_postgresql_search_bits.py"
    shifts = re.findall(r">> (\d+)", migration.read_text())
    # Its note, both trigger functions and the first marks.
    assert len(shifts) == 4 and set(shifts) == {str(search_bits.CHUNK_SHIFT)}
