"""Access to the settings of the running app."""

from __future__ import annotations

from flask import current_app

from app.settings import Settings

SETTINGS_KEY = "CHRONOS_SETTINGS"


def current_settings() -> Settings:
    return current_app.config[SETTINGS_KEY]
