"""Suggestions from the enabled SchedulingPlugins, listed beside the built-in optimizer's own.

This is the one place the plugins are asked. Their suggestions are shown and can be dismissed, but never
applied: only the optimizer's own moves are checked against the planning rules (fixed events, working
hours, no new conflicts).
"""

from __future__ import annotations

import logging
from datetime import datetime

from app.plugins import EventData, Suggestion
from app.services.optimizer import ORDER, Finding
from app.timeutil import format_utc

log = logging.getLogger("chronos.plugins")

PREFIX = "plugin:"


def plugin_findings(events: list[EventData], start: datetime, end: datetime) -> list[Finding]:
    """Each enabled scheduling plugin's suggestions for the window; a plugin that raises is logged and skipped."""
    from app.services.pipeline import current_pipeline, host_context  # late: the pipeline imports events

    context = host_context(allow_consume=False)
    found: list[Finding] = []
    for plugin in current_pipeline().scheduling_plugins:
        try:
            with context.plugin_call(None, plugin.name):
                suggestions = list(plugin.suggest([event.copy() for event in events], start, end, context))
        except Exception:
            log.exception("scheduling plugin %s failed", plugin.name)
            continue
        for item in suggestions:
            if not isinstance(item, Suggestion) or item.type not in ORDER:
                log.warning("scheduling plugin %s returned %r, which is no Suggestion; ignored", plugin.name, item)
                continue
            key = f"{PREFIX}{plugin.name}:{item.type}:{item.event_id or ''}:{format_utc(item.proposed_start) or ''}"
            found.append(Finding(item, key, (item.event_id,) if item.event_id else (), trigger=PREFIX + plugin.name))
    return found


def from_plugin(finding: Finding) -> bool:
    return finding.key.startswith(PREFIX)
