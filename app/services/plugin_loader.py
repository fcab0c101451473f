"""Plugin discovery: the built-in `plugins` package plus every module of plugins.custom_directory.

Each discovered plugin's settings are validated here against its own settings model, so a bad value stops
start-up with one line, as a bad core setting does.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import pkgutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import ValidationError

from app.plugins import BaseEventPlugin, BaseSchedulingPlugin, EventPlugin, PluginSettings, SchedulingPlugin
from app.settings import ConfigError, Settings

log = logging.getLogger("chronos.plugins")

BUILTIN_PACKAGE = "plugins"
CUSTOM_PREFIX = "chronos_custom_plugins"


@dataclass
class Pipeline:
    """The enabled plugins in pipeline order, and what went wrong while loading them."""

    event_plugins: list[EventPlugin] = field(default_factory=list)
    scheduling_plugins: list[SchedulingPlugin] = field(default_factory=list)
    load_errors: list[dict[str, str]] = field(default_factory=list)
    available: list[str] = field(default_factory=list)
    # Every discovered plugin's validated settings (None for a plugin without a settings model).
    settings: dict[str, PluginSettings | None] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Names of the enabled plugins, event plugins first, each once."""
        every = [plugin.name for plugin in self.event_plugins] + [plugin.name for plugin in self.scheduling_plugins]
        return list(dict.fromkeys(every))


def load_pipeline(settings: Settings) -> Pipeline:
    """Discover every plugin, then keep the enabled ones in the configured order."""
    pipeline = Pipeline()
    found: dict[str, Any] = {}
    for module_name, loader in _candidate_modules(settings):
        try:
            module = loader()
        except Exception as exc:  # a broken plugin must never stop the app
            log.exception("plugin module %s failed to import", module_name)
            pipeline.load_errors.append({"plugin": module_name, "error": f"{type(exc).__name__}: {exc}"})
            continue
        for plugin in _plugins_of(module):
            if plugin.name in found:
                log.warning("plugin name %r in %s is taken already; the first one is kept", plugin.name, module_name)
                continue
            found[plugin.name] = plugin
    pipeline.available = sorted(found)
    failed = {error["plugin"] for error in pipeline.load_errors}
    pipeline.settings = _validated_settings(settings, found, failed)
    for name in settings.plugins.enabled:
        plugin = found.get(name)
        if plugin is None:
            if name not in failed:
                pipeline.load_errors.append({"plugin": name, "error": "enabled but no plugin has this name"})
                log.error("plugin %s is enabled but was not found", name)
            continue
        if isinstance(plugin, EventPlugin):
            pipeline.event_plugins.append(plugin)
        if isinstance(plugin, SchedulingPlugin):
            pipeline.scheduling_plugins.append(plugin)
        if isinstance(plugin, _Both):
            pipeline.event_plugins.append(plugin.event)
            pipeline.scheduling_plugins.append(plugin.scheduling)
    log.info("plugins enabled: %s", ", ".join(pipeline.names) or "none")
    return pipeline


def _candidate_modules(settings: Settings) -> list[tuple[str, Any]]:
    """(name, import function) for each built-in module and each custom-directory module."""
    candidates: list[tuple[str, Any]] = []
    builtin_dir: Path | None = None
    try:
        package = importlib.import_module(BUILTIN_PACKAGE)
        builtin_dir = Path(next(iter(package.__path__))).resolve()
        for info in pkgutil.iter_modules(package.__path__):
            if not info.name.startswith("_"):
                qualified = f"{BUILTIN_PACKAGE}.{info.name}"
                candidates.append((info.name, lambda q=qualified: importlib.import_module(q)))
    except ImportError as exc:
        log.error("the built-in plugins package cannot be imported: %s", exc)
    custom = Path(settings.plugins.custom_directory) if settings.plugins.custom_directory else None
    if custom is not None and custom.is_dir() and custom.resolve() != builtin_dir:
        for path in sorted(custom.glob("*.py")):
            if not path.name.startswith("_"):
                candidates.append((path.stem, lambda p=path: _import_file(p)))
    elif custom is not None and not custom.is_dir():
        log.warning("plugins.custom_directory %s does not exist; no custom plugins loaded", custom)
    return candidates


def _import_file(path: Path) -> ModuleType:
    """Import one custom plugin file under a private module name (re-imported on each load)."""
    name = f"{CUSTOM_PREFIX}.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _validated_settings(
    settings: Settings, found: dict[str, Any], failed: set[str]
) -> dict[str, PluginSettings | None]:
    """Each discovered plugin's settings, validated by its model; raises ConfigError naming the key."""
    for name in settings.plugins.settings:
        if name not in found and name not in failed:
            known = ", ".join(sorted(found)) or "none"
            origin = settings.setting_origin("plugins", "settings", name)
            raise ConfigError(f"config error: plugins.settings.{name} in {origin}: no plugin has this name ({known})")
    validated: dict[str, PluginSettings | None] = {}
    for name, plugin in found.items():
        model = _settings_model(plugin)
        raw = settings.plugin_section(name)
        if model is None:
            if raw:
                origin = settings.setting_origin("plugins", "settings", name)
                raise ConfigError(f"config error: plugins.settings.{name} in {origin}: plugin {name} has no settings")
            validated[name] = None
            continue
        try:
            validated[name] = model.model_validate(raw)
        except ValidationError as exc:
            raise settings.plugin_setting_error(name, exc) from None
    return validated


def _settings_model(plugin: Any) -> type[PluginSettings] | None:
    return (plugin.event if isinstance(plugin, _Both) else plugin).settings_model


def _adapted(plugin: Any, base: type, hooks: tuple[str, ...]) -> Any:
    """A plugin written without the base class, as an instance of a subclass of `base` made for it: the hooks it
    has are its own (so the host can tell them from the base's do-nothing defaults), the rest are the base's."""
    members: dict[str, Any] = {
        "name": plugin.name,
        "settings_model": getattr(plugin, "settings_model", None),
        "owned_tags": tuple(getattr(plugin, "owned_tags", ())),
    }
    members.update(
        {hook: staticmethod(getattr(plugin, hook)) for hook in hooks if callable(getattr(plugin, hook, None))}
    )
    return type(f"{type(plugin).__name__}Adapter", (base,), members)()


@dataclass(frozen=True)
class _Both:
    """One plugin object that is an event plugin and a scheduling plugin."""

    event: EventPlugin
    scheduling: SchedulingPlugin

    @property
    def name(self) -> str:
        return self.event.name


def _as_plugin(instance: Any) -> Any:
    """The plugin with every hook of its kind (or both kinds), or None when it is neither kind."""
    event = callable(getattr(instance, "process", None))
    scheduling = callable(getattr(instance, "suggest", None))
    event_hooks, scheduling_hooks = ("process", "event_metrics", "after_store"), ("suggest",)
    as_event = (
        instance
        if isinstance(instance, EventPlugin)
        else _adapted(instance, BaseEventPlugin, event_hooks)
        if event
        else None
    )
    as_scheduling = (
        instance
        if isinstance(instance, SchedulingPlugin)
        else _adapted(instance, BaseSchedulingPlugin, scheduling_hooks)
        if scheduling
        else None
    )
    if as_event is not None and as_scheduling is not None:
        return as_event if id(as_event) == id(as_scheduling) else _Both(as_event, as_scheduling)
    return as_event or as_scheduling


def _plugins_of(module: ModuleType) -> list[Any]:
    """The module's `plugin` object and/or `PLUGINS` list; classes are instantiated."""
    objects = list(getattr(module, "PLUGINS", []) or [])
    if getattr(module, "plugin", None) is not None:
        objects.append(module.plugin)
    plugins = []
    for obj in objects:
        instance = obj() if isinstance(obj, type) else obj
        plugin = _as_plugin(instance) if isinstance(getattr(instance, "name", None), str) else None
        if plugin is not None:
            plugins.append(plugin)
        else:
            log.warning("%s in %s is not an event or scheduling plugin; ignored", obj, module.__name__)
    return plugins
