"""Pydantic models shared by several API resources."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Request models reject unknown fields, so a typo is a 422 that names the field."""

    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorResponse(BaseModel):
    """Every API error: {"error": {"code", "message", "details"?}}."""

    error: ErrorBody


class Page(BaseModel):
    page: int
    page_size: int
    total_count: int
