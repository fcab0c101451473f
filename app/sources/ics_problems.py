"""The problems of one ICS feed: which component was left out and why, in words people can act on."""

from __future__ import annotations

import re
from typing import Any

# Ids made up for components without a UID start with this, so they are recognisable in the database.
GENERATED_UID_PREFIX = "chronos-generated-"
MAX_PROBLEMS = 50
MAX_MESSAGE = 300


class FeedProblems:
    """Problems of one feed, one entry per (component, reason) with the number of occurrences skipped."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.entries: dict[tuple[str, str], dict[str, Any]] = {}

    def add(self, component, message: str, skipped: int | None = 1) -> None:
        """Record that `component` (or `skipped` of its occurrences; None: all of them) was left out."""
        uid = str(component.get("UID") or "")
        key = (uid, message)
        entry = self.entries.get(key)
        if entry is None:
            summary = text_value(component.get("SUMMARY"))[:80]
            entry = {"uid": uid, "summary": summary, "line": self._line(uid, summary), "message": message}
            entry["skipped"] = 0
            self.entries[key] = entry
        if skipped is None:
            entry["skipped"] = None
        elif entry["skipped"] is not None:
            entry["skipped"] += skipped

    def _line(self, uid: str, summary: str) -> int | None:
        """The line of the BEGIN:VEVENT holding the component's UID (else its summary), to find it in the file."""
        for name, value in (("UID", uid), ("SUMMARY", summary)):
            if value and not value.startswith(GENERATED_UID_PREFIX):
                match = re.search(rf"^{name}[;:][^\n]*{re.escape(value[:40])}", self.text, re.MULTILINE)
                if match:
                    begin = self.text.rfind("BEGIN:VEVENT", 0, match.start())
                    return self.text.count("\n", 0, begin if begin >= 0 else match.start()) + 1
        return None

    def as_list(self) -> list[dict[str, Any]]:
        return list(self.entries.values())[:MAX_PROBLEMS]


def text_value(value: Any) -> str:
    """A text property as a string (the first one when it is given twice)."""
    if value is None:
        return ""
    if isinstance(value, list):  # a property given twice
        value = value[0] if value else ""
    return str(value)


def plain_reason(exc: Exception) -> str:
    """An exception as a sentence for people: the message, not the Python class (unless it has none)."""
    message = str(exc).strip()
    if isinstance(exc, KeyError):
        message = f"it has no {message.strip(chr(39))} property"
    elif "'list' object has no attribute" in message:
        message = "a property that may appear only once (such as DTSTART or DTEND) is given more than once"
    elif isinstance(exc, TypeError | AttributeError):
        message = f"its dates or recurrence cannot be worked out: {message}"
    broken = re.match(r"Cannot access '\w+' on broken property '([\w-]+)'[^:]*: (.*)", message, re.DOTALL)
    if broken:
        message = f"its {broken.group(1)} cannot be read: {broken.group(2)}"
    message = message or type(exc).__name__
    return message[:MAX_MESSAGE]
