"""Request checks shared by every API route: JSON bodies, and pydantic errors in the contract's shape."""

from __future__ import annotations

from flask import Response, request
from pydantic import ValidationError
from werkzeug.exceptions import BadRequest

from app.api.errors import error_response

BODY_METHODS = {"POST", "PUT", "PATCH"}
# No answer needs JSON nested deeper than this; deeper bodies are refused before anything walks them.
MAX_JSON_DEPTH = 32


def check_json_body() -> Response | None:
    """Refuse non-JSON (415), malformed JSON (400), JSON nested deeper than MAX_JSON_DEPTH (422) and a PATCH
    that changes nothing (422) before a view runs; an empty body reads as {}."""
    if request.method not in BODY_METHODS:
        return None
    if not request.get_data(cache=True):
        request._cached_json = ({}, {})  # an empty body is an empty object, so optional bodies validate
        return _patch_needs_a_field({})
    if not request.is_json:
        return error_response(
            415, "unsupported_media_type", "The request body must be JSON (Content-Type: application/json)."
        )
    try:
        body = request.get_json()
    except BadRequest:
        return error_response(400, "malformed_json", "The request body is not valid JSON.")
    except RecursionError:  # the parser gave up long before MAX_JSON_DEPTH's answer could be
        return _too_deep()
    if json_depth(body) > MAX_JSON_DEPTH:
        return _too_deep()
    return _patch_needs_a_field(body)


def json_depth(value: object) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _too_deep() -> Response:
    message = f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels"
    return error_response(422, "validation_error", message, {"field": "body", "errors": [_error("body", message)]})


def _patch_needs_a_field(body: object) -> Response | None:
    if request.method != "PATCH" or body != {}:
        return None
    message = "body: a PATCH needs at least one field to change"
    return error_response(422, "validation_error", message, {"field": "body", "errors": [_error("body", message)]})


def _error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message.removeprefix(f"{field}: "), "type": "value_error"}


def field_name(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "body"


def validation_error_response(exc: ValidationError) -> Response:
    """422 naming each failing field; used by flask-openapi3 for query, path and body models."""
    errors = [
        {
            "field": field_name(error["loc"]),
            "message": error["msg"].removeprefix("Value error, "),
            "type": "unknown_field" if error["type"] == "extra_forbidden" else error["type"],
        }
        for error in exc.errors()
    ]
    first = errors[0]
    message = f"{first['field']}: {'unknown field' if first['type'] == 'unknown_field' else first['message']}"
    return error_response(422, "validation_error", message, {"field": first["field"], "errors": errors})
