"""The optimizer is also a SchedulingPlugin that the plugin loader finds and enables by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.plugins import EventData, SchedulingPlugin, Suggestion
from app.services.plugin_loader import load_pipeline
from tests.optimizer.scenario import at


@dataclass
class Context:
    settings: Any


def test_loader_enables_the_optimizer_plugin(make_app):
    settings = make_app({"plugins": {"enabled": ["command_handler", "optimizer"]}}).config["CHRONOS_SETTINGS"]
    pipeline = load_pipeline(settings)
    plugin = next(p for p in pipeline.scheduling_plugins if p.name == "optimizer")
    assert isinstance(plugin, SchedulingPlugin)
    task = EventData(id=1, title="Task", start_time=at(0, "10:00"), end_time=at(0, "11:00"), event_type="task")
    call = EventData(id=2, title="Call", start_time=at(0, "10:30"), end_time=at(0, "11:30"))
    start = at(0, "00:00")
    suggestions = plugin.suggest([task, call], start, start + timedelta(days=7), Context(settings))
    assert all(isinstance(s, Suggestion) for s in suggestions)
    assert {s.type for s in suggestions} >= {"conflict"}
