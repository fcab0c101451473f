"""Request checks shared by every API route: JSON bodies, and pydantic errors in the contract's shape."""

from __future__ import annotations

from flask import Response, request
from pydantic import ValidationError
from werkzeug.exceptions import BadRequest

from app.api.errors import error_response

BODY_METHODS = {"POST", "PUT", "PATCH"}


def check_json_body() -> Response | None:
    """Refuse non-JSON (415) and malformed JSON (400) before a view runs; an empty body reads as {}."""
    if request.method not in BODY_METHODS:
        return None
    if not request.get_data(cache=True):
        request._cached_json = ({}, {})  # an empty body is an empty object, so optional bodies validate
        return None
    if not request.is_json:
        return error_response(
            415, "unsupported_media_type", "The request body must be JSON (Content-Type: application/json)."
        )
    try:
        request.get_json()
    except BadRequest:
        return error_response(400, "malformed_json", "The request body is not valid JSON.")
    return None


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
