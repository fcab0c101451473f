"""Full-text search: prefix on the last word, every word required, title over description, hostile input."""

from __future__ import annotations

import pytest

from app.services.search import match_expression

BASE = "/api/v1/events"
WIDE = {"anchor": "2030-05-10", "range": -1, "direction": "all"}


def add(client, auth, title, description="", start="2030-05-10T09:00:00Z", **fields):
    response = client.post(BASE, json={"title": title, "description": description, "start_time": start,
                                       **fields}, headers=auth)
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


def test_search_ignores_case_and_diacritics(client, auth, corpus):
    assert search(client, auth, "MULLER")[0] == ["Müller kick-off"]
    assert search(client, auth, "zurich")[0] == ["Müller kick-off"]


def test_search_respects_the_window_and_calendar(client, auth, corpus):
    assert search(client, auth, "budget", anchor="2030-05-10", range=1, direction="future") == (
        ["Budget review"], 1)
    add(client, auth, "Budget at home", calendar_id="home")
    assert search(client, auth, "budget", calendar="home") == (["Budget at home"], 1)


def test_search_pages_keep_the_total(client, auth):
    for n in range(7):
        add(client, auth, f"Sprint planning {n}")
    first = client.get(BASE, query_string={**WIDE, "q": "sprint plan", "page_size": 3}, headers=auth).json
    third = client.get(BASE, query_string={**WIDE, "q": "sprint plan", "page_size": 3, "page": 3},
                       headers=auth).json
    assert first["total_count"] == third["total_count"] == 7
    assert len(first["items"]) == 3 and len(third["items"]) == 1


def test_search_index_follows_edits_and_deletes(client, auth):
    event_id = add(client, auth, "Old name")
    client.patch(f"{BASE}/{event_id}", json={"title": "Fresh name"}, headers=auth)
    assert search(client, auth, "old") == ([], 0)
    assert search(client, auth, "fresh")[0] == ["Fresh name"]
    client.delete(f"{BASE}/{event_id}", headers=auth)
    assert search(client, auth, "fresh") == ([], 0)


HOSTILE = ['"', '""', "*", "-foo", "foo -", "OR", "a OR b", "NEAR(", "NEAR(a b)", "(", ")", "a AND", "AND",
           "NOT", "title:budget", "^budget", "budget*", '"budget', "budget\"review", "'", "\\", "%", "_",
           "{a b}", "a + b", ":", "🎉", "日本語", "Ünïcødé", "a" * 400, "  ", "-", "+", "col:", "NEAR/2"]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_answer_200(client, auth, corpus, q):
    response = client.get(BASE, query_string={**WIDE, "q": q}, headers=auth)
    assert response.status_code == 200, response.json
    assert response.json["total_count"] == len(response.json["items"])


def test_operators_in_input_are_searched_as_words(client, auth):
    add(client, auth, "Black OR white")
    add(client, auth, "Black cat")
    assert search(client, auth, "black OR")[0] == ["Black OR white"]
    assert sorted(search(client, auth, '"black')[0]) == ["Black OR white", "Black cat"]


def test_match_expression_quotes_every_word():
    assert match_expression("budget rev") == '"budget" "rev"*'
    assert match_expression('say "hi" NEAR(') == '"say" """hi""" "NEAR("*'
    assert match_expression('" * - ( )') is None
    assert match_expression("") is None and match_expression(None) is None


def test_any_text_makes_a_valid_fts_query():
    """Property: whatever a user types, the MATCH expression parses (checked against a real FTS5 table)."""
    import sqlite3

    from hypothesis import given, settings
    from hypothesis import strategies as st

    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(title, tokenize='unicode61 remove_diacritics 2')")
    connection.execute("INSERT INTO t VALUES ('budget review (draft) \"quoted\" NEAR OR')")
    alphabet = st.sampled_from(list('abc "*-+^:(){}[]ORNEADT\\\'%_é日 \t'))

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=alphabet, max_size=30))
    def check(text):
        expression = match_expression(text)
        if expression is not None:
            connection.execute("SELECT rowid FROM t WHERE t MATCH ?", (expression,)).fetchall()

    check()
