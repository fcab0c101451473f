"""The settings of calendar.accounts: several calendar sources used together (one item per account)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Which types may write upstream, and their default (ics and demo are read-only whatever is configured).
WRITABLE_TYPES = frozenset({"google", "caldav"})


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AccountCalendar(_Item):
    """A remote calendar under a local id of its own (a rename)."""

    remote: Annotated[str, Field(min_length=1)]
    id: Annotated[str, Field(min_length=1)]


class AccountFeed(_Item):
    id: Annotated[str, Field(min_length=1)]
    url: Annotated[str, Field(min_length=1)]


class _Account(_Item):
    name: Annotated[str, Field(min_length=1, max_length=64)]
    writable: bool | None = None
    calendars: list[Annotated[str, Field(min_length=1)] | AccountCalendar] = []

    @property
    def is_writable(self) -> bool:
        """Configured, or the type's default; never true for read-only types."""
        if self.type not in WRITABLE_TYPES:  # type: ignore[attr-defined]
            return False
        return True if self.writable is None else self.writable

    def calendar_map(self) -> dict[str, str]:
        """Local id → remote id of the configured calendars (empty: the type's default)."""
        pairs = (
            (item.id, item.remote) if isinstance(item, AccountCalendar) else (item, item) for item in self.calendars
        )
        return dict(pairs)


class GoogleAccount(_Account):
    type: Literal["google"]
    credentials_file: str = ""
    token_file: str = ""
    # A service account's JSON key instead of a user token; `subject`: the user it acts for (domain-wide
    # delegation).
    service_account_file: str = ""
    subject: str = ""
    api_endpoint: str = ""
    token_uri: str = ""
    # This account's own push base URL (empty: calendar.google.push_url).
    push_url: Annotated[str, Field(pattern=r"^(https?://\S+)?$")] = ""

    @model_validator(mode="after")
    def _subject_needs_service_account(self) -> GoogleAccount:
        if self.subject and not self.service_account_file:
            raise ValueError("subject is only used with service_account_file")
        return self


class CaldavAccount(_Account):
    type: Literal["caldav"]
    url: Annotated[str, Field(pattern=r"^https?://")]
    username: str = ""
    password: str = ""
    password_env: str = ""
    password_file: str = ""

    @model_validator(mode="after")
    def _one_password(self) -> CaldavAccount:
        given = [key for key in ("password", "password_env", "password_file") if getattr(self, key)]
        if len(given) > 1:
            raise ValueError(f"give one of password, password_env and password_file, not {' and '.join(given)}")
        return self


class IcsAccount(_Account):
    type: Literal["ics"]
    feeds: list[AccountFeed] = []


class DemoAccount(_Account):
    type: Literal["demo"]


Account = Annotated[GoogleAccount | CaldavAccount | IcsAccount | DemoAccount, Field(discriminator="type")]

# Keys of calendar.* that describe the single account used when calendar.accounts is empty.
ONE_ACCOUNT_KEYS = (
    "source",
    "credentials_file",
    "token_file",
    "service_account_file",
    "subject",
    "calendars",
    "ics_feeds",
)


def _default_ids(account) -> list[str]:
    """The local ids an account without `calendars` gets without contacting it (CalDAV: found at sync time)."""
    if isinstance(account, IcsAccount):
        return [feed.id for feed in account.feeds]
    return {"demo": ["primary", "personal"], "google": ["primary"]}.get(account.type, [])


def check_accounts(accounts: list) -> str | None:
    """The problem with the accounts as a whole (a repeated name or local calendar id), or None."""
    names: set[str] = set()
    owners: dict[str, str] = {}
    for account in accounts:
        if account.name in names:
            return f"two accounts are named {account.name!r}"
        names.add(account.name)
        local_ids = list(account.calendar_map()) or list(_default_ids(account))
        for local in local_ids:
            if local in owners and owners[local] != account.name:
                return f"calendar id {local!r} is used by accounts {owners[local]!r} and {account.name!r}"
            owners[local] = account.name
    return None


def resolve_password_env(accounts: list, environ: Mapping[str, str]) -> tuple[list, str | None]:
    """CalDAV accounts with password_env get the variable's value as password (the only read of os.environ is in
    the settings loader); the problem when a named variable is not set."""
    resolved = []
    for index, account in enumerate(accounts):
        if isinstance(account, CaldavAccount) and account.password_env:
            value = environ.get(account.password_env)
            if not value:
                where = f"calendar.accounts.{index}.password_env"
                return accounts, f"{where}: the environment variable {account.password_env} is not set"
            account = account.model_copy(update={"password": value})
        resolved.append(account)
    return resolved, None
