"""Google push notifications: Google posts here when a watched calendar changed; the daemon then syncs it.

Public (Google sends no bearer key): the channel id and its secret token, both chosen by the daemon when it
opened the channel, are what is checked. Refusals are counted like wrong API keys, so guessing is throttled.
"""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app import throttle
from app.access import client_address, too_many_attempts
from app.api.answer import answer
from app.api.base import api_blueprint
from app.api.schemas import Answer, ErrorResponse
from app.auth import public
from app.services import push_notices

log = logging.getLogger("chronos.push")

bp = api_blueprint("google_push", "Google push", "Change notices Google sends for watched calendars.", public=True)


class NoticeHeaders(BaseModel):
    """The headers Google sends with each notice (other headers are ignored)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    channel_id: str = Field("", alias="X-Goog-Channel-ID", description="The channel's id, chosen by Chronos.")
    channel_token: str = Field("", alias="X-Goog-Channel-Token", description="The channel's secret token.")
    resource_state: str = Field(
        "", alias="X-Goog-Resource-State", description="sync (the handshake), exists or not_exists."
    )
    message_number: str = Field("", alias="X-Goog-Message-Number", description="Google's message counter.")


class NoticeOut(Answer):
    status: Literal["handshake", "queued", "already_queued"] = Field(
        description="handshake: nothing to do; queued: a sync of the calendar was requested; already_queued: one "
        "was waiting already."
    )


@bp.post(
    "/google/notifications",
    summary="Receive a Google push notification",
    responses={200: NoticeOut, 404: ErrorResponse, 429: ErrorResponse},
)
@public
def receive_google_notification(header: NoticeHeaders):
    """Check the channel and token, then queue a sync of its calendar (the handshake queues nothing)."""
    address = client_address()
    wait = throttle.retry_after(throttle.PUSH, address)
    if wait is not None:
        return too_many_attempts(wait)
    try:
        outcome = push_notices.accept_notice(header.channel_id, header.channel_token, header.resource_state)
    except push_notices.UnknownChannelError:
        throttle.record_failure(throttle.PUSH, address)
        log.warning("refused a push notice from %s: unknown channel %r or wrong token", address, header.channel_id[:64])
        raise
    return answer(NoticeOut, {"status": outcome})
