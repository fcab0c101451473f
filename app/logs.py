"""Logging set-up: stderr always, plus a file when logging.file is set."""

from __future__ import annotations

import logging
from pathlib import Path

from app.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(settings: Settings) -> None:
    root = logging.getLogger()
    root.setLevel(settings.logging.level)
    # Alembic narrates every context it opens; app.schema logs one line saying what the migration did.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if not any(isinstance(handler, _ConsoleHandler) for handler in root.handlers):
        handler = _ConsoleHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    if settings.logging.file and not any(
        getattr(handler, "baseFilename", None) == settings.logging.file for handler in root.handlers
    ):
        Path(settings.logging.file).parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(settings.logging.file, encoding="utf-8")
        file_handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(file_handler)


class _ConsoleHandler(logging.StreamHandler):
    """The console handler configure_logging adds once, however often it runs (tests build many apps)."""
