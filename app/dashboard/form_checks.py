"""Every field of a dashboard form checked at once by the services' own rules, in words a person uses.

The services stop at the first bad field (right for the API); a form should name every problem in one go, so
each field is checked on its own against the same service code and its message rewritten for people.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from app.errors import InvalidInputError

# How a field is called in a sentence.
FIELD_NAMES = {
    "title": "title",
    "start_time": "start",
    "end_time": "end",
    "calendar_id": "calendar",
    "duration_minutes": "duration",
    "default_time": "default time",
    "event_type": "type",
    "api_key": "key",
}
LENGTH = re.compile(r"must be (\d+)\s*(?:-|–|to)\s*(\d+) characters")
TAG_LENGTH = re.compile(r"must be a string of 1-(\d+) characters")


def field_name(field: str) -> str:
    """'end_time' -> 'end'."""
    return FIELD_NAMES.get(field, field.replace("_", " "))


def humanize(field: str, message: str, value: Any = None) -> str:
    """A service's message about ``field`` as a sentence for the form (the API keeps the exact wording)."""
    name = field_name(field.split(".")[0])
    text = message.split(": ", 1)[-1] if message.startswith(field) else message
    if "end_time must not be before start_time" in text or "later date than start_time" in text:
        return "End must be after start."
    if "required" in text:
        return f"{name.capitalize()} is required."
    if "RFC 3339" in text:
        return f"Enter the {name} as a date and time."
    if "YYYY-MM-DD" in text:
        return f"Enter the {name} as a date."
    if "HH:MM" in text:
        return f"Enter the {name} as HH:MM, for example 09:30."
    match = TAG_LENGTH.search(text)
    if match:
        return f"Each tag can be at most {match.group(1)} characters long."
    match = LENGTH.search(text)
    if match:
        low, high = int(match.group(1)), int(match.group(2))
        if low > 0 and isinstance(value, str) and not value.strip():
            return f"{name.capitalize()} is required."
        return f"{name.capitalize()} can be at most {high:,} characters long."
    if text.startswith("must be one of"):
        return f"Choose a {name} from the list."
    for raw, words in FIELD_NAMES.items():
        text = text.replace(raw, words)
    sentence = text if text[:1].isupper() else f"{name.capitalize()} {text}"
    return sentence if sentence.endswith((".", "?", "!")) else sentence + "."


def attach(form, field: str, message: str) -> None:
    """Show ``message`` beside ``field`` of ``form`` (or above the form when it has no such field), once."""
    target = getattr(form, field.split(".")[0], None)
    if target is None or not hasattr(target, "errors"):
        if message not in form.form_errors:
            form.form_errors.append(message)
        return
    errors = list(target.errors or [])
    if message not in errors:
        target.errors = [*errors, message]


def check_each(form, groups: Iterable[tuple[str, ...]], check: Callable[[dict[str, Any]], Any], fields: dict) -> bool:
    """Run ``check`` once per group of fields (fields judged together, like start and end, form one group);
    every failure is attached to its field. True when nothing failed."""
    clean = True
    for group in groups:
        try:
            check({name: fields.get(name) for name in group})
        except InvalidInputError as exc:
            attach(form, exc.field, humanize(exc.field, exc.message, fields.get(exc.field.split(".")[0])))
            clean = False
    return clean
