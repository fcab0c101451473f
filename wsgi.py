"""WSGI entry point for waitress (`waitress-serve wsgi:app`) and the Flask CLI (`flask --app wsgi`)."""

from __future__ import annotations

import gc
import sys

from app import create_app
from app.settings import ConfigError


def build_app():
    """Build the app, turning a configuration problem into one line on stderr and exit status 2."""
    try:
        return create_app()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None


app = build_app()
# Everything built so far lives as long as the process: keep it out of the garbage collector's full passes,
# which otherwise add tens of milliseconds to a request now and then (see bench/dashboard_render.py).
gc.collect()
gc.freeze()
