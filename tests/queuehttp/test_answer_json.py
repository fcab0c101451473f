"""Answers are written as exactly the JSON flask.jsonify writes (sorted keys, ASCII escapes, compact, newline)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import jsonify

from app.api.answer import answer
from app.api.command_schemas import ClaimResponse


def claim() -> dict[str, Any]:
    moment = datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    command = {
        "id": 7,
        "command": "NOTIFY",
        "parameters": {"zeta": [1, 2.5, None], "alpha": "Grüße ☃ \u2028", "nested": {"b": True, "a": {}}},
        "status": "processing",
        "attempts": 1,
        "created_at": moment,
        "processed_at": moment,
        "lease_expires_at": None,
    }
    return {"system_id": "hub", "commands": [command], "count": 1, "retrieved_at": moment}


def test_an_answer_is_byte_for_byte_what_jsonify_writes(app):
    with app.test_request_context():
        response = answer(ClaimResponse, claim(), 201, {"X-Extra": "1"})
        expected = jsonify(ClaimResponse.model_validate(claim()).model_dump(mode="json"))
    assert response.get_data() == expected.get_data()
    body = response.get_data()
    assert body.endswith(b'"retrieved_at":"2030-01-02T03:04:05.678000Z","system_id":"hub"}\n')
    assert rb"Gr\u00fc\u00dfe \u2603 \u2028" in body
    assert (response.status_code, response.headers["X-Extra"]) == (201, "1")
    assert response.headers["Content-Type"] == expected.headers["Content-Type"] == "application/json"
