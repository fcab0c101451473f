"""Plugin settings: validated by each plugin's model, one clear line per mistake, old keys still accepted."""

from __future__ import annotations

import logging

import pytest

from app.services.pipeline import current_pipeline, plugin_settings
from app.settings import ConfigError, load_settings
from tests.plugins.test_pipeline import app_with, write_plugin

BASE = "/api/v1/events"
ACTION = {"title": "ACTION: LAUNCH hub", "start_time": "2030-05-08T10:00:00Z"}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"wellness": {"late_hour": 30}}, "config error: wellness.late_hour in overrides: "),
        ({"wellness": {"typo": 1}}, "config error: wellness.typo in overrides: unknown key"),
        (
            {"command_handler": {"action_whitelist": ["lower"]}},
            "config error: command_handler.action_whitelist in overrides: 'lower' is not an upper-case word",
        ),
        (
            {"plugins": {"settings": {"wellness": {"late_hour": "x"}}}},
            "config error: plugins.settings.wellness.late_hour in overrides: ",
        ),
        ({"plugins": {"settings": {"nope": {}}}}, "config error: plugins.settings.nope in overrides: no plugin"),
        ({"plugins": {"settings": {"analytics": {"a": 1}}}}, "config error: plugins.settings.analytics in overrides: "),
    ],
)
def test_a_bad_plugin_setting_stops_start_up_with_one_line(make_app, overrides, expected):
    with pytest.raises(ConfigError) as caught:
        make_app(overrides)
    assert str(caught.value).startswith(expected) and "\n" not in str(caught.value)


def test_command_handler_settings_are_read_from_either_place(make_app, auth):
    for overrides in (
        {"command_handler": {"action_whitelist": ["LAUNCH"]}},
        {"plugins": {"settings": {"command_handler": {"action_whitelist": ["LAUNCH"]}}}},
    ):
        response = make_app(overrides).test_client().post(BASE, json=ACTION, headers=auth)
        assert response.status_code == 202 and response.json["result"]["kind"] == "command"
    rejected = make_app().test_client().post(BASE, json=ACTION, headers=auth).json
    assert rejected["tags"] == ["command-rejected"]


def test_plugins_settings_win_over_the_top_level_section(make_app):
    app = make_app({"wellness": {"late_hour": 18}, "plugins": {"settings": {"wellness": {"late_hour": 21}}}})
    with app.app_context():
        assert plugin_settings("wellness").late_hour == 21
        assert plugin_settings("analytics") is None


def test_a_custom_plugin_reads_its_own_settings(make_app, auth, tmp_path):
    directory = tmp_path / "custom"
    write_plugin(
        directory,
        "stamp",
        """
        from app.plugins import BaseEventPlugin, PluginSettings


        class StampSettings(PluginSettings):
            stamp: str = "default"


        class Stamp(BaseEventPlugin):
            name = "stamp"
            settings_model = StampSettings

            def process(self, event, context):
                return event.copy(location=context.plugin_settings.stamp)


        plugin = Stamp()
    """,
    )
    app = make_app(
        {"plugins": {"custom_directory": str(directory), "enabled": ["stamp"], "settings": {"stamp": {"stamp": "x"}}}}
    )
    event = app.test_client().post(BASE, json=ACTION, headers=auth).json
    assert event["location"] == "x"
    with app.app_context():
        assert [plugin.name for plugin in current_pipeline().event_plugins] == ["stamp"]


def test_a_duck_typed_plugin_gets_the_default_hooks(make_app, auth, tmp_path):
    directory = tmp_path / "custom"
    write_plugin(
        directory,
        "plain",
        """
        class Plain:
            name = "plain"

            def process(self, event, context):
                return event.copy(tags=[*event.tags, "plain"])


        plugin = Plain()
    """,
    )
    app = app_with(make_app, directory, ["plain", "analytics"])
    event = app.test_client().post(BASE, json=ACTION, headers=auth).json
    assert event["tags"] == ["plain"]
    with app.app_context():
        plain = current_pipeline().event_plugins[0]
        assert plain.after_store(None, None) is None and plain.event_metrics(None, None) is None


def test_wellness_max_daily_hours_is_a_deprecated_alias(tmp_path, caplog):
    overlay = tmp_path / "local.yaml"
    overlay.write_text("wellness:\n  max_daily_hours: 10\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="chronos.settings"):
        settings = load_settings(environ={"CHRONOS_CONFIG": str(overlay)})
    assert settings.planning.max_daily_hours == 10
    assert "max_daily_hours" not in settings.wellness
    assert "wellness.max_daily_hours" in caplog.text and "use planning.max_daily_hours" in caplog.text


def test_the_new_key_wins_over_the_alias_in_the_same_or_a_later_layer(tmp_path, caplog):
    overlay = tmp_path / "local.yaml"
    overlay.write_text("wellness:\n  max_daily_hours: 10\nplanning:\n  max_daily_hours: 6\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="chronos.settings"):
        settings = load_settings(environ={"CHRONOS_CONFIG": str(overlay), "CHRONOS__PLANNING__MAX_DAILY_HOURS": "7"})
    assert settings.planning.max_daily_hours == 7
    assert "ignored" in caplog.text
