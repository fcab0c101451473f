"""The server-rendered htmx dashboard."""

from __future__ import annotations

from importlib.resources import files

from flask import Blueprint, Flask, current_app, render_template, send_from_directory

from app.auth import is_logged_in
from app.config import current_settings
from app.dashboard.forms import LogoutForm

bp = Blueprint("dashboard", __name__)

# Navigation for every dashboard area; an area shows up once its endpoint exists.
NAV_ITEMS = [
    ("Today", "dashboard.home"),
    ("Events", "dashboard.event_list"),
    ("Calendar", "dashboard.calendar_week"),
    ("Templates", "dashboard.template_list"),
    ("Commands", "dashboard.command_list"),
    ("Notes", "dashboard.note_list"),
    ("Sync", "dashboard.sync_status"),
    ("Analytics", "dashboard.analytics"),
    ("Keys", "dashboard.key_list"),
    ("Webhooks", "dashboard.webhook_list"),
    ("Audit", "dashboard.audit_log"),
]

HTMX_DIR = files("js_lib_htmx") / "static" / "htmx"


def init_app(app: Flask) -> None:
    # Each area's views attach their routes to `bp` when imported; they import `bp` from here, so they are
    # imported once this module is complete, never while it loads.
    from app.dashboard import (  # noqa: F401
        views_agenda,
        views_analytics,
        views_audit,
        views_calendar,
        views_commands,
        views_common,
        views_events,
        views_home,
        views_keys,
        views_notes,
        views_sync,
        views_templates,
        views_webhooks,
    )
    from app.dashboard.google import bp as google_bp

    app.register_blueprint(bp)
    app.register_blueprint(google_bp)
    app.add_url_rule("/vendor/htmx.min.js", "vendor_htmx", _htmx_script)

    @app.context_processor
    def _layout_context():
        return {
            "logged_in": is_logged_in(),
            "default_key_in_use": current_settings().uses_default_api_key,
            "logout_form": LogoutForm(formdata=None),  # never reads the request: error pages render it too
            "nav_items": [(label, endpoint) for label, endpoint in NAV_ITEMS if endpoint in current_app.view_functions],
        }


def render_error_page(status: int, message: str):
    """The dashboard's error page for any error outside the API."""
    titles = {
        400: "Bad request",
        403: "Forbidden",
        404: "Page not found",
        405: "Method not allowed",
        413: "Too large",
        422: "Not a valid request",
        500: "Something went wrong",
    }
    return render_template("error.html", status=status, title=titles.get(status, "Error"), message=message), status


def _htmx_script():
    """htmx from the installed django-js-lib-htmx wheel: served by us, never from a CDN."""
    return send_from_directory(str(HTMX_DIR), "htmx.min.js", max_age=86400)
