"""Event templates: CRUD, ranked word search, atomic usage counting, and events made from a template."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select, update

from app.config import current_settings
from app.db import write_transaction
from app.errors import InvalidInputError, NotFoundError
from app.extensions import db
from app.models import (
    AUTHOR_MAX,
    CALENDAR_ID_MAX,
    DURATION_MAX,
    DURATION_MIN,
    TEMPLATE_DESCRIPTION_MAX,
    TITLE_MAX,
    Event,
    Template,
    TemplateUsage,
)
from app.plugins import Consumed
from app.services.event_fields import clean_tags
from app.timeutil import to_utc

HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
# Search weights: a word found in the title counts most, then tags, then the description.
WEIGHTS = {"title": 3, "tags": 2, "description": 1}
EDITABLE = ("title", "description", "all_day", "default_time", "duration_minutes", "calendar_id", "tags", "author")
DEFAULTS: dict[str, Any] = {
    "description": "",
    "all_day": False,
    "default_time": None,
    "duration_minutes": 60,
    "calendar_id": "local",
    "tags": [],
    "author": "",
}


def clean_fields(fields: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validate template fields (the dashboard's forms reach here without pydantic); errors name the field."""
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise InvalidInputError(unknown[0], "unknown field")
    if not partial:
        if "title" not in fields:
            raise InvalidInputError("title", "field required")
        fields = {**DEFAULTS, **fields}
    clean = dict(fields)
    if "title" in clean:
        clean["title"] = _text(clean["title"], "title", 1, TITLE_MAX)
    for name, limit in (("description", TEMPLATE_DESCRIPTION_MAX), ("author", AUTHOR_MAX)):
        if name in clean:
            clean[name] = _text(clean[name] or "", name, 0, limit)
    if "calendar_id" in clean:
        clean["calendar_id"] = _text(clean["calendar_id"], "calendar_id", 1, CALENDAR_ID_MAX)
    if "all_day" in clean and not isinstance(clean["all_day"], bool):
        raise InvalidInputError("all_day", "must be true or false")
    if "default_time" in clean:
        clean["default_time"] = _hhmm(clean["default_time"], "default_time")
    if "duration_minutes" in clean:
        value = clean["duration_minutes"]
        if isinstance(value, bool) or not isinstance(value, int) or not DURATION_MIN <= value <= DURATION_MAX:
            raise InvalidInputError(
                "duration_minutes", f"must be a whole number of minutes from {DURATION_MIN} to {DURATION_MAX}"
            )
    if "tags" in clean:
        clean["tags"] = clean_tags(clean["tags"])
    return clean


def _text(value: Any, field: str, low: int, high: int) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(field, "must be text")
    value = value.strip()
    if not low <= len(value) <= high:
        raise InvalidInputError(field, f"must be {low}–{high} characters long")
    return value


def _hhmm(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not HHMM.fullmatch(value.strip()):
        raise InvalidInputError(field, "must be a time of day as HH:MM (00:00–23:59)")
    return value.strip()


def get_template(id: int) -> Template:
    """One template, or NotFoundError."""
    template = db.session.get(Template, id)
    if template is None:
        raise NotFoundError(f"Template {id} does not exist.")
    return template


def create_template(fields: dict[str, Any]) -> Template:
    """Store a new template from validated fields."""
    clean = clean_fields(fields, partial=False)
    with write_transaction() as session:
        template = Template(**clean, usage_count=0)
        session.add(template)
        session.flush()
    return template


def update_template(id: int, fields: dict[str, Any]) -> Template:
    """Change the given fields of a template (the API's PUT passes every field)."""
    clean = clean_fields(fields, partial=True)
    with write_transaction() as session:
        template = session.get(Template, id)
        if template is None:
            raise NotFoundError(f"Template {id} does not exist.")
        for name, value in clean.items():
            setattr(template, name, value)
    return template


def delete_template(id: int) -> None:
    """Delete a template; its usage rows go with it (ON DELETE CASCADE)."""
    with write_transaction() as session:
        template = session.get(Template, id)
        if template is None:
            raise NotFoundError(f"Template {id} does not exist.")
        session.delete(template)


def list_templates(q: str | None, page: int, page_size: int) -> tuple[list[Template], int]:
    """A page of templates and the total; with ``q`` only those where every word matches, best first.

    Without ``q`` the order is usage_count (most used first), then id.
    """
    words = [word.casefold() for word in (q or "").split()]
    if not words:
        total = db.session.scalar(select(func.count()).select_from(Template)) or 0
        rows = db.session.scalars(
            select(Template)
            .order_by(Template.usage_count.desc(), Template.id)
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).all()
        return list(rows), total
    # Templates are a hand-curated list, so scoring happens here: it keeps Unicode case folding and
    # tag matching exact on any database, which LIKE over a JSON column would not.
    candidates = db.session.execute(
        select(Template.id, Template.title, Template.description, Template.tags, Template.usage_count)
    ).all()
    scored = []
    for row in candidates:
        score = match_score(words, row.title, row.description or "", row.tags or [])
        if score:
            scored.append((-score, -row.usage_count, row.id))
    scored.sort()
    ids = [item[2] for item in scored[(page - 1) * page_size : page * page_size]]
    by_id = {t.id: t for t in db.session.scalars(select(Template).where(Template.id.in_(ids)))} if ids else {}
    return [by_id[i] for i in ids], len(scored)


def match_score(words: list[str], title: str, description: str, tags: list[str]) -> int:
    """Sum of field weights over the words; 0 when any word matches no field (every word is required)."""
    fields = {"title": title.casefold(), "description": description.casefold()}
    folded_tags = [tag.casefold() for tag in tags]
    total = 0
    for word in words:
        score = sum(WEIGHTS[name] for name, text in fields.items() if word in text)
        if any(word in tag for tag in folded_tags):
            score += WEIGHTS["tags"]
        if not score:
            return 0
        total += score
    return total


def use_template(id: int, event_id: int | None = None) -> int:
    """Count one use atomically in SQL and log it; returns the new usage count.

    The increment is one UPDATE ... RETURNING, so concurrent uses never lose a count.
    """
    with write_transaction() as session:
        new_count = session.execute(
            update(Template)
            .where(Template.id == id)
            # updated_at keeps its value: using a template is not an edit of it.
            .values(usage_count=Template.usage_count + 1, updated_at=Template.updated_at)
            .returning(Template.usage_count)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if new_count is None:
            raise NotFoundError(f"Template {id} does not exist.")
        session.add(TemplateUsage(template_id=id, event_id=event_id))
        loaded = session.identity_map.get(session.identity_key(Template, id))
        if loaded is not None:  # a copy loaded earlier in this session must not show the old count
            session.expire(loaded, ["usage_count"])
    return new_count


def event_fields_from_template(template: Template, on: date, at: str | None = None) -> dict[str, Any]:
    """The events service's input fields for an event made from ``template`` on day ``on``."""
    fields: dict[str, Any] = {
        "title": template.title,
        "description": template.description or "",
        "calendar_id": template.calendar_id,
        "tags": list(template.tags or []),
        "all_day": bool(template.all_day),
    }
    if template.all_day:
        fields["start_time"] = on.isoformat()
        fields["end_time"] = (on + timedelta(days=1)).isoformat()
        return fields
    if isinstance(at, str) and re.fullmatch(r"\d\d:\d\d:00", at.strip()):
        at = at.strip()[:5]  # browsers' time inputs may add seconds
    clock = _hhmm(at, "at") or template.default_time
    if clock is None:
        raise InvalidInputError("at", "this template has no default time; give a time of day as HH:MM")
    hour, minute = (int(part) for part in clock.split(":"))
    start = to_utc(datetime.combine(on, time(hour, minute)), current_settings().zone)
    fields["start_time"] = start
    fields["end_time"] = start + timedelta(minutes=template.duration_minutes)
    return fields


def create_event_from_template(template_id: int, on: date, at: str | None = None) -> Event | Consumed:
    """Create an event from a template on a date (at ``at`` or its default time) and count the use.

    The event goes through the events service, so the plugin pipeline runs; when a plugin consumes it
    (a template titled "NOTE: ..." for example) the Consumed result is returned instead of an event.
    """
    from app.services import events  # imported late: the events service imports the plugin pipeline

    template = get_template(template_id)
    fields = event_fields_from_template(template, on, at)
    with write_transaction():
        event, consumed = events.create_event(fields)
        use_template(template_id, event.id if event is not None else None)
    if event is not None:
        return event
    if consumed is None:
        raise RuntimeError("the plugin pipeline neither stored nor consumed the event")
    return consumed
