"""The API edge: every answer is validated through its response model and written as JSON."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from pydantic import BaseModel


def answer(model: type[BaseModel], obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """``obj`` (a domain object or a dict of them) read through ``model``, the route's declared response model."""
    response = jsonify(model.model_validate(obj, from_attributes=True).model_dump(mode="json"))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def page_of(items: list[Any], page: int, page_size: int, total: int) -> dict[str, Any]:
    """A list page's fields, for a ``Page`` response model."""
    return {"items": items, "page": page, "page_size": page_size, "total_count": total}
