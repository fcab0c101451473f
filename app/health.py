"""Public operational routes: /health and the /docs API viewer."""

from __future__ import annotations

from importlib.resources import files

from flask import Blueprint, Flask, render_template, send_from_directory

from app.api.answer import answer
from app.api.sync_schemas import HealthOut
from app.auth import may_see_details, public
from app.services.health import health_report

bp = Blueprint("ops", __name__)

SWAGGER_ASSETS = files("flask_openapi3_swagger") / "templates" / "swagger"


@bp.get("/health")
@public
def health():
    report, healthy = health_report(with_details=may_see_details())
    return answer(HealthOut, report, 200 if healthy else 503, {"Cache-Control": "no-store"})


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
