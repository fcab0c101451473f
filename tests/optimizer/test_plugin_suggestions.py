"""Other SchedulingPlugins' suggestions are listed beside the optimizer's, isolated, and never applied."""

from __future__ import annotations

import textwrap

import pytest

from app.errors import ConflictError
from app.services import planning
from tests.optimizer.scenario import add, all_times, at, current_suggestions, optimize

PLUGINS = textwrap.dedent("""
    from datetime import timedelta

    from app.plugins import Suggestion


    class EarlyBird:
        name = "early_bird"

        def suggest(self, events, window_start, window_end, context):
            return [Suggestion("move", "Tasks go first thing in the morning.", 0.3, event_id=e.id,
                               proposed_start=e.start_time - timedelta(hours=1),
                               proposed_end=e.end_time - timedelta(hours=1))
                    for e in events if e.event_type == "task"] + ["not a suggestion"]


    class Broken:
        name = "broken"

        def suggest(self, events, window_start, window_end, context):
            raise RuntimeError("boom")


    PLUGINS = [EarlyBird, Broken]
""")


@pytest.fixture
def plugin_app(make_app, tmp_path):
    folder = tmp_path / "custom_plugins"
    folder.mkdir()
    (folder / "scheduling_extras.py").write_text(PLUGINS)
    application = make_app(
        {"plugins": {"enabled": ["command_handler", "early_bird", "broken"], "custom_directory": str(folder)}}
    )
    with application.app_context():
        yield application


def test_plugin_suggestions_are_listed_but_never_applied(plugin_app):
    task = add("Task", 0, "11:00", "12:00")
    now = at(0, "07:00")
    suggestions = current_suggestions(7, now)
    extra = [s for s in suggestions if s["key"].startswith("plugin:early_bird:")]
    assert [(s["type"], s["event_id"], s["proposed_start"]) for s in extra] == [("move", task, "2026-03-02T10:00:00Z")]
    before = all_times()
    assert optimize(7, auto_apply=True, now=now)["applied"] == []
    assert all_times() == before
    with pytest.raises(ConflictError):
        planning.apply_suggestion(extra[0]["key"], now=now)
    planning.dismiss_suggestion(extra[0]["key"])
    assert not [s for s in current_suggestions(7, now) if s["key"].startswith("plugin:")]
