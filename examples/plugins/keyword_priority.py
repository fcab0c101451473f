"""An example plugin with settings: events that mention a configured keyword get a priority and a tag.

Enable it through the normal plugin configuration (config/chronos.yaml or the file named by CHRONOS_CONFIG):

    plugins:
      custom_directory: examples/plugins
      enabled: [command_handler, keyword_priority, analytics, wellness]
      settings:
        keyword_priority:
          keywords: [invoice, contract]
          priority: HIGH

A wrong value (a priority that does not exist, an empty keyword, an unknown key) stops start-up with one line
naming the key, e.g. `config error: plugins.settings.keyword_priority.priority in local.yaml: ...`.
"""

from __future__ import annotations

import re
from typing import Literal

from app.plugins import BaseEventPlugin, EventData, PluginContext, PluginSettings, field_validator

TAG = "keyword-priority"


class KeywordPrioritySettings(PluginSettings):
    """plugins.settings.keyword_priority: which words count, and the priority they give."""

    keywords: list[str] = []
    priority: Literal["LOW", "MEDIUM", "HIGH", "URGENT"] = "HIGH"

    @field_validator("keywords")
    @classmethod
    def _words(cls, value: list[str]) -> list[str]:
        """Each keyword is a word or phrase; an empty one would match every event."""
        if any(not word.strip() for word in value):
            raise ValueError("keywords must not be empty")
        return [word.strip() for word in value]


class KeywordPriority(BaseEventPlugin):
    """Sets the configured priority on events whose title or description mentions a keyword."""

    name = "keyword_priority"
    settings_model = KeywordPrioritySettings
    owned_tags = (TAG,)  # the host removes it before each pass, so an edited event is judged afresh

    def process(self, event: EventData, context: PluginContext) -> EventData:
        config: KeywordPrioritySettings = context.plugin_settings
        if not config.keywords:
            return event
        words = "|".join(re.escape(word) for word in config.keywords)
        if not re.search(rf"\b({words})\b", f"{event.title}\n{event.description}", re.IGNORECASE):
            return event
        return event.copy(priority=config.priority, tags=[*event.tags, TAG])


plugin = KeywordPriority()
