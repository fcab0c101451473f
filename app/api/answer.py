"""The API edge: every answer is validated through its response model and written as JSON."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, jsonify
from pydantic import BaseModel

# The JSON flask.jsonify writes outside debug mode (sorted keys, ASCII, compact), with one encoder made once:
# json.dumps builds a new encoder on every call that passes options, and jsonify adds more steps around it.
_encode = json.JSONEncoder(ensure_ascii=True, sort_keys=True, separators=(",", ":")).encode


def answer(model: type[BaseModel], obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """``obj`` (a domain object or a dict of them) read through ``model``, the route's declared response model."""
    # In debug mode jsonify indents its JSON: leave that to it.
    if current_app.debug:
        response = jsonify(model.model_validate(obj, from_attributes=True).model_dump(mode="json"))
    else:
        response = Response(answer_json(model, obj), mimetype="application/json")
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def answer_json(model: type[BaseModel], obj: Any) -> str:
    """The JSON text of an answer outside debug mode, as flask.jsonify writes it."""
    return _encode(model.model_validate(obj, from_attributes=True).model_dump(mode="json")) + "\n"


def page_of(items: list[Any], page: int, page_size: int, total: int) -> dict[str, Any]:
    """A list page's fields, for a ``Page`` response model."""
    return {"items": items, "page": page, "page_size": page_size, "total_count": total}
