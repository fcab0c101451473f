"""Layered, validated settings: config/chronos.yaml -> $CHRONOS_CONFIG -> environment -> overrides.

This module is the only place that reads os.environ for configuration.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.settings_accounts import Account, check_accounts, resolve_password_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "config" / "chronos.yaml"
DEFAULT_API_KEY = "development-key-change-in-production"
# Top-level sections that hold a built-in plugin's settings (the documented place for them).
PLUGIN_SECTIONS = ("command_handler", "wellness")
# Deprecated keys still accepted: old path -> the key it now sets (a warning is logged when one is used).
DEPRECATED_KEYS = {("wellness", "max_daily_hours"): ("planning", "max_daily_hours")}

log = logging.getLogger("chronos.settings")

# Environment variables with a fixed meaning; CHRONOS__SECTION__KEY reaches any other key.
ENV_KEYS = {
    "CHRONOS_API_KEY": ("api", "api_key"),
    "CHRONOS_DATABASE_URL": ("database", "url"),
    "CHRONOS_SECRET_KEY": ("app", "secret_key"),
    "CHRONOS_INSTANCE_PATH": ("app", "instance_path"),
    "CHRONOS_TIMEZONE": ("app", "timezone"),
    "CHRONOS_CALENDAR_SOURCE": ("calendar", "source"),
    "CHRONOS_ENV": ("app", "env"),
    "CHRONOS_LOG_LEVEL": ("logging", "level"),
    "PORT": ("web", "port"),
    "CHRONOS_MAX_REQUEST_BYTES": ("web", "max_request_bytes"),
}


class ConfigError(Exception):
    """A configuration problem; its message is the one line shown at start-up."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AppSection(_Section):
    env: Literal["development", "production", "test"] = "development"
    timezone: str = "UTC"
    secret_key: str = ""
    instance_path: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class WebSection(_Section):
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    # The largest request body accepted (dashboard forms and API bodies alike); larger ones answer 413. The
    # Procfile hands the same environment variable to waitress, so it never buffers more than this either.
    max_request_bytes: Annotated[int, Field(ge=16 * 1024, le=64 * 1024 * 1024)] = 1024 * 1024


class ApiSection(_Section):
    api_key: Annotated[str, Field(min_length=8)] = DEFAULT_API_KEY


class DatabaseSection(_Section):
    url: str = ""
    # Connections each process keeps open to PostgreSQL (waitress runs 8 threads; the daemon needs few).
    pool_size: Annotated[int, Field(ge=1, le=100)] = 10
    # Extra connections opened under a burst, closed again when returned.
    max_overflow: Annotated[int, Field(ge=0, le=100)] = 10

    @field_validator("url")
    @classmethod
    def _supported_url(cls, value: str) -> str:
        """SQLite or PostgreSQL; a plain postgresql:// URL means the psycopg 3 driver."""
        if not value or value.startswith(("sqlite:///", "postgresql+psycopg://")) or value == "sqlite://":
            return value
        for prefix in ("postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value.removeprefix(prefix)
        raise ValueError("expected sqlite:///path/to/file.db or postgresql://user:password@host:port/database")


class LoggingSection(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    file: str = ""


class GoogleSection(_Section):
    api_endpoint: str = ""
    token_uri: str = ""
    # The public base URL of this server (https://chronos.example.com): Google push notifications are asked for
    # when set (the daemon watches each Google calendar); empty = polling only.
    push_url: str = ""

    @field_validator("push_url")
    @classmethod
    def _push_base(cls, value: str) -> str:
        if value and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError("expected the server's public base URL, e.g. https://chronos.example.com")
        return value.rstrip("/")


class IcsFeed(_Section):
    id: Annotated[str, Field(min_length=1)]
    path: str = ""
    url: str = ""


class CalendarLook(_Section):
    """How one local calendar is shown and counted."""

    # "#rrggbb"; empty: a colour picked for the calendar from the dashboard's palette.
    color: Annotated[str, Field(pattern=r"^(#[0-9a-fA-F]{6})?$")] = ""
    # False for a private calendar: its events stay out of work-only metrics (hours, late work, weekends).
    work: bool = True


class CalendarSection(_Section):
    source: Literal["auto", "google", "demo", "ics"] = "auto"
    credentials_file: str = ""
    token_file: str = ""
    # A Google service account's JSON key (used instead of token_file when set) and, with domain-wide
    # delegation, the user it acts for.
    service_account_file: str = ""
    subject: str = ""
    calendars: list[str] = ["primary"]
    sync_past_days: Annotated[int, Field(ge=0, le=3660)] = 30
    ics_feeds: list[IcsFeed] = []
    # Seconds one ICS feed download may take in total (connect, headers and every byte of the body).
    fetch_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 30
    google: GoogleSection = GoogleSection()
    # Several sources used together; when set, source, credentials_file, token_file, calendars and ics_feeds
    # are ignored (settings_accounts has the item types).
    accounts: list[Account] = []
    # Per local calendar id: its colour and whether it counts as work.
    per_calendar: dict[str, CalendarLook] = {}


class PluginsSection(_Section):
    enabled: list[str] = ["command_handler", "analytics", "wellness"]
    custom_directory: str = "plugins"
    # Each plugin's own settings by plugin name, validated by that plugin's settings model when plugins load.
    settings: dict[str, dict[str, Any]] = {}


class CommandsSection(_Section):
    lease_seconds: Annotated[int, Field(ge=1, le=86400)] = 300
    max_attempts: Annotated[int, Field(ge=1, le=100)] = 5


class SchedulerSection(_Section):
    sync_interval_minutes: Annotated[int, Field(ge=1, le=1440)] = 5
    heartbeat_seconds: Annotated[float, Field(gt=0, le=10)] = 5
    job_poll_seconds: Annotated[float, Field(gt=0, le=60)] = 1
    lease_reap_seconds: Annotated[float, Field(gt=0, le=3600)] = 30
    # Seconds between checks of push channels (opened, renewed before they expire, stopped when unused).
    push_channels_seconds: Annotated[float, Field(gt=0, le=3600)] = 60


class SyncSection(_Section):
    # Seconds one sync run may take in total; then it stops with a clear error and the next run carries on.
    deadline_seconds: Annotated[float, Field(gt=0, le=86400)] = 900


class PlanningSection(_Section):
    working_hours: str = "09:00-17:00"
    working_days: list[Annotated[int, Field(ge=0, le=6)]] = [0, 1, 2, 3, 4]
    max_daily_hours: Annotated[float, Field(gt=0, le=24)] = 8
    max_chain_minutes: Annotated[int, Field(ge=15, le=1440)] = 120
    min_break_minutes: Annotated[int, Field(ge=5, le=240)] = 15
    focus_block_minutes: Annotated[int, Field(ge=15, le=480)] = 90
    timeboxing_enabled: bool = False
    replanning_enabled: bool = False

    @field_validator("working_hours")
    @classmethod
    def _hours_range(cls, value: str) -> str:
        match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)", value)
        if not match or value[:5] >= value[6:]:
            raise ValueError("expected HH:MM-HH:MM with the start before the end")
        return value


class SecuritySection(_Section):
    # Failed dashboard sign-ins from one address per window; then 429 until the window ends.
    login_attempts_per_minute: Annotated[int, Field(ge=1, le=100_000)] = 10
    # API requests with a wrong bearer key from one address per window; then 429 until the window ends.
    api_failures_per_minute: Annotated[int, Field(ge=1, le=1_000_000)] = 600
    # The window's length in seconds (a minute; tests shorten it).
    throttle_window_seconds: Annotated[int, Field(ge=1, le=3600)] = 60
    # Audit log entries older than this many days are deleted by the daemon.
    audit_days: Annotated[int, Field(ge=1, le=36_500)] = 90


class WebhooksSection(_Section):
    # Attempts per delivery before it is failed; retries wait retry_base_seconds * 2 ** (attempt - 1).
    max_attempts: Annotated[int, Field(ge=1, le=50)] = 8
    retry_base_seconds: Annotated[float, Field(gt=0, le=86400)] = 30
    # A webhook is disabled after this many failed deliveries in a row (the reason is stored and shown).
    disable_after_failures: Annotated[int, Field(ge=1, le=10_000)] = 20
    # How long a daemon holds a delivery it is sending; longer than the 10 s send timeout, so that only a daemon
    # that died mid-send has its attempt taken over.
    lease_seconds: Annotated[float, Field(ge=11, le=3600)] = 30


class MetricsSection(_Section):
    # Serve GET /metrics without a key (for a scraper on a private network).
    public: bool = False


class Settings(_Section):
    """Every setting, validated and frozen. Paths are absolute after loading."""

    app: AppSection = AppSection()
    web: WebSection = WebSection()
    api: ApiSection = ApiSection()
    database: DatabaseSection = DatabaseSection()
    logging: LoggingSection = LoggingSection()
    calendar: CalendarSection = CalendarSection()
    plugins: PluginsSection = PluginsSection()
    # Built-in plugins' settings, written at the top level as documented; their plugins validate them.
    command_handler: dict[str, Any] = {}
    commands: CommandsSection = CommandsSection()
    scheduler: SchedulerSection = SchedulerSection()
    sync: SyncSection = SyncSection()
    wellness: dict[str, Any] = {}
    planning: PlanningSection = PlanningSection()
    security: SecuritySection = SecuritySection()
    metrics: MetricsSection = MetricsSection()
    webhooks: WebhooksSection = WebhooksSection()
    # Which layer set each key (for the plugins' configuration errors, which are found after loading).
    _origins: dict[tuple[str, ...], str] = PrivateAttr(default_factory=dict)

    @property
    def instance_path(self) -> Path:
        return Path(self.app.instance_path)

    def plugin_section(self, name: str) -> dict[str, Any]:
        """A plugin's raw settings: its top-level section (built-in plugins), then plugins.settings.<name>."""
        top = getattr(self, name) if name in PLUGIN_SECTIONS else {}
        return {**top, **self.plugins.settings.get(name, {})}

    def plugin_setting_error(self, name: str, exc: ValidationError) -> ConfigError:
        """The one-line configuration error for a plugin's settings that its model refused."""
        written = self.plugins.settings.get(name, {})
        loc = tuple(str(part) for part in exc.errors()[0]["loc"])
        prefix: tuple[str, ...] = ("plugins", "settings", name)
        if name in PLUGIN_SECTIONS and (not loc or loc[0] not in written):
            prefix = (name,)
        return ConfigError(_describe(exc, self._origins, prefix))

    def setting_origin(self, *path: str) -> str:
        """The layer that set a key (a file name, environment, overrides), or default."""
        return self._origins.get(path, "default")

    @property
    def database_url(self) -> str:
        return self.database.url

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.app.timezone)

    @property
    def uses_default_api_key(self) -> bool:
        return self.api.api_key == DEFAULT_API_KEY

    def masked(self) -> dict[str, Any]:
        """The effective settings as plain data, with secrets replaced by a mask."""
        data = self.model_dump(mode="json")
        data["api"]["api_key"] = _mask(data["api"]["api_key"])
        data["app"]["secret_key"] = _mask(data["app"]["secret_key"])
        data["database"]["url"] = masked_url(data["database"]["url"])
        for account in data["calendar"]["accounts"]:
            if "password" in account:
                account["password"] = _mask(account["password"])
            if "url" in account:
                account["url"] = masked_url(account["url"])
        return data


def masked_url(url: str) -> str:
    """A database URL fit to print: the password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"://([^:/@]+):[^@]+@", r"://\1:***@", url)


def _mask(secret: str) -> str:
    return "****" if secret else ""


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    base_file: Path = DEFAULT_CONFIG_FILE,
) -> Settings:
    """Read every layer, validate, resolve paths; raise ConfigError with one clear line."""
    environ = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    origins: dict[tuple[str, ...], str] = {}
    _merge(merged, _read_yaml(base_file), str(base_file), origins)
    overlay = environ.get("CHRONOS_CONFIG")
    if overlay:
        _merge(merged, _read_yaml(Path(overlay)), overlay, origins)
    _merge(merged, _env_layer(environ), "environment", origins)
    if overrides:
        _merge(merged, dict(overrides), "overrides", origins)
    _apply_deprecated_keys(merged, origins, [str(base_file), overlay or "", "environment", "overrides"])
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origins)) from None
    settings = _resolve_paths(settings)
    settings = _checked_accounts(settings, environ)
    settings._origins = origins
    if settings.app.env == "production" and settings.uses_default_api_key:
        raise ConfigError(
            f"config error: api.api_key ({origins.get(('api', 'api_key'), 'default')}): the default key "
            "is refused when app.env is production; set CHRONOS_API_KEY"
        )
    return settings


def _apply_deprecated_keys(merged: dict[str, Any], origins: dict, layers: list[str]) -> None:
    """Move each deprecated key onto its replacement, unless a later (or the same) layer set the new key."""
    for old, new in DEPRECATED_KEYS.items():
        section = merged.get(old[0])
        if not isinstance(section, dict) or old[1] not in section:
            continue
        value = section.pop(old[1])
        old_origin, new_origin = origins.get(old, "default"), origins.get(new)
        rank = {origin: index for index, origin in enumerate(layers)}
        if new_origin is None or rank.get(old_origin, -1) > rank.get(new_origin, -1):
            _put(merged, new, value)
            origins[new] = old_origin
            log.warning("%s (%s) is deprecated; use %s", ".".join(old), old_origin, ".".join(new))
        else:
            log.warning(
                "%s (%s) is deprecated and ignored: %s is set in %s",
                ".".join(old),
                old_origin,
                ".".join(new),
                new_origin,
            )


def _checked_accounts(settings: Settings, environ: Mapping[str, str]) -> Settings:
    """calendar.accounts as a whole: unique names and local calendar ids; password_env read."""
    accounts = settings.calendar.accounts
    problem = check_accounts(accounts)
    if problem:
        raise ConfigError(f"config error: calendar.accounts: {problem}")
    accounts, problem = resolve_password_env(accounts, environ)
    if problem:
        raise ConfigError(f"config error: {problem}")
    return settings.model_copy(
        update={"calendar": settings.calendar.model_copy(update={"accounts": _account_paths(accounts)})}
    )


def _account_paths(accounts: list) -> list:
    """Relative file paths of accounts made absolute (project root), like the one-account keys."""
    resolved = []
    for account in accounts:
        update: dict[str, Any] = {}
        for key in ("password_file", "credentials_file", "token_file", "service_account_file"):
            value = getattr(account, key, "")
            if value and not Path(value).is_absolute():
                update[key] = str(PROJECT_ROOT / value)
        if account.type == "ics":
            update["feeds"] = [
                feed
                if feed.url.startswith(("http://", "https://")) or Path(feed.url).is_absolute()
                else feed.model_copy(update={"url": str(PROJECT_ROOT / feed.url)})
                for feed in account.feeds
            ]
        resolved.append(account.model_copy(update=update) if update else account)
    return resolved


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"config error: cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where else ""
        raise ConfigError(f"config error: {path}{line} is not valid YAML") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config error: {path} must hold a mapping of sections, not {type(data).__name__}")
    return data


def _env_layer(environ: Mapping[str, str]) -> dict[str, Any]:
    layer: dict[str, Any] = {}
    for name, path in ENV_KEYS.items():
        if name in environ:
            _put(layer, path, _scalar(environ[name], path))
    for name, value in environ.items():
        if name.startswith("CHRONOS__"):
            nested = tuple(part.lower() for part in name[len("CHRONOS__") :].split("__") if part)
            if nested:
                _put(layer, nested, _scalar(value, nested))
    return layer


def _scalar(raw: str, path: tuple[str, ...]) -> Any:
    """Read an environment value as YAML so that numbers, booleans and lists keep their type."""
    if path[-1] in {"api_key", "secret_key", "url", "instance_path", "timezone", "file"}:
        return raw
    try:
        return yaml.safe_load(raw) if raw.strip() else raw
    except yaml.YAMLError:
        return raw


def _put(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def _merge(target: dict[str, Any], layer: dict[str, Any], origin: str, origins: dict, prefix=()) -> None:
    """Deep-merge one layer into target, remembering which layer set each key (for error messages)."""
    for key, value in layer.items():
        path = (*prefix, str(key))
        origins[path] = origin
        if isinstance(value, dict):
            if not isinstance(target.get(key), dict):
                target[key] = {}
            _merge(target[key], value, origin, origins, path)
        else:
            target[key] = value


def _describe(exc: ValidationError, origins: dict[tuple[str, ...], str], prefix: tuple[str, ...] = ()) -> str:
    error = exc.errors()[0]
    loc = prefix + tuple(str(part) for part in error["loc"])
    key = ".".join(loc) or "(top level)"
    origin = "default"
    for size in range(len(loc), 0, -1):
        if loc[:size] in origins:
            origin = origins[loc[:size]]
            break
    if error["type"] == "extra_forbidden":
        problem = "unknown key"
    else:
        problem = error["msg"].removeprefix("Value error, ")
        shown = "input" in error and not isinstance(error["input"], dict | list)
        if shown and repr(error["input"]) not in problem:
            problem += f" (got {error['input']!r})"
    return f"config error: {key} in {origin}: {problem}"


def _resolve_paths(settings: Settings) -> Settings:
    instance = Path(settings.app.instance_path or "instance")
    instance = instance if instance.is_absolute() else PROJECT_ROOT / instance

    def absolute(value: str) -> str:
        if not value:
            return value
        path = Path(value)
        return str(path if path.is_absolute() else PROJECT_ROOT / path)

    database_url = settings.database.url or f"sqlite:///{instance / 'chronos.db'}"
    calendar = settings.calendar.model_copy(
        update={
            "credentials_file": absolute(settings.calendar.credentials_file) or str(instance / "credentials.json"),
            "token_file": absolute(settings.calendar.token_file) or str(instance / "token.json"),
            "service_account_file": absolute(settings.calendar.service_account_file),
            "ics_feeds": [
                feed.model_copy(update={"path": absolute(feed.path)}) for feed in settings.calendar.ics_feeds
            ],
        }
    )
    return settings.model_copy(
        update={
            "app": settings.app.model_copy(update={"instance_path": str(instance)}),
            "database": settings.database.model_copy(update={"url": database_url}),
            "logging": settings.logging.model_copy(update={"file": absolute(settings.logging.file)}),
            "plugins": settings.plugins.model_copy(
                update={"custom_directory": absolute(settings.plugins.custom_directory)}
            ),
            "calendar": calendar,
        }
    )


def ensure_secret_key(settings: Settings) -> str:
    """The session signing key: configured, or generated once into the instance folder (mode 0600)."""
    if settings.app.secret_key:
        return settings.app.secret_key
    path = settings.instance_path / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_secret_file(path, secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()


def write_secret_file(path: Path, content: str) -> None:
    """Write a secret atomically with mode 0600 (a temporary file renamed over the target)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
