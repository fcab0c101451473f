"""API keys: created with scopes, shown once, stored as a SHA-256 hash, found by hash, revoked for good."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from app.config import current_settings
from app.db import write_transaction
from app.errors import InvalidInputError, NotFoundError
from app.extensions import db
from app.models import ApiKey
from app.scopes import ADMIN, is_valid_scope
from app.timeutil import utcnow

# Every key this server makes starts with this, so a leaked one is recognised (and found by secret scanners).
KEY_PREFIX = "chronos_"
# The name the configured api.api_key goes by (it has no row).
CONFIG_KEY_NAME = "api.api_key"
# How long one process trusts what it read about a key: a revoked key is refused everywhere after this.
CACHE_SECONDS = 1.0
# last_used_at is written at most this often per key (a poller using its key every second writes once a minute).
TOUCH_INTERVAL = timedelta(minutes=1)
_CACHE_LIMIT = 10_000


@dataclass(frozen=True)
class KeyHolder:
    """Who presented a valid key: its row id (None for the configured key), name, scopes and hash."""

    key_id: int | None
    name: str
    scopes: frozenset[str]
    key_hash: str
    last_used_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.scopes


@dataclass(frozen=True)
class CreatedKey:
    """A new key: its row and the key itself, which exists nowhere else once this is answered."""

    row: ApiKey
    key: str


_cache: dict[str, tuple[float, KeyHolder | None]] = {}
_cache_lock = threading.Lock()


def hash_key(key: str) -> str:
    """The SHA-256 (hex) under which a key is stored and looked up."""
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(name: str, scopes: list[str]) -> CreatedKey:
    """Make a key with these scopes (each checked); the answer holds the only copy of the key."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInputError("name", "must be 1 to 100 characters")
    if not scopes:
        raise InvalidInputError("scopes", "give at least one scope")
    unknown = [scope for scope in scopes if not is_valid_scope(scope)]
    if unknown:
        raise InvalidInputError(
            "scopes", f"unknown scope {unknown[0]!r}: use admin, read, write, metrics, commands:<system_id>"
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)  # 256 random bits
    with write_transaction() as session:
        row = ApiKey(name=name, key_hash=hash_key(key), scopes=sorted(set(scopes)))
        session.add(row)
    forget_cached_keys()
    return CreatedKey(row=row, key=key)


def list_keys() -> list[ApiKey]:
    """Every key ever made, revoked ones included, oldest first."""
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_key(key_id: int) -> ApiKey:
    """Revoke a key for good (every process refuses it within CACHE_SECONDS); revoking twice is harmless."""
    from app.services import dashboard_sessions

    with write_transaction() as session:
        row = session.get(ApiKey, key_id)
        if row is None:
            raise NotFoundError(f"No key with id {key_id}.")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
        dashboard_sessions.end_sessions_of_key(row.key_hash)
    forget_cached_keys()
    return row


def authenticate(candidate: str | None) -> KeyHolder | None:
    """The holder of a presented key, or None for an unknown or revoked one."""
    if not candidate:
        return None
    config_key = current_settings().api.api_key
    if hmac.compare_digest(config_key.encode(), candidate.encode()):
        return _config_key_holder(config_key)
    digest = hash_key(candidate)
    holder = _cached_holder(digest)
    if holder is not None:
        _touch(holder)
    return holder


@functools.lru_cache(maxsize=4)
def _config_key_holder(config_key: str) -> KeyHolder:
    """The holder of the configured key, made once per key rather than hashed again on every request."""
    return KeyHolder(None, CONFIG_KEY_NAME, frozenset({ADMIN}), hash_key(config_key))


def _cached_holder(digest: str) -> KeyHolder | None:
    now = time.monotonic()
    hit = _cache.get(digest)
    if hit is not None and hit[0] > now:
        return hit[1]
    holder = _load_holder(digest)
    with _cache_lock:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[digest] = (now + CACHE_SECONDS, holder)
    return holder


def _load_holder(digest: str) -> KeyHolder | None:
    """Read a key by its hash (on a connection of its own, leaving the request's session alone)."""
    statement = select(ApiKey.id, ApiKey.name, ApiKey.scopes, ApiKey.key_hash, ApiKey.last_used_at).where(
        ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None)
    )
    with db.engine.connect() as connection:
        row = connection.execute(statement).first()
    # The index found the row by hash; comparing in constant time as well costs nothing.
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        return None
    return KeyHolder(row.id, row.name, frozenset(row.scopes or ()), row.key_hash, row.last_used_at)


def _touch(holder: KeyHolder) -> None:
    """Record that a key was used, at most once per TOUCH_INTERVAL per key across every process."""
    now = utcnow()
    if holder.key_id is None or (holder.last_used_at is not None and now - holder.last_used_at < TOUCH_INTERVAL):
        return
    with _cache_lock:
        hit = _cache.get(holder.key_hash)
        if hit is not None and hit[1] is not None:
            _cache[holder.key_hash] = (hit[0], replace(hit[1], last_used_at=now))
    with write_transaction() as session:
        session.execute(
            update(ApiKey)
            .where(
                ApiKey.id == holder.key_id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - TOUCH_INTERVAL),
            )
            .values(last_used_at=now)
        )


def is_live_admin_key(key_hash: str) -> bool:
    """Whether a key (by hash) may still sign in to the dashboard: the configured key, or an unrevoked admin key."""
    if hmac.compare_digest(hash_key(current_settings().api.api_key), key_hash):
        return True
    holder = _cached_holder(key_hash)
    return holder is not None and holder.is_admin


def forget_cached_keys() -> None:
    """Drop what this process remembers about keys (after a change made here)."""
    with _cache_lock:
        _cache.clear()
