"""GET /api/v1/events: overlap windows at their edges, directions, order, paging, every parameter's 422."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.timeutil import today

BASE = "/api/v1/events"


def add(client, auth, title, start, end, **fields):
    response = client.post(BASE, json={"title": title, "start_time": start, "end_time": end, **fields}, headers=auth)
    assert response.status_code == 201, response.json
    return response.json["id"]


def titles(client, auth, **params):
    response = client.get(BASE, query_string=params, headers=auth)
    assert response.status_code == 200, response.json
    return [item["title"] for item in response.json["items"]]


@pytest.fixture
def edges(client, auth):
    """Events around the future window [2030-05-10, 2030-05-13) (UTC app)."""
    add(client, auth, "ends at window start", "2030-05-09T22:00:00Z", "2030-05-10T00:00:00Z")
    add(client, auth, "crosses window start", "2030-05-09T23:00:00Z", "2030-05-10T01:00:00Z")
    add(client, auth, "instant at window start", "2030-05-10T00:00:00Z", "2030-05-10T00:00:00Z")
    add(client, auth, "inside", "2030-05-11T09:00:00Z", "2030-05-11T10:00:00Z")
    add(client, auth, "crosses window end", "2030-05-12T23:00:00Z", "2030-05-13T01:00:00Z")
    add(client, auth, "starts at window end", "2030-05-13T00:00:00Z", "2030-05-13T01:00:00Z")
    add(client, auth, "covers the window", "2030-04-01T00:00:00Z", "2030-06-01T00:00:00Z")
    add(client, auth, "far future", "2031-01-01T00:00:00Z", "2031-01-01T01:00:00Z")
    add(client, auth, "far past", "2029-01-01T00:00:00Z", "2029-01-01T01:00:00Z")


def test_future_window_keeps_exactly_the_overlapping_events(client, auth, edges):
    assert titles(client, auth, anchor="2030-05-10", range=3) == [
        "covers the window",
        "crosses window start",
        "instant at window start",
        "inside",
        "crosses window end",
    ]


def test_past_window_runs_to_the_end_of_the_anchor_day_newest_first(client, auth, edges):
    # [2030-05-08, 2030-05-11): two days back plus the anchor day itself.
    assert titles(client, auth, anchor="2030-05-10", range=2, direction="past") == [
        "instant at window start",
        "crosses window start",
        "ends at window start",
        "covers the window",
    ]


def test_all_window_reaches_both_ways(client, auth, edges):
    # [2030-05-09, 2030-05-11)
    assert titles(client, auth, anchor="2030-05-10", range=1, direction="all") == [
        "covers the window",
        "ends at window start",
        "crosses window start",
        "instant at window start",
    ]


def test_unbounded_range_on_the_named_side(client, auth, edges):
    future = titles(client, auth, anchor="2030-05-10", range=-1)
    assert future[-1] == "far future" and "far past" not in future and "ends at window start" not in future
    past = titles(client, auth, anchor="2030-05-10", range=-1, direction="past")
    assert past[-1] == "far past" and "far future" not in past and "inside" not in past
    everything = titles(client, auth, anchor="2030-05-10", range=-1, direction="all")
    assert len(everything) == 9 and everything[0] == "far past" and everything[-1] == "far future"


def test_window_days_are_local_days_of_the_app_time_zone(make_app, auth):
    client = make_app({"app": {"timezone": "America/New_York"}}).test_client()
    # 2030-05-10 in New York is [04:00Z, next day 04:00Z).
    add(client, auth, "late evening UTC before", "2030-05-10T03:00:00Z", "2030-05-10T03:30:00Z")
    add(client, auth, "local morning", "2030-05-10T13:00:00Z", "2030-05-10T14:00:00Z")
    add(client, auth, "local night", "2030-05-11T03:30:00Z", "2030-05-11T03:45:00Z")
    assert titles(client, auth, anchor="2030-05-10", range=1) == ["local morning", "local night"]


def test_default_anchor_is_today_in_the_app_time_zone(make_app, auth):
    app = make_app({"app": {"timezone": "Pacific/Kiritimati"}})
    client = app.test_client()
    with app.app_context():
        local_today = today(app.config["CHRONOS_SETTINGS"].zone)
    zone = app.config["CHRONOS_SETTINGS"].zone
    noon = datetime.combine(local_today, datetime.min.time(), zone) + timedelta(hours=12)
    add(client, auth, "today", noon.isoformat(), (noon + timedelta(hours=1)).isoformat())
    add(client, auth, "yesterday", (noon - timedelta(days=1)).isoformat(), (noon - timedelta(hours=23)).isoformat())
    assert titles(client, auth) == ["today"]
    assert titles(client, auth, direction="past", range=1) == ["today", "yesterday"]


def test_a_long_event_is_found_by_a_short_window(client, auth):
    add(client, auth, "quarter", "2030-01-01T00:00:00Z", "2030-04-01T00:00:00Z")
    add(client, auth, "short", "2030-03-10T09:00:00Z", "2030-03-10T10:00:00Z")
    assert titles(client, auth, anchor="2030-03-10", range=1) == ["quarter", "short"]


def test_calendar_filter_is_repeatable(client, auth):
    for calendar in ("work", "home", "club"):
        add(client, auth, calendar, "2030-05-10T09:00:00Z", "2030-05-10T10:00:00Z", calendar_id=calendar)
    assert titles(client, auth, anchor="2030-05-10", calendar="home") == ["home"]
    response = client.get(f"{BASE}?anchor=2030-05-10&calendar=work&calendar=club", headers=auth)
    assert sorted(item["title"] for item in response.json["items"]) == ["club", "work"]


def test_ties_are_ordered_by_id_and_pages_are_stable(client, auth):
    ids = [add(client, auth, f"e{n}", "2030-05-10T09:00:00Z", "2030-05-10T10:00:00Z") for n in range(23)]
    seen = []
    for page in (1, 2, 3):
        body = client.get(BASE, query_string={"anchor": "2030-05-10", "page": page, "page_size": 10}, headers=auth).json
        assert body["total_count"] == 23 and body["page"] == page and body["page_size"] == 10
        seen += [item["id"] for item in body["items"]]
    assert seen == ids
    past = client.get(
        BASE, query_string={"anchor": "2030-05-10", "direction": "past", "page_size": 500}, headers=auth
    ).json
    assert [item["id"] for item in past["items"]] == list(reversed(ids))
    beyond = client.get(BASE, query_string={"anchor": "2030-05-10", "page": 9}, headers=auth).json
    assert beyond["items"] == [] and beyond["total_count"] == 23


def test_response_shape(client, auth):
    body = client.get(BASE, headers=auth).json
    assert body == {"items": [], "page": 1, "page_size": 100, "total_count": 0}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"range": 0}, "range"),
        ({"range": 3661}, "range"),
        ({"range": -2}, "range"),
        ({"range": "week"}, "range"),
        ({"page": 0}, "page"),
        ({"page": "x"}, "page"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 501}, "page_size"),
        ({"direction": "sideways"}, "direction"),
        ({"anchor": "2030-13-01"}, "anchor"),
        ({"anchor": "10/05/2030"}, "anchor"),
        ({"anchor": "2030-02-30"}, "anchor"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_query_parameters_answer_422_naming_the_field(client, auth, params, field):
    response = client.get(BASE, query_string=params, headers=auth)
    assert response.status_code == 422, response.json
    assert response.json["error"]["details"]["field"] == field


@pytest.mark.parametrize("value", [1, 3660, -1])
def test_range_limits_are_accepted(client, auth, value):
    assert client.get(BASE, query_string={"range": value}, headers=auth).status_code == 200
