"""Plugin discovery: the built-in `plugins` package plus every module of plugins.custom_directory."""

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

from app.plugins import EventPlugin, SchedulingPlugin
from app.settings import Settings

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

    @property
    def names(self) -> list[str]:
        """Names of the enabled plugins, event plugins first, each once."""
        seen: list[str] = []
        for plugin in [*self.event_plugins, *self.scheduling_plugins]:
            if plugin.name not in seen:
                seen.append(plugin.name)
        return seen


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


def _plugins_of(module: ModuleType) -> list[Any]:
    """The module's `plugin` object and/or `PLUGINS` list; classes are instantiated."""
    objects = list(getattr(module, "PLUGINS", []) or [])
    if getattr(module, "plugin", None) is not None:
        objects.append(module.plugin)
    plugins = []
    for obj in objects:
        instance = obj() if isinstance(obj, type) else obj
        if isinstance(getattr(instance, "name", None), str) and isinstance(instance, EventPlugin | SchedulingPlugin):
            plugins.append(instance)
        else:
            log.warning("%s in %s is not an event or scheduling plugin; ignored", obj, module.__name__)
    return plugins
