"""The version of Chronos Engine, read from the installed package's metadata (pyproject.toml is its one source)."""

from __future__ import annotations

from functools import cache
from importlib.metadata import version


@cache
def app_version() -> str:
    """The version this installation runs, e.g. '0.1.0'."""
    return version("chronos-engine")
