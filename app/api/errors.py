"""The one JSON error shape of the API: {"error": {"code", "message", "details"?}}."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None, headers: dict | None = None
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    response = jsonify({"error": body})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    503: "unavailable",
}

HTTP_MESSAGES = {
    404: "No such resource.",
    405: "This method is not allowed on this resource.",
    413: "The request body is larger than the limit of 1 MiB.",
    415: "The request body must be JSON (Content-Type: application/json).",
}
