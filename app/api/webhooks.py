"""Webhooks under /api/v1/webhooks: create (the secret shown once), list, enable/disable, test, delete, deliveries.
Admin scope only."""

from __future__ import annotations

from typing import Annotated

from flask import Response
from pydantic import Field

from app.api.answer import answer, page_of
from app.api.base import api_blueprint
from app.api.schemas import (
    NO_NUL,
    NOT_BLANK,
    NOT_COERCED,
    WHOLE_NUMBER,
    Answer,
    ErrorResponse,
    Page,
    PageNumber,
    ResourceId,
    StrictModel,
    UtcTime,
)
from app.models.webhooks import URL_MAX, WEBHOOK_EVENT_TYPES, DeliveryStatus
from app.services import webhooks
from app.services.webhooks import MAX_OFFSET_MINUTES

bp = api_blueprint("webhooks", "Webhooks", "Signed HTTP callbacks (Standard Webhooks) for event and command changes.")

TYPES_HELP = "Any of: " + ", ".join(WEBHOOK_EVENT_TYPES) + "."


# An http(s) URL with a host name or address, in ASCII as RFC 3986 spells it (the service also takes a
# bracketed IPv6 address and non-ASCII names).
URL_PATTERN = r"^https?://([A-Za-z0-9._~%!$&'()*+,;=:-]*@)?[A-Za-z0-9._~%!$&'()*+,;=-]+(:[0-9]*)?([/?#][!-~]*)?$"
EventType = Annotated[str, Field(json_schema_extra={"enum": list(WEBHOOK_EVENT_TYPES)})]
CalendarName = Annotated[str, Field(pattern=NOT_BLANK)]


class WebhookIn(StrictModel):
    url: Annotated[
        str, Field(min_length=1, max_length=URL_MAX, pattern=URL_PATTERN, description="An http:// or https:// URL.")
    ]
    events: Annotated[list[EventType], Field(min_length=1, description=TYPES_HELP)]
    calendars: Annotated[
        list[CalendarName] | None, Field(description="Only events of these calendars (default: all).")
    ] = None
    offset_minutes: Annotated[
        int,
        Field(ge=0, le=MAX_OFFSET_MINUTES, description="event.starting fires this many minutes before the start."),
        WHOLE_NUMBER,
        NOT_COERCED,
    ] = 0
    description: Annotated[str, Field(max_length=500, pattern=NO_NUL)] = ""


class WebhookChange(StrictModel):
    enabled: Annotated[bool, Field(description="false: nothing is planned or sent; true: enabled again.")]


class WebhookPath(StrictModel):
    webhook_id: ResourceId


class DeliveryQuery(StrictModel):
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=500)] = 50


class WebhookOut(Answer):
    id: int
    url: str
    description: str
    events: list[str]
    calendars: list[str] | None
    offset_minutes: int
    enabled: bool
    disabled_reason: str | None = Field(description="Why it is disabled (by a user, or after failed deliveries).")
    consecutive_failures: int
    created_at: UtcTime


class CreatedWebhookOut(WebhookOut):
    secret: str = Field(description="whsec_ + base64: the signing secret, shown this once.")


class WebhookList(Answer):
    items: list[WebhookOut]


class DeliveryOut(Answer):
    id: int
    type: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: UtcTime
    delivered_at: UtcTime | None


class DeliveryPage(Page):
    items: list[DeliveryOut]


@bp.post(
    "/webhooks", summary="Create a webhook (secret shown once)", responses={201: CreatedWebhookOut, 422: ErrorResponse}
)
def create_webhook(body: WebhookIn):
    created = webhooks.create_webhook(body.url, body.events, body.calendars, body.offset_minutes, body.description)
    return answer(CreatedWebhookOut, {**webhooks.summary(created.row), "secret": created.secret}, 201)


@bp.get("/webhooks", summary="List webhooks", responses={200: WebhookList})
def list_webhooks():
    return answer(WebhookList, {"items": [webhooks.summary(row) for row in webhooks.list_webhooks()]})


@bp.patch(
    "/webhooks/<int:webhook_id>",
    summary="Enable or disable a webhook",
    responses={200: WebhookOut, 404: ErrorResponse, 422: ErrorResponse},
)
def change_webhook(path: WebhookPath, body: WebhookChange):
    return answer(WebhookOut, webhooks.summary(webhooks.set_enabled(path.webhook_id, body.enabled)))


@bp.delete("/webhooks/<int:webhook_id>", summary="Delete a webhook", responses={204: None, 404: ErrorResponse})
def delete_webhook(path: WebhookPath):
    webhooks.delete_webhook(path.webhook_id)
    return Response(status=204)


@bp.post(
    "/webhooks/<int:webhook_id>/test",
    summary="Queue a webhook.test delivery",
    responses={201: DeliveryOut, 404: ErrorResponse, 422: ErrorResponse},
)
def test_webhook(path: WebhookPath):
    """The delivery is sent by the daemon like any other (signed, retried); it appears in the delivery log."""
    return answer(DeliveryOut, webhooks.queue_test(path.webhook_id), 201)


@bp.get(
    "/webhooks/<int:webhook_id>/deliveries",
    summary="A webhook's deliveries, newest first",
    responses={200: DeliveryPage, 404: ErrorResponse, 422: ErrorResponse},
)
def list_deliveries(path: WebhookPath, query: DeliveryQuery):
    rows, total = webhooks.list_deliveries(path.webhook_id, query.page, query.page_size)
    return answer(DeliveryPage, page_of(rows, query.page, query.page_size, total))
