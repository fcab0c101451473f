"""The plugin pipeline: every event passes the enabled event plugins before it is stored."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app

from app.config import current_settings
from app.db import write_transaction
from app.models import Event
from app.plugins import Consumed, EventData, Suggestion
from app.services.plugin_context import ConsumeRefused, HostContext
from app.services.plugin_loader import Pipeline, load_pipeline

log = logging.getLogger("chronos.plugins")

__all__ = [
    "Pipeline",
    "PipelineOutcome",
    "after_store",
    "after_store_batch",
    "apply_event_data",
    "current_pipeline",
    "event_data_from_model",
    "install",
    "load_pipeline",
    "plugin_name",
    "run_pipeline",
    "run_pipeline_batch",
    "scheduling_suggestions",
]

EXTENSION_KEY = "chronos.plugins"
COPIED_FIELDS = (
    "title",
    "start_time",
    "end_time",
    "description",
    "location",
    "all_day",
    "all_day_date",
    "timezone",
    "calendar_id",
    "source",
    "external_id",
    "priority",
    "event_type",
    "status",
)


@dataclass(frozen=True)
class PipelineOutcome:
    """What became of an event: the (possibly changed) event to store, or what consumed it."""

    event: EventData | None
    consumed: Consumed | None = None


def install(app: Flask, pipeline: Pipeline) -> None:
    """Make `pipeline` the one current_pipeline() answers within this app (create_app does it at start-up)."""
    app.extensions[EXTENSION_KEY] = pipeline


def current_pipeline() -> Pipeline:
    """The pipeline create_app loaded for this app."""
    return current_app.extensions[EXTENSION_KEY]


def run_pipeline(event: EventData, *, allow_consume: bool = True) -> PipelineOutcome:
    """Pass one event through the enabled event plugins in order (see run_pipeline_batch)."""
    return run_pipeline_batch([event], allow_consume=allow_consume)[0]


def run_pipeline_batch(events: list[EventData], *, allow_consume: bool = True) -> list[PipelineOutcome]:
    """Pass each event through the enabled event plugins in order, all in one write transaction.

    A plugin that raises is logged, named in the event's problems and skipped; its writes for that event are
    undone and the others' kept. With allow_consume False (an edit of a stored event) plugins may annotate
    the event but not turn it into a command, note or link.
    """
    context = HostContext(current_settings(), allow_consume=allow_consume)
    plugins = current_pipeline().event_plugins
    with write_transaction() as session:
        outcomes = [_through_plugins(event, plugins, context, session, allow_consume) for event in events]
        context.flush_metrics(session)
    return outcomes


def _through_plugins(event: EventData, plugins, context: HostContext, session, allow_consume: bool) -> PipelineOutcome:
    current = event
    for plugin in plugins:
        name = plugin_name(plugin)
        try:
            with context.plugin_call(session):
                result = plugin.process(current, context)
        except ConsumeRefused as exc:
            current = _with_problem(current, name, str(exc))
            continue
        except Exception as exc:
            log.exception("plugin %s failed on event %r", name, event.title)
            current = _with_problem(current, name, f"{type(exc).__name__}: {exc}")
            continue
        if isinstance(result, Consumed):
            if allow_consume:
                return PipelineOutcome(event=None, consumed=result)
            current = _with_problem(current, name, "an edited event is not consumed; create a new one")
        elif isinstance(result, EventData):
            current = result
        else:
            current = _with_problem(current, name, f"returned {type(result).__name__}, not an event")
    return PipelineOutcome(event=current)


def after_store(event: EventData) -> None:
    """Call each enabled plugin's optional after_store hook once the event has its id."""
    after_store_batch([event])


def after_store_batch(events: list[EventData]) -> None:
    """Call each enabled plugin's optional after_store hook for stored events, in one write transaction.

    A hook that raises is logged and recorded in that event's problems; its writes for that event are undone.
    """
    if any(event.id is None for event in events):
        raise ValueError("after_store needs stored events (an event.id is None)")
    context = HostContext(current_settings(), allow_consume=False)
    hooks = [
        (plugin_name(plugin), plugin.after_store)
        for plugin in current_pipeline().event_plugins
        if callable(getattr(plugin, "after_store", None))
    ]
    with write_transaction() as session:
        for event in events:
            problems: list[dict[str, str]] = []
            for name, hook in hooks:
                try:
                    with context.plugin_call(session):
                        hook(event, context)
                except Exception as exc:
                    log.exception("plugin %s failed after storing event %s", name, event.id)
                    problems.append({"plugin": name, "message": f"{type(exc).__name__}: {exc}"})
            if problems:
                model = session.get(Event, event.id)
                if model is not None:
                    model.problems = [*(model.problems or []), *problems]
        context.flush_metrics(session)


def plugin_name(plugin: Any) -> str:
    """The name a plugin reports itself by (its class name when it sets none)."""
    return getattr(plugin, "name", type(plugin).__name__)


def scheduling_suggestions(
    events: list[EventData], window_start: datetime, window_end: datetime
) -> tuple[list[Suggestion], list[dict[str, str]]]:
    """Ask every enabled scheduling plugin; a plugin that raises is logged and reported, not fatal."""
    context = HostContext(current_settings(), allow_consume=False)
    suggestions: list[Suggestion] = []
    problems: list[dict[str, str]] = []
    for plugin in current_pipeline().scheduling_plugins:
        name = plugin_name(plugin)
        try:
            found = plugin.suggest(list(events), window_start, window_end, context)
            suggestions.extend(item for item in found if isinstance(item, Suggestion))
        except Exception as exc:
            log.exception("scheduling plugin %s failed", name)
            problems.append({"plugin": name, "message": f"{type(exc).__name__}: {exc}"})
    return suggestions, problems


def _with_problem(event: EventData, plugin: str, message: str) -> EventData:
    return event.copy(problems=[*event.problems, {"plugin": plugin, "message": message}])


def event_data_from_model(event: Event) -> EventData:
    """The pipeline's view of a stored event (lists copied, so plugins cannot mutate the row)."""
    values: dict[str, Any] = {name: getattr(event, name) for name in COPIED_FIELDS}
    values.update(
        description=event.description or "",
        location=event.location or "",
        attendees=list(event.attendees or []),
        tags=list(event.tags or []),
        problems=[dict(problem) for problem in event.problems or []],
        id=event.id,
    )
    return EventData(**values)


def apply_event_data(model: Event, data: EventData) -> None:
    """Copy an EventData onto a model row (the id is never changed)."""
    for name in COPIED_FIELDS:
        setattr(model, name, getattr(data, name))
    model.description = data.description or ""
    model.location = data.location or ""
    model.attendees = list(data.attendees)
    model.tags = list(dict.fromkeys(data.tags))
    model.problems = [dict(problem) for problem in data.problems]
