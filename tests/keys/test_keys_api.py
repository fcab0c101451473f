"""POST/GET/DELETE /api/v1/keys: the key shown once, stored as a hash, refused everywhere once revoked."""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import write_transaction
from app.extensions import db
from app.models import ApiKey
from app.services import api_keys
from app.timeutil import format_utc, utcnow
from tests.conftest import TEST_KEY
from tests.support import LiveServer


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_create_shows_the_key_once_and_stores_only_its_hash(client, auth):
    response = client.post(
        "/api/v1/keys", json={"name": "backup box", "scopes": ["read", "commands:nas"]}, headers=auth
    )
    assert response.status_code == 201
    body = response.json
    assert set(body) == {"id", "name", "scopes", "key", "created_at"}
    assert (body["name"], body["scopes"]) == ("backup box", ["commands:nas", "read"])
    assert body["key"].startswith("chronos_") and len(body["key"]) >= len("chronos_") + 43  # 256 random bits
    assert body["created_at"].endswith("Z")
    row = db.session.get(ApiKey, body["id"])
    assert row.key_hash == hashlib.sha256(body["key"].encode()).hexdigest()
    stored = db.session.execute(select(ApiKey.__table__)).mappings().one()
    assert body["key"] not in json.dumps({name: str(value) for name, value in stored.items()})

    listed = client.get("/api/v1/keys", headers=auth).json["items"]
    assert listed == [
        {
            "id": body["id"],
            "name": "backup box",
            "scopes": ["commands:nas", "read"],
            "created_at": body["created_at"],
            "last_used_at": None,
            "revoked": False,
        }
    ]
    assert client.get("/api/v1/events", headers=bearer(body["key"])).status_code == 200


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": "x", "scopes": ["root"]}, "scopes"),
        ({"name": "x", "scopes": ["read", "commands:"]}, "scopes"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "", "scopes": ["read"]}, "name"),
        ({"name": "x", "scopes": ["read"], "extra": 1}, "extra"),
    ],
)
def test_unknown_scopes_and_bad_fields_are_422(client, auth, payload, field):
    response = client.post("/api/v1/keys", json=payload, headers=auth)
    assert response.status_code == 422
    assert field in json.dumps(response.json["error"])
    assert db.session.scalars(select(ApiKey)).all() == []


def test_only_admin_keys_manage_keys(client, auth):
    writer = api_keys.create_key("writer", ["write"]).key
    admin = api_keys.create_key("second admin", ["admin"]).key
    assert client.get("/api/v1/keys", headers=bearer(writer)).status_code == 403
    assert client.post("/api/v1/keys", json={"name": "x", "scopes": ["admin"]}, headers=bearer(writer)).status_code == (
        403
    )
    made = client.post("/api/v1/keys", json={"name": "by admin", "scopes": ["read"]}, headers=bearer(admin))
    assert made.status_code == 201


def test_revoke_answers_204_then_the_key_is_refused_and_listed_as_revoked(client, auth):
    key = api_keys.create_key("temp", ["read"])
    assert client.get("/api/v1/events", headers=bearer(key.key)).status_code == 200
    assert client.delete(f"/api/v1/keys/{key.row.id}", headers=auth).status_code == 204
    refused = client.get("/api/v1/events", headers=bearer(key.key))
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/keys", headers=auth).json["items"][0]["revoked"] is True
    assert client.delete(f"/api/v1/keys/{key.row.id}", headers=auth).status_code == 204  # again: harmless
    assert client.delete("/api/v1/keys/987654", headers=auth).status_code == 404


def test_last_used_at_is_written_at_most_once_a_minute(client):
    key = api_keys.create_key("poller", ["read"])
    client.get("/api/v1/notes", headers=bearer(key.key))
    first = db.session.get(ApiKey, key.row.id).last_used_at
    assert first is not None and utcnow() - first < timedelta(seconds=5)
    api_keys.forget_cached_keys()  # even reading the row afresh, a use within the minute writes nothing
    db.session.expire_all()
    client.get("/api/v1/notes", headers=bearer(key.key))
    assert db.session.get(ApiKey, key.row.id).last_used_at == first
    with write_transaction() as session:  # as if the last use were 61 seconds ago
        session.get(ApiKey, key.row.id).last_used_at = first - timedelta(seconds=61)
    api_keys.forget_cached_keys()
    client.get("/api/v1/notes", headers=bearer(key.key))
    db.session.expire_all()
    later = db.session.get(ApiKey, key.row.id).last_used_at
    assert later > first
    listed = client.get("/api/v1/keys", headers={"Authorization": f"Bearer {TEST_KEY}"}).json["items"][0]
    assert listed["last_used_at"] == format_utc(later)


def status_of(url: str, key: str) -> int:
    request = urllib.request.Request(url, headers=bearer(key))
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_revoked_key_is_refused_by_another_web_process_within_a_second(app, database_url):
    server = LiveServer(
        app.config["CHRONOS_SETTINGS"].instance_path, TEST_KEY, with_daemon=False, database_url=database_url
    )
    server.start()
    try:
        key = api_keys.create_key("remote", ["read"])
        url = f"{server.url}/api/v1/events"
        assert status_of(url, key.key) == 200
        for _ in range(20):  # the other process now remembers the key as good
            assert status_of(url, key.key) == 200
        api_keys.revoke_key(key.row.id)
        revoked_at = time.monotonic()
        while status_of(url, key.key) != 401:
            assert time.monotonic() - revoked_at < 1.5, "the other process still accepts a revoked key"
            time.sleep(0.02)
        assert time.monotonic() - revoked_at <= 1.2
    finally:
        server.stop()
