"""Bounded ranking: above search.RANK_LIMIT matches, the newest stored are ranked and the rest follow."""

from __future__ import annotations

import pytest

from app.services import search

BASE = "/api/v1/events"
WIDE = {"anchor": "2030-05-10", "range": -1, "direction": "all"}


def add(client, auth, title, description="", start="2030-05-10T09:00:00Z"):
    response = client.post(BASE, json={"title": title, "description": description, "start_time": start}, headers=auth)
    assert response.status_code == 201, response.json
    return response.json["id"]


def ids(client, auth, **params):
    response = client.get(BASE, query_string={**WIDE, "q": "budget", **params}, headers=auth)
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]], response.json["total_count"]


@pytest.fixture
def five(client, auth, monkeypatch):
    monkeypatch.setattr(search, "RANK_LIMIT", 3)
    added = [
        add(client, auth, "Lunch", "budget talk"),
        add(client, auth, "Budget", ""),
        add(client, auth, "Walk", "budget"),
        add(client, auth, "Call", "the budget plan"),
        add(client, auth, "Budget review", ""),
    ]
    add(client, auth, "Dentist")
    return added


def test_newest_matches_are_ranked_first_then_the_rest_newest_first(client, auth, five):
    found, total = ids(client, auth)
    assert total == 5
    # Ranked: the three newest matches, title hit first; then the two older ones by id, newest first.
    assert found[0] == five[4] and set(found[1:3]) == {five[2], five[3]}
    assert found[3:] == [five[1], five[0]]


def test_pages_cross_the_ranked_set_without_gaps_or_repeats(client, auth, five):
    whole, _ = ids(client, auth)
    pages = [ids(client, auth, page=page, page_size=2) for page in (1, 2, 3)]
    assert [item for page, _ in pages for item in page] == whole
    assert all(total == 5 for _, total in pages)


def test_window_and_calendar_filters_apply_before_the_limit(client, auth, five):
    add(client, auth, "Budget far away", "", start="2031-01-01T09:00:00Z")
    found, total = ids(client, auth, anchor="2030-05-10", range=1, direction="future")
    assert total == 5 and five[4] in found and len(found) == 5


def test_below_the_limit_every_match_is_ranked(client, auth, five, monkeypatch):
    monkeypatch.setattr(search, "RANK_LIMIT", 50)
    found, total = ids(client, auth)
    assert total == 5 and set(found[:2]) == {five[1], five[4]}
