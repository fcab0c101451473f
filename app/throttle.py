"""Failed sign-in throttling, counted in the database so that every web process shares one count.

Failures are counted per kind (`login`: the dashboard form, `api`: wrong bearer keys, `push`: refused push
notices), address and fixed window of `security.throttle_window_seconds` (60). Once an address has used up its
failures for the window, every attempt from it, with the right key too, answers 429 until the window ends.
"""

from __future__ import annotations

import math
import threading
import time

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from app.config import current_settings
from app.db import write_transaction
from app.extensions import db
from app.models import AuthFailure

LOGIN = "login"
API = "api"
# Push notices naming an unknown channel or a wrong token (limited like wrong API keys).
PUSH = "push"
# What one process remembers of an address's API failure count, so that requests with a good key do not each
# read the table; another process's failures are seen within this time.
API_CACHE_SECONDS = 1.0
_CACHE_LIMIT = 10_000

_api_counts: dict[str, tuple[float, int, int]] = {}  # address -> (valid until, window, failures)
_lock = threading.Lock()


def _limit(kind: str) -> int:
    security = current_settings().security
    return security.login_attempts_per_minute if kind == LOGIN else security.api_failures_per_minute


def _window() -> tuple[int, int]:
    """The current window's number and the whole seconds until it ends (at least 1)."""
    length = current_settings().security.throttle_window_seconds
    now = time.time()
    index = int(now // length)
    return index, max(1, math.ceil((index + 1) * length - now))


def retry_after(kind: str, address: str) -> int | None:
    """Seconds until this address may try again, or None while it has failures left in this window."""
    index, remaining = _window()
    failures = _api_failures(address, index) if kind == API else _stored_failures(kind, address, index)
    return remaining if failures >= _limit(kind) else None


def record_failure(kind: str, address: str) -> None:
    """Count one failed attempt from an address (and drop the counts of windows that are over)."""
    index, _remaining = _window()
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(AuthFailure).values(kind=kind, address=address, window_index=index, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=["kind", "address", "window_index"], set_={"count": AuthFailure.count + 1}
    ).returning(AuthFailure.count)
    with write_transaction() as session:
        failures = session.execute(statement).scalar_one()
        session.execute(delete(AuthFailure).where(AuthFailure.window_index != index))
    if kind == API:
        _remember(address, index, failures)


def _stored_failures(kind: str, address: str, index: int) -> int:
    with db.engine.connect() as connection:
        stored = connection.execute(
            select(AuthFailure.count).where(
                AuthFailure.kind == kind, AuthFailure.address == address, AuthFailure.window_index == index
            )
        ).scalar()
    return stored or 0


def _api_failures(address: str, index: int) -> int:
    cached = _api_counts.get(address)
    if cached is not None and cached[0] > time.monotonic() and cached[1] == index:
        return cached[2]
    failures = _stored_failures(API, address, index)
    _remember(address, index, failures)
    return failures


def _remember(address: str, index: int, failures: int) -> None:
    with _lock:
        if len(_api_counts) >= _CACHE_LIMIT:
            _api_counts.clear()
        _api_counts[address] = (time.monotonic() + API_CACHE_SECONDS, index, failures)


def forget_counts() -> None:
    """Drop what this process remembers (tests that change the clock or the settings)."""
    with _lock:
        _api_counts.clear()
