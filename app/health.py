"""Public operational routes: /health and the /docs API viewer."""

from __future__ import annotations

from importlib.resources import files

from flask import Blueprint, Flask, jsonify, render_template, send_from_directory

from app.auth import may_see_details, public
from app.services.health import health_report

bp = Blueprint("ops", __name__)

SWAGGER_ASSETS = files("flask_openapi3_swagger") / "templates" / "swagger"


@bp.get("/health")
@public
def health():
    body, healthy = health_report(with_details=may_see_details())
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/docs")
@public
def docs():
    return render_template("docs.html")


@bp.get("/docs/assets/<path:filename>")
@public
def docs_asset(filename: str):
    """Swagger UI's own files, shipped inside the flask-openapi3-swagger wheel."""
    return send_from_directory(str(SWAGGER_ASSETS), filename, max_age=86400)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
