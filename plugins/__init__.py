"""Built-in plugins. Each module exposes `plugin` (or a `PLUGINS` list); they import only app.plugins."""
