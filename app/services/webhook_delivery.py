"""Delivery of queued webhook messages: leased claims, signed sends, retries with backoff, disabling.

A claim pushes a delivery's next attempt a lease ahead and counts the attempt, in one statement, so daemons
never send the same attempt twice; a daemon killed mid-send leaves the row to be taken again once its lease
ends (at least once, with the same webhook-id). The send itself runs outside any transaction.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import func, select, update
from standardwebhooks import Webhook as Signer

from app.config import current_settings
from app.db import write_transaction
from app.extensions import db
from app.models import Webhook, WebhookDelivery
from app.services.webhook_firings import forget_webhook
from app.timeutil import utcnow

SEND_TIMEOUT_SECONDS = 10.0
MAX_ANSWER_BYTES = 64 * 1024
USER_AGENT = "Chronos-Engine-Webhooks/1"


@dataclass(frozen=True)
class ClaimedDelivery:
    """One attempt this daemon now holds: what to send, where, and which attempt it is."""

    id: int
    message_id: str
    payload: dict[str, Any]
    attempts: int
    url: str
    secret: str


@dataclass(frozen=True)
class Outcome:
    """How one attempt went: the HTTP status (None: no answer) and an error text when it failed."""

    status_code: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.error is None


def claim_due(limit: int, now: datetime | None = None) -> list[ClaimedDelivery]:
    """Take up to `limit` due pending deliveries of enabled webhooks: their next attempt moves a lease ahead and
    their attempts count one more, in one statement (SKIP LOCKED on PostgreSQL; IMMEDIATE on SQLite)."""
    now = now or utcnow()
    lease_until = now + timedelta(seconds=current_settings().webhooks.lease_seconds)
    due = (
        select(WebhookDelivery.id)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now, Webhook.enabled.is_(True))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    )
    with write_transaction() as session:
        rows = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(due.scalar_subquery()))
            .values(next_attempt_at=lease_until, attempts=WebhookDelivery.attempts + 1)
            .returning(
                WebhookDelivery.id,
                WebhookDelivery.webhook_id,
                WebhookDelivery.message_id,
                WebhookDelivery.payload,
                WebhookDelivery.attempts,
            )
        ).all()
        hooks = {}
        if rows:
            query = select(Webhook.id, Webhook.url, Webhook.secret).where(Webhook.id.in_({r.webhook_id for r in rows}))
            hooks = {row.id: row for row in session.execute(query)}
    claimed = [
        ClaimedDelivery(r.id, r.message_id, r.payload, r.attempts, hooks[r.webhook_id].url, hooks[r.webhook_id].secret)
        for r in rows
    ]
    return sorted(claimed, key=lambda item: item.id)


def body_text(payload: dict[str, Any]) -> str:
    """The exact text sent and signed (compact JSON)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def signed_headers(secret: str, message_id: str, body: str, at: datetime | None = None) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt: id, timestamp (whole seconds) and v1 signature."""
    at = at or utcnow()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Signer(secret).sign(message_id, at, body),
    }


def send(item: ClaimedDelivery) -> Outcome:
    """POST one attempt, with at most SEND_TIMEOUT_SECONDS in total for connecting, sending and the answer."""
    body = body_text(item.payload)
    headers = {"content-type": "application/json", "user-agent": USER_AGENT}
    headers.update(signed_headers(item.secret, item.message_id, body))
    deadline = time.monotonic() + SEND_TIMEOUT_SECONDS
    try:
        with requests.post(
            item.url,
            data=body.encode(),
            headers=headers,
            timeout=SEND_TIMEOUT_SECONDS,
            allow_redirects=False,
            stream=True,
        ) as answer:
            read = 0
            for chunk in answer.iter_content(8192):  # the answer is drained (and bounded), not kept
                read += len(chunk)
                if read > MAX_ANSWER_BYTES or time.monotonic() > deadline:
                    break
            if time.monotonic() > deadline:
                return Outcome(answer.status_code, f"no complete answer within {SEND_TIMEOUT_SECONDS:g} s")
            if 200 <= answer.status_code < 300:
                return Outcome(answer.status_code, None)
            return Outcome(answer.status_code, f"HTTP {answer.status_code}")
    except requests.RequestException as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:500])


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failed ones: exponential from retry_base_seconds."""
    return current_settings().webhooks.retry_base_seconds * 2 ** (attempts - 1)


def record(item: ClaimedDelivery, outcome: Outcome) -> str:
    """Store how the attempt went; returns the delivery's status. An attempt whose lease another daemon took over
    meanwhile (it counted a later attempt) changes nothing."""
    settings = current_settings().webhooks
    now = utcnow()
    with write_transaction() as session:
        row = session.get(WebhookDelivery, item.id)
        if row is None or row.status != "pending" or row.attempts != item.attempts:
            return row.status if row is not None else "gone"
        row.last_status_code, row.last_error = outcome.status_code, outcome.error
        if outcome.delivered:
            row.status, row.delivered_at = "delivered", now
            reset = update(Webhook).where(Webhook.id == row.webhook_id, Webhook.consecutive_failures != 0)
            session.execute(reset.values(consecutive_failures=0))  # no write (or row lock) while nothing failed
        elif row.attempts >= settings.max_attempts:
            row.status = "failed"
            _count_failure(session, row.webhook_id, settings.disable_after_failures)
        else:
            row.next_attempt_at = now + timedelta(seconds=retry_delay(row.attempts))
        return row.status


def _count_failure(session, webhook_id: int, disable_after: int) -> None:
    """One more failed delivery in a row; at `disable_after`, the webhook is disabled with the reason."""
    failures = session.execute(
        update(Webhook)
        .where(Webhook.id == webhook_id)
        .values(consecutive_failures=Webhook.consecutive_failures + 1)
        .returning(Webhook.consecutive_failures, Webhook.enabled)
    ).first()
    if failures is None or not failures.enabled or failures.consecutive_failures < disable_after:
        return
    reason = f"disabled after {failures.consecutive_failures} failed deliveries in a row"
    session.execute(update(Webhook).where(Webhook.id == webhook_id).values(enabled=False, disabled_reason=reason))
    forget_webhook(session, webhook_id)


def next_due() -> datetime | None:
    """When the earliest pending delivery of an enabled webhook is due (or its lease ends)."""
    value = db.session.execute(
        select(func.min(WebhookDelivery.next_attempt_at))
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.status == "pending", Webhook.enabled.is_(True))
    ).scalar_one_or_none()
    db.session.rollback()
    return value
