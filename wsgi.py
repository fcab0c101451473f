"""WSGI entry point for waitress (`waitress-serve wsgi:app`) and the Flask CLI (`flask --app wsgi`)."""

from __future__ import annotations

import gc

from app import build_app

app = build_app()
# Everything built so far lives as long as the process: keep it out of the garbage collector's full passes,
# which otherwise add tens of milliseconds to a request now and then (see bench/dashboard_render.py).
gc.collect()
gc.freeze()
