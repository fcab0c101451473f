"""Full-text search on either backend: prefix on the last word, every word required, title over location over
description, hostile input; then SQLite's FTS5 query building."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.schema import revision_module
from app.services import search_sqlite as search_service
from app.services.search_sqlite import match_expression, prefix_terms

BASE = "/api/v1/events"
WIDE = {"anchor": "2030-05-10", "range": -1, "direction": "all"}


def add(client, auth, title, description="", start="2030-05-10T09:00:00Z", **fields):
    response = client.post(
        BASE, json={"title": title, "description": description, "start_time": start, **fields}, headers=auth
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def search(client, auth, q, **params):
    response = client.get(BASE, query_string={**WIDE, "q": q, **params}, headers=auth)
    assert response.status_code == 200, response.json
    return [item["title"] for item in response.json["items"]], response.json["total_count"]


@pytest.fixture
def corpus(client, auth):
    add(client, auth, "Budget review", "numbers for the board")
    add(client, auth, "Lunch with Ana", "talk about the budget", start="2030-05-09T12:00:00Z")
    add(client, auth, "Dentist", "bring insurance card")
    add(client, auth, "Müller kick-off", "project Zürich")
    add(client, auth, "Board meeting", "quarterly budget review", start="2030-05-11T09:00:00Z")


def test_last_word_is_a_prefix(client, auth, corpus):
    assert search(client, auth, "dent") == (["Dentist"], 1)
    assert search(client, auth, "insur")[0] == ["Dentist"]


def test_earlier_words_must_match_whole(client, auth, corpus):
    assert search(client, auth, "dent card") == ([], 0)
    assert search(client, auth, "dentist card")[0] == ["Dentist"]


def test_every_word_is_required(client, auth, corpus):
    found, total = search(client, auth, "budget review")
    assert sorted(found) == ["Board meeting", "Budget review"] and total == 2
    assert search(client, auth, "budget dentist") == ([], 0)


def test_title_matches_rank_above_description_matches(client, auth, corpus):
    found, _ = search(client, auth, "budget")
    assert found[0] == "Budget review"
    assert set(found[1:]) == {"Lunch with Ana", "Board meeting"}


def test_location_is_searched(client, auth, corpus):
    add(client, auth, "Offsite", location="Hotel Alpenblick, Zermatt")
    assert search(client, auth, "alpenbl") == (["Offsite"], 1)
    assert search(client, auth, "offsite zerm") == (["Offsite"], 1)


# One event per field holding the searched word; all three hold "dinner" in the title.
BY_FIELD = [
    ("Gala dinner", {}),
    ("Dinner at the hall", {"location": "Gala hall"}),
    ("Dinner at home", {"description": "after the gala"}),
]


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_title_ranks_above_location_above_description(client, auth, order):
    """Whatever order they were stored in (the newest would win a tie), the field decides."""
    for number in order:
        title, fields = BY_FIELD[number]
        add(client, auth, title, **fields)
    add(client, auth, "Dinner alone")
    titles = [title for title, _ in BY_FIELD]
    assert search(client, auth, "gala") == (titles, 3)
    assert search(client, auth, "dinner ga") == (titles, 3)


def test_equal_matches_are_ordered_newest_stored_first(client, auth):
    first, second = add(client, auth, "Standup", start="2030-05-12T09:00:00Z"), add(client, auth, "Standup")
    found = client.get(BASE, query_string={**WIDE, "q": "standup"}, headers=auth).json["items"]
    assert [item["id"] for item in found] == [second, first]


def test_search_ignores_case_and_diacritics(client, auth, corpus):
    assert search(client, auth, "MULLER")[0] == ["Müller kick-off"]
    assert search(client, auth, "zurich")[0] == ["Müller kick-off"]


def test_search_respects_the_window_and_calendar(client, auth, corpus):
    assert search(client, auth, "budget", anchor="2030-05-10", range=1, direction="future") == (["Budget review"], 1)
    add(client, auth, "Budget at home", calendar_id="home")
    assert search(client, auth, "budget", calendar="home") == (["Budget at home"], 1)


def test_search_pages_keep_the_total(client, auth):
    for n in range(7):
        add(client, auth, f"Sprint planning {n}")
    first = client.get(BASE, query_string={**WIDE, "q": "sprint plan", "page_size": 3}, headers=auth).json
    third = client.get(BASE, query_string={**WIDE, "q": "sprint plan", "page_size": 3, "page": 3}, headers=auth).json
    assert first["total_count"] == third["total_count"] == 7
    assert len(first["items"]) == 3 and len(third["items"]) == 1


def test_search_index_follows_edits_and_deletes(client, auth):
    event_id = add(client, auth, "Old name")
    client.patch(f"{BASE}/{event_id}", json={"title": "Fresh name"}, headers=auth)
    assert search(client, auth, "old") == ([], 0)
    assert search(client, auth, "fresh")[0] == ["Fresh name"]
    client.delete(f"{BASE}/{event_id}", headers=auth)
    assert search(client, auth, "fresh") == ([], 0)


HOSTILE = [
    '"',
    '""',
    "*",
    "-foo",
    "foo -",
    "OR",
    "a OR b",
    "NEAR(",
    "NEAR(a b)",
    "(",
    ")",
    "a AND",
    "AND",
    "NOT",
    "title:budget",
    "^budget",
    "budget*",
    '"budget',
    'budget"review',
    "'",
    "\\",
    "%",
    "_",
    "{a b}",
    "a + b",
    ":",
    "🎉",
    "日本語",
    "Ünïcødé",
    "a" * 400,
    "  ",
    "-",
    "+",
    "col:",
    "NEAR/2",
    # tsquery syntax, escapes and what PostgreSQL refuses in text
    "a & b",
    "a | b",
    "!a",
    "!",
    "a <-> b",
    "a <2> b",
    "a:*",
    "'a':*",
    "budget:*A",
    "(a | b) & !c",
    "a\\",
    "\\'",
    "'\\",
    "a''b",
    "a\x00b",
    "\x00",
    "budget \x00",
    "\u202e\u0000x",
    " ".join("abcdefghijklmnopqrstuvwxyz"[number % 26] for number in range(250)),
]
# Longer than the API's 500 characters (a 422 naming q there); the dashboard searches them.
LONG = ["a" * 3000, " ".join(["budget"] * 1000), " ".join(f"w{number}" for number in range(1000))]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_answer_200(client, auth, corpus, q):
    response = client.get(BASE, query_string={**WIDE, "q": q}, headers=auth)
    assert response.status_code == 200, response.json
    assert response.json["total_count"] == len(response.json["items"])


@pytest.mark.parametrize("q", LONG)
def test_overlong_queries_are_refused_by_the_api_naming_q(client, auth, q):
    response = client.get(BASE, query_string={**WIDE, "q": q}, headers=auth)
    assert response.status_code == 422 and response.json["error"]["details"]["field"] == "q"


@pytest.mark.parametrize("q", HOSTILE + LONG)
def test_hostile_queries_on_the_dashboard_answer_200(dashboard, corpus, q):
    response = dashboard.get("/events", query_string={**WIDE, "q": q})
    assert response.status_code == 200


def test_a_thousand_words_on_the_dashboard_still_find_events(dashboard, corpus):
    """Only the first search.MAX_WORDS words are searched."""
    response = dashboard.get("/events", query_string={**WIDE, "q": " ".join(["budget"] * 999 + ["revi"])})
    assert response.status_code == 200
    assert "Board meeting" in response.text and "Dentist" not in response.text


def test_operators_in_input_are_searched_as_words(client, auth):
    add(client, auth, "Black OR white")
    add(client, auth, "Black cat")
    assert search(client, auth, "black OR")[0] == ["Black OR white"]
    assert sorted(search(client, auth, '"black')[0]) == ["Black OR white", "Black cat"]


def test_query_syntax_in_input_is_searched_as_text(client, auth):
    add(client, auth, "R&D sync")
    add(client, auth, "Fix !important rule", location="room 'B'")
    add(client, auth, "Pipe | filter")
    assert search(client, auth, "r&d") == (["R&D sync"], 1)
    assert search(client, auth, "!important") == (["Fix !important rule"], 1)
    assert search(client, auth, "importa:*") == (["Fix !important rule"], 1)
    assert search(client, auth, "'b'") == (["Fix !important rule"], 1)
    assert search(client, auth, "pipe |") == (["Pipe | filter"], 1)
    assert search(client, auth, "sync | pipe") == ([], 0)


def test_words_joined_by_punctuation_are_found_one_by_one(client, auth):
    add(client, auth, "<script>alert(1)</script> plan")
    add(client, auth, "Mail", "write to ana@example.com", location="docs/plan_b.md")
    assert search(client, auth, "script") == (["<script>alert(1)</script> plan"], 1)
    assert search(client, auth, "example") == (["Mail"], 1)
    assert search(client, auth, "ana@exa") == (["Mail"], 1)
    assert search(client, auth, "plan_b") == (["Mail"], 1)
    assert sorted(search(client, auth, "plan")[0]) == ["<script>alert(1)</script> plan", "Mail"]


def test_nul_separates_words(client, auth, corpus):
    assert search(client, auth, "dentist\x00card") == (["Dentist"], 1)


def test_total_count_is_exact_beyond_a_page(client, auth):
    for number in range(12):
        add(client, auth, f"Retro {number}")
    for number in range(4):
        add(client, auth, f"Cake {number}", "retro cake")
    assert search(client, auth, "retro", page_size=5) == ([f"Retro {n}" for n in range(11, 6, -1)], 16)
    assert search(client, auth, "retro", page_size=5, page=4) == (["Cake 0"], 16)
    assert search(client, auth, "retro ca", page_size=5) == ([f"Cake {n}" for n in range(3, -1, -1)], 4)


@pytest.mark.sqlite_only
def test_match_expression_quotes_every_word():
    assert match_expression("budget rev") == '"budget" AND "rev"*'
    assert match_expression('say "hi" NEAR(') == '"say" AND """hi""" AND "NEAR("*'
    assert match_expression('" * - ( )') is None
    assert match_expression("") is None and match_expression(None) is None


@pytest.mark.sqlite_only
def test_any_text_makes_a_valid_fts_query():
    """Property: whatever a user types, the MATCH expression parses (checked against a real FTS5 table)."""
    import sqlite3

    from hypothesis import given, settings
    from hypothesis import strategies as st

    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(title, tokenize='unicode61 remove_diacritics 2')")
    connection.execute("INSERT INTO t VALUES ('budget review (draft) \"quoted\" NEAR OR')")
    alphabet = st.sampled_from(list("abc \"*-+^:(){}[]ORNEADT\\'%_é日 \t"))

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=alphabet, max_size=30))
    def check(text):
        expression = match_expression(text)
        if expression is not None:
            connection.execute("SELECT rowid FROM t WHERE t MATCH ?", (expression,)).fetchall()

    check()


# SQLite's own mechanics: the FTS5 MATCH string and prefix expansion.


def terms_from(vocabulary):
    """A next_term over a fixed, sorted vocabulary, as the index's term table answers it."""
    ordered = sorted(vocabulary)
    return lambda low, high: next((term for term in ordered if low <= term < high), None)


@pytest.mark.sqlite_only
def test_a_long_prefix_becomes_the_terms_it_stands_for():
    next_term = terms_from(["budget", "review", "revision", "revisit", "rex"])
    assert match_expression("budget Revi", next_term) == '"budget" AND ("review" OR "revision" OR "revisit")'
    assert match_expression("revis", next_term) == '("revision" OR "revisit")'


@pytest.mark.sqlite_only
def test_a_prefix_keeps_fts5_prefix_search_where_expanding_does_not_pay_or_is_unsure():
    next_term = terms_from(["review", "revision", "réunion"] + [f"revx{n:02d}" for n in range(40)])
    assert prefix_terms("rev", next_term) is None  # three letters: read from the prefix index
    assert prefix_terms("réun", next_term) is None  # not plain ASCII: the tokenizer's term may differ
    assert prefix_terms("revx", next_term) is None  # more than MAX_EXPANSION terms
    assert prefix_terms("revz", next_term) is None  # no term: the prefix search costs nothing
    assert match_expression("budget revz", next_term) == '"budget" AND "revz"*'


def test_long_prefixes_find_what_they_stand_for_through_the_api(client, auth):
    add(client, auth, "Budget review")
    add(client, auth, "Budget revision", "Revisit in May")
    add(client, auth, "Budget retreat")
    assert sorted(search(client, auth, "budget revi")[0]) == ["Budget review", "Budget revision"]
    assert search(client, auth, "revis") == (["Budget revision"], 1)
    assert search(client, auth, "budget revisitation") == ([], 0)


@pytest.mark.sqlite_only
def test_long_prefixes_are_read_from_the_fts5_vocabulary(client, auth):
    add(client, auth, "Budget review")
    add(client, auth, "Budget revision", "Revisit in May")
    with client.application.app_context():
        assert prefix_terms("revi", search_service.session_next_term) == ["review", "revision", "revisit"]
        db.session.remove()


@pytest.mark.sqlite_only
def test_expanded_prefixes_match_exactly_what_fts5_prefix_search_matches():
    """Property: for any stored (and partly deleted) titles and a search whose last word is the start of a
    stored word, expanding that prefix into terms changes no result."""
    import sqlite3

    from hypothesis import given, settings
    from hypothesis import strategies as st

    # Few letters and longish words, so that prefixes are shared by several terms.
    words = st.text(alphabet="abA", min_size=3, max_size=8)
    titles = st.lists(st.lists(words, min_size=1, max_size=4).map(" ".join), min_size=1, max_size=30)

    @settings(max_examples=200, deadline=None)
    @given(titles, st.sets(st.integers(1, 30)), st.data())
    def check(stored, deleted, data):
        connection = sqlite3.connect(":memory:")
        connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, title, description, location)")
        for statement in revision_module("0001").SQLITE_SEARCH:
            connection.execute(statement)
        connection.executemany(
            "INSERT INTO events (title, description, location) VALUES (?, '', '')", [(title,) for title in stored]
        )
        connection.executemany("DELETE FROM events WHERE id = ?", [(number,) for number in deleted])
        word = data.draw(st.sampled_from(" ".join(stored).split()))
        typed = data.draw(st.sampled_from(["", "ab ", "aaa "])) + word[: data.draw(st.integers(1, len(word)))]

        def next_term(low, high):
            row = connection.execute(search_service.NEXT_TERM_SQL, {"low": low, "high": high}).fetchone()
            return row[0] if row else None

        def found(expression):
            return {
                row[0]
                for row in connection.execute("SELECT rowid FROM events_fts WHERE events_fts MATCH ?", (expression,))
            }

        assert found(match_expression(typed, next_term)) == found(match_expression(typed))

    check()
