"""The optimizer is built in, not a plugin: it runs without being enabled, and "optimizer" names no plugin."""

from __future__ import annotations

from app.services import planning
from tests.optimizer.scenario import add, at


def test_the_optimizer_runs_with_no_scheduling_plugin_enabled(make_app):
    application = make_app({"plugins": {"enabled": ["command_handler"]}})
    with application.app_context():
        first = add("Task", 0, "10:00", "11:00")
        second = add("Call", 0, "10:30", "11:30", event_type="meeting")
        suggestions = planning.current_suggestions(7, at(0, "07:00"))
        assert f"conflict:{first}:{second}" in [s.key for s in suggestions]


def test_enabling_optimizer_as_a_plugin_is_reported_as_unknown(make_app, auth):
    application = make_app({"plugins": {"enabled": ["command_handler", "optimizer"]}})
    health = application.test_client().get("/health", headers=auth).json
    errors = {error["plugin"]: error["error"] for error in health["details"]["plugins"]["load_errors"]}
    assert errors == {"optimizer": "enabled but no plugin has this name"}
