"""Settings: layering, environment overrides and one clear line for each failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import DEFAULT_CONFIG_FILE, ConfigError, load_settings
from plugins.command_handler import CommandHandlerSettings


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_come_from_the_committed_file():
    settings = load_settings(environ={})
    assert settings.calendar.source == "auto"
    assert settings.calendar.calendars == ["primary"]
    assert settings.commands.lease_seconds == 300
    assert settings.commands.max_attempts == 5
    handler = CommandHandlerSettings.model_validate(settings.plugin_section("command_handler"))
    assert handler.deliver_at_event_start is False
    assert settings.database.url.startswith("sqlite:///")
    assert settings.database.url.endswith("instance/chronos.db")


def test_overlay_file_then_environment_win_in_order(tmp_path):
    overlay = write(tmp_path / "local.yaml", "app:\n  timezone: Europe/Berlin\ncommands:\n  lease_seconds: 60\n")
    settings = load_settings(environ={"CHRONOS_CONFIG": str(overlay), "CHRONOS_TIMEZONE": "America/New_York"})
    assert settings.commands.lease_seconds == 60  # from the overlay
    assert settings.app.timezone == "America/New_York"  # environment beats the overlay
    assert settings.plugin_section("command_handler")["action_whitelist"][0] == "REBOOT"  # untouched: base value


@pytest.mark.parametrize(
    ("name", "value", "attribute", "expected"),
    [
        ("CHRONOS_API_KEY", "a-very-secret-key", ("api", "api_key"), "a-very-secret-key"),
        ("CHRONOS_DATABASE_URL", "sqlite:////tmp/x.db", ("database", "url"), "sqlite:////tmp/x.db"),
        ("CHRONOS_SECRET_KEY", "s3cret", ("app", "secret_key"), "s3cret"),
        ("CHRONOS_INSTANCE_PATH", "/tmp/chronos-inst", ("app", "instance_path"), "/tmp/chronos-inst"),
        ("CHRONOS_TIMEZONE", "Asia/Tokyo", ("app", "timezone"), "Asia/Tokyo"),
        ("CHRONOS_CALENDAR_SOURCE", "ics", ("calendar", "source"), "ics"),
        ("PORT", "9090", ("web", "port"), 9090),
        ("CHRONOS__COMMANDS__MAX_ATTEMPTS", "7", ("commands", "max_attempts"), 7),
    ],
)
def test_environment_overrides(name, value, attribute, expected):
    settings = load_settings(environ={name: value})
    section, key = attribute
    assert getattr(getattr(settings, section), key) == expected


def test_unknown_key_names_key_and_file(tmp_path):
    overlay = write(tmp_path / "bad.yaml", "calendar:\n  sorce: demo\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"CHRONOS_CONFIG": str(overlay)})
    message = str(caught.value)
    assert "calendar.sorce" in message and str(overlay) in message and "unknown key" in message
    assert "\n" not in message


def test_wrong_type_names_key_and_file(tmp_path):
    overlay = write(tmp_path / "bad.yaml", "commands:\n  lease_seconds: soon\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"CHRONOS_CONFIG": str(overlay)})
    message = str(caught.value)
    assert "commands.lease_seconds" in message and str(overlay) in message and "soon" in message


def test_wrong_type_from_environment_names_the_environment():
    with pytest.raises(ConfigError, match=r"web\.port in environment"):
        load_settings(environ={"PORT": "eighty"})


def test_unreadable_file_is_one_line(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match=r"cannot read .*nope\.yaml"):
        load_settings(environ={"CHRONOS_CONFIG": str(missing)})


def test_invalid_yaml_names_file_and_line(tmp_path):
    overlay = write(tmp_path / "broken.yaml", "app:\n  env: [unclosed\n")
    with pytest.raises(ConfigError, match=r"broken\.yaml line \d+ is not valid YAML"):
        load_settings(environ={"CHRONOS_CONFIG": str(overlay)})


def test_unknown_time_zone_is_rejected():
    with pytest.raises(ConfigError, match=r"app\.timezone in environment: unknown time zone"):
        load_settings(environ={"CHRONOS_TIMEZONE": "Mars/Olympus"})


def test_production_refuses_the_default_key():
    with pytest.raises(ConfigError, match=r"api\.api_key"):
        load_settings(environ={"CHRONOS_ENV": "production"})
    settings = load_settings(environ={"CHRONOS_ENV": "production", "CHRONOS_API_KEY": "x" * 32})
    assert settings.app.env == "production"


def test_settings_are_frozen():
    settings = load_settings(environ={})
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises its own ValidationError subclass
        settings.commands.lease_seconds = 1


def test_every_key_in_the_committed_file_is_commented():
    lines = DEFAULT_CONFIG_FILE.read_text().splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        is_value = stripped and not stripped.startswith(("#", "-")) and not stripped.endswith(":")
        if is_value:
            previous = lines[index - 1].strip()
            assert previous.startswith("#"), f"line {index + 1} ({stripped}) has no comment above it"


def test_masked_output_hides_secrets():
    settings = load_settings(
        environ={
            "CHRONOS_API_KEY": "super-secret-value",
            "CHRONOS_SECRET_KEY": "abc",
            "CHRONOS_DATABASE_URL": "postgresql://bob:hunter2@db/chronos",
        }
    )
    masked = settings.masked()
    assert masked["api"]["api_key"] == "****"
    assert masked["app"]["secret_key"] == "****"
    assert "hunter2" not in masked["database"]["url"]


def _leaf_keys(model_class, prefix=""):
    from pydantic import BaseModel

    from plugins.wellness import WellnessSettings

    # The built-in plugins' top-level sections are checked against the plugins' own settings models.
    plugin_models = {"command_handler": CommandHandlerSettings, "wellness": WellnessSettings}
    for name, field in model_class.model_fields.items():
        annotation = field.annotation
        if not prefix and name in plugin_models:
            yield from _leaf_keys(plugin_models[name], f"{name}.")
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel) and name != "ics_feeds":
            yield from _leaf_keys(annotation, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


def test_readme_documents_every_setting():
    from app.settings import PROJECT_ROOT, Settings

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [key for key in _leaf_keys(Settings) if f"`{key}`" not in readme]
    assert missing == []


def test_committed_file_sets_every_setting():
    import yaml

    from app.settings import Settings

    data = yaml.safe_load(DEFAULT_CONFIG_FILE.read_text())
    for key in _leaf_keys(Settings):
        node = data
        for part in key.split("."):
            assert isinstance(node, dict) and part in node, f"{key} is missing from config/chronos.yaml"
            node = node[part]


def test_google_files_follow_the_instance_folder(tmp_path):
    settings = load_settings(environ={"CHRONOS_INSTANCE_PATH": str(tmp_path / "elsewhere")})
    assert settings.calendar.token_file == str(tmp_path / "elsewhere" / "token.json")
    assert settings.calendar.credentials_file == str(tmp_path / "elsewhere" / "credentials.json")


def test_per_calendar_colour_and_work_flag(tmp_path):
    overlay = write(tmp_path / "look.yaml", 'calendar:\n  per_calendar:\n    team: {color: "#1a7f37"}\n')
    settings = load_settings(environ={"CHRONOS_CONFIG": str(overlay)})
    looks = settings.calendar.per_calendar
    assert looks["team"].color == "#1a7f37" and looks["team"].work is True
    assert looks["personal"].work is False  # the committed default marks the demo's private calendar


def test_per_calendar_colour_must_be_hex(tmp_path):
    overlay = write(tmp_path / "look.yaml", "calendar:\n  per_calendar:\n    team: {color: red}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"CHRONOS_CONFIG": str(overlay)})
    assert "calendar.per_calendar.team.color" in str(caught.value) and "\n" not in str(caught.value)
