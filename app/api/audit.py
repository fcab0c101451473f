"""GET /api/v1/audit: the audit log, newest first (admin scope)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.api.answer import answer, page_of
from app.api.base import api_blueprint
from app.api.schemas import Answer, Page, PageNumber, StrictModel, UtcTime
from app.services import audit

bp = api_blueprint("audit", "Audit", "Every change made through the API or the dashboard, and by which key.")


class AuditQuery(StrictModel):
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=500)] = 50
    key_name: Annotated[str | None, Field(max_length=100, description="Only this key's changes.")] = None
    target_type: Annotated[str | None, Field(max_length=32, description="Only changes to this kind of object.")] = None
    target_id: Annotated[str | None, Field(max_length=64, description="Only changes to this object.")] = None


class AuditEntryOut(Answer):
    id: int
    at: UtcTime
    key_name: str = Field(description="The key's name; api.api_key for the configured key.")
    action: str = Field(description="The route that made the change, e.g. create_event or revoke_key.")
    target_type: str
    target_id: str | None
    channel: str = Field(description="api or dashboard.")


class AuditPage(Page):
    items: list[AuditEntryOut]


@bp.get("/audit", summary="The audit log, newest first", responses={200: AuditPage})
def list_audit(query: AuditQuery):
    rows, total = audit.list_entries(
        query.page, query.page_size, key_name=query.key_name, target_type=query.target_type, target_id=query.target_id
    )
    return answer(AuditPage, page_of(rows, query.page, query.page_size, total))
