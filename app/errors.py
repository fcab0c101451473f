"""Domain errors raised by services; the API turns them into JSON, the dashboard into messages."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.details = details


class NotFoundError(DomainError):
    status = 404
    code = "not_found"


class ConflictError(DomainError):
    """The resource is in a state that does not allow the request."""

    status = 409
    code = "conflict"


class InvalidInputError(DomainError):
    """A field fails validation; details name the field."""

    status = 422
    code = "validation_error"

    def __init__(self, field: str, message: str):
        super().__init__(
            f"{field}: {message}", details={"field": field, "errors": [{"field": field, "message": message}]}
        )
        self.field = field


class ReadOnlyCalendarError(InvalidInputError):
    """An event of a calendar Chronos may not write to (an ICS feed, the demo, an account with writable: false)."""

    code = "read_only_calendar"


class UnavailableError(DomainError):
    status = 503
    code = "unavailable"
