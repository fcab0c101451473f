"""Templates over HTTP: contract shapes, 422s naming the field, paging, and /use."""

from __future__ import annotations

import pytest

BASE = "/api/v1/templates"


def create(client, auth, **fields):
    response = client.post(BASE, json={"title": "Standup", **fields}, headers=auth)
    assert response.status_code == 201, response.json
    return response.json


def test_create_answers_201_with_the_contract_shape(client, auth):
    data = create(client, auth, default_time="09:15", duration_minutes=15, tags=["team"], author="ana")
    assert set(data) == {
        "id",
        "title",
        "description",
        "all_day",
        "default_time",
        "duration_minutes",
        "calendar_id",
        "tags",
        "usage_count",
        "created_at",
        "updated_at",
        "author",
    }
    assert data["default_time"] == "09:15" and data["usage_count"] == 0 and data["tags"] == ["team"]
    assert client.get(f"{BASE}/{data['id']}", headers=auth).json == data


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "t", "default_time": "7:30"}, "default_time"),
        ({"title": "t", "default_time": "25:00"}, "default_time"),
        ({"title": "t", "duration_minutes": 0}, "duration_minutes"),
        ({"title": "t", "duration_minutes": 1441}, "duration_minutes"),
        ({"title": "t", "duration_minutes": "30"}, "duration_minutes"),
        ({"title": ""}, "title"),
        ({}, "title"),
        ({"title": "t", "unknown": 1}, "unknown"),
    ],
)
def test_bad_fields_answer_422_naming_the_field(client, auth, body, field):
    response = client.post(BASE, json=body, headers=auth)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert response.json["error"]["details"]["field"] == field


def test_unknown_query_parameter_is_rejected(client, auth):
    response = client.get(f"{BASE}?sort=title", headers=auth)
    assert response.status_code == 422 and response.json["error"]["details"]["field"] == "sort"


def test_list_pages_and_searches(client, auth):
    for title in ("Gym", "Gym class", "Dentist"):
        create(client, auth, title=title)
    page = client.get(f"{BASE}?q=gym&page=1&page_size=1", headers=auth).json
    assert page["total_count"] == 2 and page["page"] == 1 and page["page_size"] == 1
    assert [item["title"] for item in page["items"]] == ["Gym"]
    assert client.get(f"{BASE}?page_size=501", headers=auth).status_code == 422
    assert client.get(f"{BASE}?page=0", headers=auth).status_code == 422


def test_put_replaces_and_patch_changes(client, auth):
    data = create(client, auth, description="old", tags=["a"])
    url = f"{BASE}/{data['id']}"
    replaced = client.put(url, json={"title": "New"}, headers=auth).json
    assert replaced["title"] == "New" and replaced["description"] == "" and replaced["tags"] == []
    patched = client.patch(url, json={"default_time": "10:00"}, headers=auth).json
    assert patched["title"] == "New" and patched["default_time"] == "10:00"
    assert client.put(url, json={"description": "x"}, headers=auth).status_code == 422


def test_delete_then_404(client, auth):
    data = create(client, auth)
    url = f"{BASE}/{data['id']}"
    response = client.delete(url, headers=auth)
    assert response.status_code == 204 and response.data == b""
    missing = client.get(url, headers=auth)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    assert client.post(f"{url}/use", headers=auth).status_code == 404


def test_use_answers_the_new_count(client, auth):
    data = create(client, auth)
    first = client.post(f"{BASE}/{data['id']}/use", headers=auth)
    assert first.status_code == 200
    assert first.json == {"message": first.json["message"], "template_id": data["id"], "new_usage_count": 1}
    assert client.post(f"{BASE}/{data['id']}/use", headers=auth).json["new_usage_count"] == 2
    assert client.get(f"{BASE}/{data['id']}", headers=auth).json["usage_count"] == 2


def test_routes_are_in_the_openapi_document(client, auth):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/templates"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/v1/templates/{template_id}"])
    assert "post" in paths["/api/v1/templates/{template_id}/use"]
