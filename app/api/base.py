"""Building blocks for API resource modules."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

API_PREFIX = "/api/v1"
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def api_blueprint(name: str, tag: str, description: str = "", *, public: bool = False) -> APIBlueprint:
    """An API blueprint under /api/v1; its routes are documented with the bearer scheme unless public.

    Public routes must also be marked with app.auth.public so that the runtime guard lets them through.
    """
    return APIBlueprint(
        f"api_{name}",
        __name__,
        url_prefix=API_PREFIX,
        abp_tags=[Tag(name=tag, description=description)],
        abp_security=[] if public else BEARER,
    )
