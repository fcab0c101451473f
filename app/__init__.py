"""Application factory shared by the web process, the daemon and the CLI."""

from __future__ import annotations

import logging
import sys
from datetime import timedelta
from typing import Any

from flask_migrate import Migrate
from flask_openapi3 import Info, OpenAPI
from werkzeug.routing import IntegerConverter

from app import db as database
from app import extensions, schema
from app.api.schemas import MAX_ID
from app.auth import DashboardOnlySessions
from app.config import SETTINGS_KEY
from app.logs import configure_logging
from app.settings import ConfigError, Settings, ensure_secret_key, load_settings, masked_url
from app.version import app_version

log = logging.getLogger(__name__)


def create_app(overrides: dict[str, Any] | None = None, *, settings: Settings | None = None) -> OpenAPI:
    """Build the app: settings -> logging -> extensions -> blueprints -> plugins -> CLI."""
    from app import api, audit, cli, dashboard, error_handlers, health, metrics, security
    from app.api import queue_lane
    from app.api.schemas import ErrorResponse
    from app.api.validation import validation_error_response

    settings = settings or load_settings(overrides)
    configure_logging(settings)
    settings.instance_path.mkdir(parents=True, exist_ok=True)

    app = OpenAPI(
        __name__,
        info=Info(title="Chronos Engine API", version=app_version()),
        security_schemes={"bearerAuth": {"type": "http", "scheme": "bearer"}},
        doc_ui=False,
        validation_error_callback=validation_error_response,
        validation_error_model=ErrorResponse,
        responses={401: ErrorResponse},
        instance_path=str(settings.instance_path),
        template_folder="../templates",
        static_folder="../static",
    )
    app.url_map.converters["int"] = IdConverter
    app.config.update(
        {
            SETTINGS_KEY: settings,
            "SECRET_KEY": ensure_secret_key(settings),
            "SQLALCHEMY_DATABASE_URI": settings.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": database.engine_options(settings),
            "MAX_CONTENT_LENGTH": settings.web.max_request_bytes,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": settings.app.env == "production",
            "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
            # Only a response that changed the session sends its cookie: otherwise a slow response to a request
            # made with the previous cookie (a poll, a static file) could put it back over a newer one, losing
            # what the newer one carries (a flash message, a sign-in).
            "SESSION_REFRESH_EACH_REQUEST": False,
            "WTF_CSRF_TIME_LIMIT": None,
            "WTF_CSRF_HEADERS": ["X-CSRFToken"],
            "TESTING": settings.app.env == "test",
        }
    )

    app.session_interface = DashboardOnlySessions()
    extensions.db.init_app(app)
    extensions.csrf.init_app(app)
    extensions.htmx.init_app(app)
    with app.app_context():
        database.configure_engine(extensions.db.engine)
        database.check_connection()
        log.info(
            "database %s (%s): %s",
            masked_url(settings.database_url),
            database.server_version(),
            schema.upgrade_database(),
        )

    security.init_app(app)
    api.init_app(app)
    dashboard.init_app(app)
    health.init_app(app)
    metrics.init_app(app)
    audit.init_app(app)
    error_handlers.init_app(app)
    queue_lane.install(app)
    Migrate(app, extensions.db, directory=str(schema.MIGRATIONS))  # `flask db ...`; registers itself
    _load_plugins(app)
    cli.init_app(app)
    log.info("Chronos Engine %s starting", app_version())
    if settings.calendar.accounts:
        log.info(
            "calendar.accounts is set (%s): calendar.source, credentials_file, token_file, calendars and ics_feeds "
            "are ignored",
            ", ".join(f"{account.name} ({account.type})" for account in settings.calendar.accounts),
        )
    return app


class IdConverter(IntegerConverter):
    """`<int:...>` URL parts that fit an id column on both backends (MAX_ID); larger ones match no route (404)
    instead of reaching PostgreSQL, which refuses them as out of range."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def _load_plugins(app: OpenAPI) -> None:
    """Discover plugins now so that import failures are reported at start-up, not at first use."""
    from app.services import pipeline

    pipeline.install(app, pipeline.load_pipeline(app.config[SETTINGS_KEY]))


def build_app() -> OpenAPI:
    """The app for waitress and the CLI: a configuration problem becomes one line on stderr and exit status 2."""
    try:
        return create_app()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
