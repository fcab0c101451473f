"""Dashboard forms (Flask-WTF, so each carries its CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from app.dashboard.form_checks import attach, check_each, humanize
from app.errors import InvalidInputError
from app.models import (
    AUTHOR_MAX,
    CALENDAR_ID_MAX,
    DESCRIPTION_MAX,
    DURATION_MAX,
    DURATION_MIN,
    EVENT_STATUSES,
    EVENT_TYPES,
    LOCATION_MAX,
    PRIORITIES,
    TEMPLATE_DESCRIPTION_MAX,
    TITLE_MAX,
    ApiKey,
)

# A key's name is as long as its column allows (the keys service checks the same length).
KEY_NAME_MAX: int = ApiKey.__table__.c.name.type.length  # type: ignore[attr-defined]
# Fields of an event the events service judges together (the end is checked against the start).
EVENT_CHECKS = (
    ("title",),
    ("start_time", "end_time", "all_day"),
    ("location",),
    ("calendar_id",),
    ("tags",),
    ("priority",),
    ("event_type",),
    ("status",),
    ("description",),
)
# Any valid start, for checking a field that does not depend on the times.
SAMPLE_EVENT = {"title": "sample", "start_time": "2000-01-01T00:00:00Z"}


class LoginForm(FlaskForm):
    api_key = PasswordField("API key", validators=[DataRequired(message="Enter the API key.")])
    next = HiddenField()


class KeyForm(FlaskForm):
    """A new API key: its name and scopes (space- or comma-separated)."""

    name = StringField(
        "Name",
        validators=[
            DataRequired(message="Name the key."),
            Length(max=KEY_NAME_MAX, message=f"Name can be at most {KEY_NAME_MAX} characters long."),
        ],
        render_kw={"maxlength": KEY_NAME_MAX},
    )
    scopes = StringField("Scopes", default="read", description="admin, read, write, metrics, commands:<system>")

    def scope_list(self) -> list[str]:
        return [scope for scope in (self.scopes.data or "").replace(",", " ").split() if scope]

    def validate_scopes(self, field) -> None:
        """Checked with the name, so a bad name and a bad scope are both reported at once."""
        from wtforms.validators import ValidationError

        from app.scopes import is_valid_scope

        scopes = self.scope_list()
        if not scopes:
            raise ValidationError("Give at least one scope.")
        unknown = [scope for scope in scopes if not is_valid_scope(scope)]
        if unknown:
            raise ValidationError(
                f"“{unknown[0]}” is an unknown scope: use admin, read, write, metrics or commands:<system>."
            )


class LogoutForm(FlaskForm):
    """Logging out changes state, so it is a CSRF-protected POST."""


class TemplateForm(FlaskForm):
    """A template's fields as a person types them; the templates service does the validation."""

    title = StringField("Title", render_kw={"maxlength": TITLE_MAX})
    description = TextAreaField("Description", render_kw={"maxlength": TEMPLATE_DESCRIPTION_MAX})
    all_day = BooleanField("All day")
    default_time = StringField("Default time", render_kw={"type": "time"})
    duration_minutes = StringField(
        "Duration (minutes)",
        default="60",
        render_kw={"type": "number", "min": DURATION_MIN, "max": DURATION_MAX, "step": 1, "inputmode": "numeric"},
    )
    calendar_id = StringField("Calendar", default="local", render_kw={"maxlength": CALENDAR_ID_MAX})
    tags = StringField("Tags", description="comma-separated")
    author = StringField("Author", render_kw={"maxlength": AUTHOR_MAX})

    def service_fields(self, strict: bool = True) -> dict[str, Any]:
        """The form as the service's input; a duration that is not a number names its field.

        With strict False such a duration is passed on as text, for the service to reject when asked.
        """
        duration = (self.duration_minutes.data or "").strip()
        if not duration.isdigit() and strict:
            raise InvalidInputError("duration_minutes", "must be a whole number of minutes from 1 to 1440")
        return {
            "title": self.title.data or "",
            "description": self.description.data or "",
            "all_day": bool(self.all_day.data),
            "default_time": (self.default_time.data or "").strip() or None,
            "duration_minutes": int(duration) if duration.isdigit() else duration,
            "calendar_id": (self.calendar_id.data or "").strip() or "local",
            "tags": split_tags(self.tags.data),
            "author": self.author.data or "",
        }

    def check_all(self) -> bool:
        """Every field against the templates service's rules, so all errors show at once."""
        from app.services.templates import clean_fields

        fields = self.service_fields(strict=False)
        return check_each(self, ((name,) for name in fields), lambda part: clean_fields(part, partial=True), fields)


class UseTemplateForm(FlaskForm):
    on = DateField("Date", validators=[InputRequired(message="Choose a date.")])
    at = StringField("Time", render_kw={"type": "time"}, description="empty: the template's default time")


class ConfirmForm(FlaskForm):
    """A bare POST confirmation (delete): only the CSRF token."""


def split_tags(text: str | None) -> list[str]:
    """'a, b ,c' -> ['a', 'b', 'c']."""
    return [tag.strip() for tag in (text or "").split(",") if tag.strip()]


def show_error(form: FlaskForm, exc: InvalidInputError) -> None:
    """Attach a service validation error, in words a person uses, to the field it names (or to the form)."""
    field = getattr(form, exc.field.split(".")[0], None)
    attach(form, exc.field, humanize(exc.field, exc.message, getattr(field, "data", None)))


class EventForm(FlaskForm):
    """An event's editable fields; times are read in the app time zone, like API input without an offset."""

    title = StringField("Title", render_kw={"maxlength": TITLE_MAX})
    start_time = StringField("Starts", render_kw={"type": "datetime-local"})
    end_time = StringField("Ends", render_kw={"type": "datetime-local"})
    all_day = BooleanField("All day", description="dates only; the end day is exclusive")
    location = StringField("Location", render_kw={"maxlength": LOCATION_MAX})
    calendar_id = StringField("Calendar", render_kw={"maxlength": CALENDAR_ID_MAX})
    tags = StringField("Tags", description="comma-separated")
    priority = SelectField("Priority", choices=list(PRIORITIES))
    event_type = SelectField("Type", choices=list(EVENT_TYPES))
    status = SelectField("Status", choices=list(EVENT_STATUSES))
    description = TextAreaField("Description", render_kw={"maxlength": DESCRIPTION_MAX})

    def service_fields(self) -> dict[str, Any]:
        """The form as a PATCH body for the events service."""
        all_day = bool(self.all_day.data)
        start, end = (self.start_time.data or "").strip(), (self.end_time.data or "").strip()
        if all_day:  # the service reads all-day times as dates
            start, end = start[:10], end[:10]
        return {
            "title": self.title.data or "",
            "description": self.description.data or "",
            "location": self.location.data or "",
            "calendar_id": (self.calendar_id.data or "").strip(),
            "tags": split_tags(self.tags.data),
            "priority": self.priority.data,
            "event_type": self.event_type.data,
            "status": self.status.data,
            "all_day": all_day,
            "start_time": start or None,
            "end_time": end or None,
        }

    def check_all(self, fields: dict[str, Any]) -> bool:
        """Every field of ``fields`` (the service input) against the events service's rules, all errors at once."""
        from app.config import current_settings
        from app.services.event_fields import normalize_event_fields

        zone = current_settings().zone
        return check_each(
            self, EVENT_CHECKS, lambda part: normalize_event_fields({**SAMPLE_EVENT, **part}, zone), fields
        )
