"""Webhook subscriptions: create (the secret shown once), list, enable/disable, delete, test, delivery log."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.db import write_transaction
from app.errors import InvalidInputError, NotFoundError
from app.extensions import db
from app.models import WEBHOOK_EVENT_TYPES, Webhook, WebhookDelivery
from app.models.webhooks import URL_MAX
from app.services.webhook_events import delivery_row
from app.services.webhook_firings import forget_webhook, plan_webhook
from app.timeutil import format_utc, utcnow

SECRET_BYTES = 24
MAX_OFFSET_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class CreatedWebhook:
    """A new webhook and its secret (shown this once)."""

    row: Webhook
    secret: str


def new_secret() -> str:
    """`whsec_` + base64 of random bytes: the Standard Webhooks form of a signing secret."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def check_fields(url: str, events: list[str], calendars: list[str] | None, offset_minutes: int) -> None:
    """InvalidInputError (422) for a URL that is not http(s), an unknown or missing type, a bad offset."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        host = None
    if host is None or parts.scheme not in ("http", "https") or len(url) > URL_MAX:
        raise InvalidInputError("url", "must be an http:// or https:// URL with a host")
    if not events:
        raise InvalidInputError("events", f"name at least one of {', '.join(WEBHOOK_EVENT_TYPES)}")
    unknown = [name for name in events if name not in WEBHOOK_EVENT_TYPES]
    if unknown:
        raise InvalidInputError("events", f"unknown type {unknown[0]!r}; known: {', '.join(WEBHOOK_EVENT_TYPES)}")
    if calendars is not None and any(not isinstance(c, str) or not c.strip() for c in calendars):
        raise InvalidInputError("calendars", "calendar ids must be non-empty strings")
    if not 0 <= offset_minutes <= MAX_OFFSET_MINUTES:
        raise InvalidInputError("offset_minutes", f"must be between 0 and {MAX_OFFSET_MINUTES}")


def create_webhook(
    url: str,
    events: list[str],
    calendars: list[str] | None = None,
    offset_minutes: int = 0,
    description: str = "",
) -> CreatedWebhook:
    """Store a webhook and plan its timed firings for the events ahead, in one transaction."""
    check_fields(url, events, calendars, offset_minutes)
    secret = new_secret()
    now = utcnow()
    with write_transaction() as session:
        row = Webhook(
            url=url.strip(),
            description=description or "",
            events=list(dict.fromkeys(events)),
            calendars=list(dict.fromkeys(calendars)) if calendars else None,
            offset_minutes=offset_minutes,
            secret=secret,
            enabled=True,
            consecutive_failures=0,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        plan_webhook(session, row, now)
    return CreatedWebhook(row, secret)


def get_webhook(webhook_id: int) -> Webhook:
    row = db.session.get(Webhook, webhook_id)
    if row is None:
        raise NotFoundError(f"No webhook with id {webhook_id}.")
    return row


def list_webhooks() -> list[Webhook]:
    return list(db.session.execute(select(Webhook).order_by(Webhook.id)).scalars())


def set_enabled(webhook_id: int, enabled: bool) -> Webhook:
    """Enable (failures forgotten, firings planned afresh) or disable (nothing planned or sent) a webhook."""
    with write_transaction() as session:
        row = get_webhook(webhook_id)
        if row.enabled == enabled:
            return row
        row.enabled = enabled
        row.updated_at = utcnow()
        if enabled:
            row.disabled_reason, row.consecutive_failures = None, 0
            session.flush()
            plan_webhook(session, row)
        else:
            row.disabled_reason = "disabled by a user"
            forget_webhook(session, row.id)
    return row


def delete_webhook(webhook_id: int) -> None:
    """Delete a webhook with its planned firings and its delivery log."""
    with write_transaction() as session:
        session.delete(get_webhook(webhook_id))


def queue_test(webhook_id: int) -> WebhookDelivery:
    """Queue a webhook.test delivery (sent once the webhook is enabled)."""
    now = utcnow()
    with write_transaction() as session:
        row = get_webhook(webhook_id)
        body = {"type": "webhook.test", "timestamp": format_utc(now), "data": {"webhook": {"id": row.id}}}
        delivery = WebhookDelivery(**delivery_row(row.id, "webhook.test", body, now))
        session.add(delivery)
        session.flush()
    return delivery


def list_deliveries(webhook_id: int, page: int, page_size: int) -> tuple[list[WebhookDelivery], int]:
    """One page of a webhook's deliveries, newest first, and how many there are."""
    get_webhook(webhook_id)
    where = WebhookDelivery.webhook_id == webhook_id
    total = db.session.execute(select(func.count()).select_from(WebhookDelivery).where(where)).scalar_one()
    rows = db.session.execute(
        select(WebhookDelivery)
        .where(where)
        .order_by(WebhookDelivery.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).scalars()
    return list(rows), total


def last_deliveries() -> dict[int, WebhookDelivery]:
    """Each webhook's newest delivery (for the list of webhooks)."""
    newest = select(func.max(WebhookDelivery.id)).group_by(WebhookDelivery.webhook_id)
    rows = db.session.execute(select(WebhookDelivery).where(WebhookDelivery.id.in_(newest))).scalars()
    return {row.webhook_id: row for row in rows}


def summary(row: Webhook) -> dict[str, Any]:
    """A webhook's public fields (never its secret)."""
    return {
        "id": row.id,
        "url": row.url,
        "description": row.description,
        "events": row.events,
        "calendars": row.calendars,
        "offset_minutes": row.offset_minutes,
        "enabled": row.enabled,
        "disabled_reason": row.disabled_reason,
        "consecutive_failures": row.consecutive_failures,
        "created_at": row.created_at,
    }
