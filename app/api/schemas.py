"""Pydantic models shared by several API resources."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    Strict,
    WithJsonSchema,
    model_serializer,
)

from app.timeutil import format_utc

# SQLite integers are 64-bit: a larger id or page would overflow in the driver instead of failing validation.
# The largest id a table holds on both backends (PostgreSQL integer keys are 32-bit).
MAX_ID = 2**31 - 1
MAX_PAGE = 1_000_000


def _whole_float_as_int(value: Any) -> Any:
    """JSON Schema counts 68.0 as an integer; so does this API (68.5, true and "68" stay refused)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# After a field's own Field(...) constraints (placed before them, the document would lose its minimum and
# maximum): an integer in a JSON body is a number without a fraction (68 or 68.0), never a boolean or a string.
WHOLE_NUMBER = BeforeValidator(_whole_float_as_int)
NOT_COERCED = Strict()
ResourceId = Annotated[int, Field(ge=1, le=MAX_ID)]
# A moment in an answer: an aware datetime from the service, written as RFC 3339 UTC ending in Z.
UtcTime = Annotated[
    datetime,
    PlainSerializer(format_utc, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE, description="Page number, from 1.")]

# The years of app.timeutil.EARLIEST..LATEST, which every date and time the API reads must lie within.
SUPPORTED_YEAR = r"^[1-8][0-9]{3}-"
DAY_SCHEMA: dict[str, Any] = {"type": "string", "format": "date", "pattern": SUPPORTED_YEAR}
# PostgreSQL text cannot hold NUL: refused (422) on every backend, so both answer the same.
NO_NUL = r"^[^\x00]*$"
# Text without NUL that still holds a character once trimmed (the characters Python's str.strip removes are
# spelled out for regex engines whose \s is narrower).
NOT_BLANK = r"^[^\x00]*[^\s\x1c-\x1f\x85\x00][^\x00]*$"


def omittable(extra: dict[str, Any] | None = None) -> Any:
    """The default of a field that may be left out but not sent as null (null is refused, and the document,
    which shows no default, does not offer it); ``extra`` is added to the field's schema (pydantic keeps only
    one json_schema_extra per field, so it is given here rather than in the field's type)."""

    def document(schema: dict[str, Any]) -> None:
        schema.pop("default", None)
        schema.update(extra or {})

    return Field(default=None, json_schema_extra=document)


_DEFAULT_SCHEMAS: dict[type, dict[str, Any]] = {}


class StrictModel(BaseModel):
    """Request models reject unknown fields, so a typo is a 422 that names the field."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The default-argument schema is built once per model.

        flask-openapi3 asks for it on every request with a query model (to find list-valued fields), and
        building it costs more than the rest of a request; callers only read it.
        """
        if args or kwargs:
            return super().model_json_schema(*args, **kwargs)
        schema = _DEFAULT_SCHEMAS.get(cls)
        if schema is None:
            schema = _DEFAULT_SCHEMAS[cls] = super().model_json_schema()
        return schema


class Answer(BaseModel):
    """A response model: read from the objects services return (models, dataclasses) by attribute."""

    model_config = ConfigDict(from_attributes=True)


class PartialAnswer(Answer):
    """An answer with parts it only has sometimes: the fields named in ``omit_when_none`` are left out while None."""

    omit_when_none: ClassVar[tuple[str, ...]] = ()

    def absent_parts(self) -> tuple[str, ...]:
        """The fields this answer leaves out (by default those of ``omit_when_none`` that are None)."""
        return tuple(name for name in self.omit_when_none if getattr(self, name) is None)

    # No return annotation: pydantic would otherwise document the answer as a bare object instead of its fields.
    @model_serializer(mode="wrap")
    def _omit_absent_parts(self, handler: SerializerFunctionWrapHandler):
        data = handler(self)
        for name in self.absent_parts():
            data.pop(name, None)
        return data


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorResponse(BaseModel):
    """Every API error: {"error": {"code", "message", "details"?}}."""

    error: ErrorBody


class Page(Answer):
    page: int
    page_size: int
    total_count: int
