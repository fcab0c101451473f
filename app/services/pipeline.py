"""The plugin pipeline: every event passes the enabled event plugins before it is stored."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from app.config import current_settings
from app.db import write_transaction
from app.models import Event
from app.plugins import BaseEventPlugin, Consumed, EventData, EventPlugin
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
    "plugin_settings",
    "run_pipeline",
    "run_pipeline_batch",
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


def host_context(*, allow_consume: bool) -> HostContext:
    """The context plugins are called with: the settings, each plugin's own settings, the allowed writes."""
    return HostContext(current_settings(), current_pipeline().settings, allow_consume=allow_consume)


def plugin_settings(name: str) -> Any:
    """A discovered plugin's validated settings, for the host features built on them (None without a model)."""
    return current_pipeline().settings.get(name)


def run_pipeline(event: EventData, *, allow_consume: bool = True) -> PipelineOutcome:
    """Pass one event through the enabled event plugins in order (see run_pipeline_batch)."""
    return run_pipeline_batch([event], allow_consume=allow_consume)[0]


def run_pipeline_batch(events: list[EventData], *, allow_consume: bool = True) -> list[PipelineOutcome]:
    """Pass each event through the enabled event plugins in order, all in one write transaction.

    A plugin that raises is logged, named in the event's problems and skipped; its writes for that event are
    undone and the others' kept. With allow_consume False (an edit of a stored event) plugins may annotate
    the event but not turn it into a command, note or link.
    """
    context = host_context(allow_consume=allow_consume)
    plugins = current_pipeline().event_plugins
    with write_transaction() as session:
        outcomes = [_through_plugins(event, plugins, context, session, allow_consume) for event in events]
        context.flush_metrics(session)
    return outcomes


def _through_plugins(
    event: EventData, plugins: list[EventPlugin], context: HostContext, session, allow_consume: bool
) -> PipelineOutcome:
    # The tags a plugin gives are its to recompute: drop them, so they follow the event's current text and time.
    owned = {tag for plugin in plugins for tag in plugin.owned_tags}
    current = event if owned.isdisjoint(event.tags) else event.copy(tags=[t for t in event.tags if t not in owned])
    for plugin in plugins:
        name = plugin.name
        try:
            with context.plugin_call(session, name):
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
    """Call each enabled event plugin's event_metrics and after_store hooks once the event has its id."""
    after_store_batch([event])


def after_store_batch(events: list[EventData]) -> None:
    """Call each enabled event plugin's event_metrics and after_store hooks for stored events, in one transaction.

    The metrics a plugin returns replace the event's analytics row (a later plugin's win). A hook that raises
    is logged and recorded in that event's problems; that plugin's writes and metrics for the event are undone.
    """
    if any(event.id is None for event in events):
        raise ValueError("after_store needs stored events (an event.id is None)")
    context = host_context(allow_consume=False)
    plugins = [plugin for plugin in current_pipeline().event_plugins if _has_stored_hooks(plugin)]
    with write_transaction() as session:
        for event in events:
            problems: list[dict[str, str]] = []
            for plugin in plugins:
                name = plugin.name
                try:
                    with context.plugin_call(session, name):
                        metrics = plugin.event_metrics(event, context)
                        if metrics is not None and event.id is not None:
                            context.keep_metrics(event.id, dict(metrics))
                        plugin.after_store(event, context)
                except Exception as exc:
                    log.exception("plugin %s failed after storing event %s", name, event.id)
                    problems.append({"plugin": name, "message": f"{type(exc).__name__}: {exc}"})
            if problems:
                model = session.get(Event, event.id)
                if model is not None:
                    model.problems = [*(model.problems or []), *problems]
        context.flush_metrics(session)


def _has_stored_hooks(plugin: EventPlugin) -> bool:
    """Whether event_metrics or after_store does more than the base class's no-op (the others are skipped,
    as a sync stores thousands of events)."""
    return not (
        _is_default(plugin.event_metrics, BaseEventPlugin.event_metrics)
        and _is_default(plugin.after_store, BaseEventPlugin.after_store)
    )


def _is_default(hook: Any, default: Any) -> bool:
    return getattr(hook, "__func__", None) is default


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
