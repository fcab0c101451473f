"""GET /api/v1/notes and /api/v1/urls: newest first, paging, every-word search, 422s."""

from __future__ import annotations

import pytest

BASE = "/api/v1/events"


def consume(client, auth, title, start="2030-05-10T09:00:00Z"):
    response = client.post(BASE, json={"title": title, "start_time": start}, headers=auth)
    assert response.status_code == 202, response.json
    return response.json["result"]["id"]


def test_notes_are_listed_newest_first_with_paging(client, auth):
    ids = [consume(client, auth, f"NOTE: shopping item {n}", start=f"2030-05-1{n}T09:00:00Z") for n in range(5)]
    first = client.get("/api/v1/notes?page_size=2", headers=auth).json
    last = client.get("/api/v1/notes?page_size=2&page=3", headers=auth).json
    assert first["total_count"] == last["total_count"] == 5 and first["page_size"] == 2
    assert [item["id"] for item in first["items"]] == list(reversed(ids))[:2]
    assert [item["id"] for item in last["items"]] == [ids[0]]
    assert set(first["items"][0]) == {
        "id",
        "text",
        "event_time",
        "event_end_time",
        "calendar_id",
        "external_id",
        "event_details",
        "created_at",
    }


def test_note_search_needs_every_word_and_takes_wildcards_literally(client, auth):
    consume(client, auth, "NOTIZ: Milch kaufen")
    consume(client, auth, "NOTE: buy milk and bread", start="2030-05-11T09:00:00Z")
    consume(client, auth, "NOTE: 100% done_now", start="2030-05-12T09:00:00Z")

    def texts(q):
        return [item["text"] for item in client.get("/api/v1/notes", query_string={"q": q}, headers=auth).json["items"]]

    assert texts("mil") == ["buy milk and bread", "Milch kaufen"]
    assert texts("milk") == ["buy milk and bread"]
    assert texts("milk bread") == ["buy milk and bread"]
    assert texts("MILCH") == ["Milch kaufen"]
    assert texts("%") == ["100% done_now"] and texts("_") == ["100% done_now"]
    assert texts("milk cheese") == []


def test_urls_list_shape(client, auth):
    consume(client, auth, "URL: https://example.org/spec The spec")
    body = client.get("/api/v1/urls", headers=auth).json
    assert body["total_count"] == 1 and body["page"] == 1
    item = body["items"][0]
    assert item["url"] == "https://example.org/spec" and item["title"] == "The spec"
    assert item["event_time"] == "2030-05-10T09:00:00Z" and item["event_details"]["title"].startswith("URL:")


@pytest.mark.parametrize("path", ["/api/v1/notes", "/api/v1/urls"])
@pytest.mark.parametrize(
    ("params", "field"), [({"page": 0}, "page"), ({"page_size": 501}, "page_size"), ({"sort": "x"}, "sort")]
)
def test_list_parameters_are_checked(client, auth, path, params, field):
    response = client.get(path, query_string=params, headers=auth)
    assert response.status_code == 422 and response.json["error"]["details"]["field"] == field
    assert client.get(path).status_code == 401
