"""GET /api/v1/audit: the audit log, newest first (admin scope)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.api.base import api_blueprint
from app.api.schemas import Page, PageNumber, StrictModel
from app.services import audit
from app.timeutil import format_utc

bp = api_blueprint("audit", "Audit", "Every change made through the API or the dashboard, and by which key.")


class AuditQuery(StrictModel):
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=500)] = 50


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    key_name: str = Field(description="The key's name; api.api_key for the configured key.")
    action: str = Field(description="The route that made the change, e.g. create_event or revoke_key.")
    target_type: str
    target_id: str | None
    channel: str = Field(description="api or dashboard.")


class AuditPage(Page):
    items: list[AuditEntryOut]


@bp.get("/audit", summary="The audit log, newest first", responses={200: AuditPage})
def list_audit(query: AuditQuery):
    rows, total = audit.list_entries(query.page, query.page_size)
    items = [
        {
            "id": row.id,
            "at": format_utc(row.at),
            "key_name": row.key_name,
            "action": row.action,
            "target_type": row.target_type,
            "target_id": row.target_id,
            "channel": row.channel,
        }
        for row in rows
    ]
    return {"items": items, "page": query.page, "page_size": query.page_size, "total_count": total}
