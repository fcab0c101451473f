"""API keys under /api/v1/keys: create (the key shown once), list, revoke. Admin scope only."""

from __future__ import annotations

from typing import Annotated

from flask import Response
from pydantic import Field

from app.api.answer import answer
from app.api.base import api_blueprint
from app.api.schemas import NOT_BLANK, Answer, ErrorResponse, ResourceId, StrictModel, UtcTime
from app.services import api_keys

bp = api_blueprint("keys", "Keys", "Bearer keys with scopes; managed with an admin key.")


# The scopes app.scopes.is_valid_scope takes: a plain one, or commands: and a system id without NUL.
SCOPE_PATTERN = r"^(admin|read|write|metrics|commands:[^\x00]{1,200})$"


class KeyIn(StrictModel):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=NOT_BLANK, description="What the key is for.")]
    scopes: Annotated[
        list[Annotated[str, Field(pattern=SCOPE_PATTERN)]],
        Field(min_length=1, description="admin, read, write, metrics, commands:<system_id> or commands:*."),
    ]


class KeyPath(StrictModel):
    key_id: ResourceId


class KeyOut(Answer):
    id: int
    name: str
    scopes: list[str]
    created_at: UtcTime
    last_used_at: UtcTime | None
    revoked: bool


class CreatedKeyOut(Answer):
    id: int
    name: str
    scopes: list[str]
    key: str = Field(description="The key itself: shown this once, stored only as a hash.")
    created_at: UtcTime


class KeyList(Answer):
    items: list[KeyOut]


@bp.post("/keys", summary="Create a key (shown once)", responses={201: CreatedKeyOut, 422: ErrorResponse})
def create_key(body: KeyIn):
    created = api_keys.create_key(body.name, body.scopes)
    row = created.row
    shown = {"id": row.id, "name": row.name, "scopes": row.scopes, "key": created.key, "created_at": row.created_at}
    return answer(CreatedKeyOut, shown, 201)


@bp.get("/keys", summary="List keys", responses={200: KeyList})
def list_keys():
    return answer(KeyList, {"items": api_keys.list_keys()})


@bp.delete("/keys/<int:key_id>", summary="Revoke a key", responses={204: None, 404: ErrorResponse})
def revoke_key(path: KeyPath):
    """Every process refuses the key within a second; dashboard sessions signed in with it end."""
    api_keys.revoke_key(path.key_id)
    return Response(status=204)
