"""The calendars of every configured account and how their last sync went."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.api.base import api_blueprint
from app.services.calendars import CalendarStatus, list_calendars
from app.timeutil import format_utc

bp = api_blueprint("calendars", "Calendars", "The calendars of the configured accounts and their sync state.")


class CalendarOut(BaseModel):
    id: str = Field(description="The local calendar id (the events' calendar_id).")
    account: str | None = Field(description="The account's name; null for a calendar no account has any more.")
    type: str = Field(description="The account's type: google, caldav, ics or demo (the events' source).")
    writable: bool
    status: CalendarStatus
    last_sync: str | None = Field(description="When the last sync of this calendar finished (UTC).")
    last_error: str | None = Field(description="What to fix, when the last sync failed.")


class CalendarList(BaseModel):
    items: list[CalendarOut]


@bp.get("/calendars", summary="List the calendars of every account", responses={200: CalendarList})
def list_all_calendars():
    items = [
        CalendarOut(
            id=item.id,
            account=item.account,
            type=item.type,
            writable=item.writable,
            status=item.status,
            last_sync=format_utc(item.state.last_sync_at) if item.state else None,
            last_error=item.state.last_error if item.state else None,
        )
        for item in list_calendars()
    ]
    return CalendarList(items=items).model_dump(mode="json")
