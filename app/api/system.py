"""The API's own description."""

from __future__ import annotations

import copy
from typing import Any, cast

from flask import current_app, jsonify
from flask_openapi3 import OpenAPI

from app.api.base import api_blueprint
from app.auth import public

bp = api_blueprint("system", "System", "The API description itself.", public=True)

BODY_METHODS = {"post", "put", "patch"}
ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def api_document() -> dict[str, Any]:
    """flask-openapi3's document, with every error documented in the contract's single shape."""
    document = copy.deepcopy(cast(OpenAPI, current_app).api_doc)
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses["422"] = _error_response("A field fails validation; details name the field.")
            if method in BODY_METHODS:  # any body they are sent is checked before the view runs, declared or not
                responses["400"] = _error_response("The request body is not valid JSON.")
                responses["413"] = _error_response("The request body is larger than web.max_request_bytes.")
                responses["415"] = _error_response("The request body is not JSON (Content-Type: application/json).")
            if operation.get("security"):
                responses["401"] = _error_response("Missing or wrong API key.")
                responses["403"] = _error_response("The key lacks the scope this route needs (insufficient_scope).")
                responses["429"] = _error_response("Too many wrong keys from this address; see Retry-After.")
            else:
                responses.pop("401", None)
    return document


DOCUMENT = {
    "description": "The OpenAPI document of every /api/v1 route.",
    "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
}


@bp.get("/openapi.json", summary="This OpenAPI document", responses={200: DOCUMENT})
@public
def openapi_document():
    return jsonify(api_document())
