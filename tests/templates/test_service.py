"""Template service: validation naming the field, ranked word search, atomic usage counting."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.api.template_schemas import TemplateOut
from app.errors import InvalidInputError, NotFoundError
from app.extensions import db
from app.models import TemplateUsage
from app.services import templates as service


def make(title: str, description: str = "", tags: list[str] | None = None, usage: int = 0, **extra):
    template = service.create_template({"title": title, "description": description, "tags": tags or [], **extra})
    for _ in range(usage):
        service.use_template(template.id)
    return template


def ids(q, page=1, page_size=100):
    items, total = service.list_templates(q, page, page_size)
    return [t.title for t in items], total


def test_create_applies_defaults_and_round_trips(app):
    template = make("Standup", default_time="09:30", duration_minutes=15, author="ana")
    data = TemplateOut.model_validate(service.get_template(template.id)).model_dump(mode="json")
    assert data["title"] == "Standup" and data["default_time"] == "09:30"
    assert data["duration_minutes"] == 15 and data["calendar_id"] == "local"
    assert data["usage_count"] == 0 and data["tags"] == [] and data["all_day"] is False
    assert data["created_at"].endswith("Z") and data["author"] == "ana"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "no title"}, "title"),
        ({"title": "t", "default_time": "9:00"}, "default_time"),
        ({"title": "t", "default_time": "24:00"}, "default_time"),
        ({"title": "t", "default_time": "12:60"}, "default_time"),
        ({"title": "t", "duration_minutes": 0}, "duration_minutes"),
        ({"title": "t", "duration_minutes": 1441}, "duration_minutes"),
        ({"title": "t", "duration_minutes": True}, "duration_minutes"),
        ({"title": "t", "tags": "a,b"}, "tags"),
        ({"title": "t", "colour": "red"}, "colour"),
        ({"title": "t", "all_day": "yes"}, "all_day"),
    ],
)
def test_invalid_fields_are_named(app, fields, field):
    with pytest.raises(InvalidInputError) as caught:
        service.create_template(fields)
    assert caught.value.field == field


def test_duration_bounds_are_inclusive(app):
    assert make("short", duration_minutes=1).duration_minutes == 1
    assert make("long", duration_minutes=1440).duration_minutes == 1440


def test_update_changes_only_given_fields(app):
    template = make("Review", description="weekly", tags=["work"])
    service.update_template(template.id, {"description": "monthly"})
    data = TemplateOut.model_validate(service.get_template(template.id)).model_dump(mode="json")
    assert data["description"] == "monthly" and data["title"] == "Review" and data["tags"] == ["work"]


def test_missing_template_is_not_found(app):
    for call in (
        lambda: service.get_template(99),
        lambda: service.delete_template(99),
        lambda: service.update_template(99, {"title": "x"}),
        lambda: service.use_template(99),
    ):
        with pytest.raises(NotFoundError):
            call()


def test_search_requires_every_word(app):
    make("Team standup", description="daily sync", tags=["work"])
    make("Standup notes", description="personal")
    assert ids("standup") == (["Team standup", "Standup notes"], 2)  # equal weight and usage: by id
    assert ids("standup work") == (["Team standup"], 1)
    assert ids("standup holiday") == ([], 0)


def test_search_ranks_title_over_tags_over_description(app):
    make("Dentist", description="bring the gym card")
    make("Running", tags=["gym"])
    make("Gym session")
    assert ids("gym")[0] == ["Gym session", "Running", "Dentist"]


def test_weights_add_up_over_fields_and_words(app):
    make("Yoga", tags=["yoga"])  # title 3 + tag 2 = 5
    make("Yoga class")  # title only = 3
    make("Stretching", description="yoga", tags=["yoga"])  # tag 2 + description 1 = 3, fewer uses
    assert ids("yoga")[0] == ["Yoga", "Yoga class", "Stretching"]


def test_equal_weight_is_ranked_by_usage(app):
    make("Lunch A", usage=1)
    make("Lunch B", usage=3)
    make("Lunch C", usage=2)
    assert ids("lunch")[0] == ["Lunch B", "Lunch C", "Lunch A"]


def test_search_is_case_insensitive_and_unicode_aware(app):
    make("Café meeting", tags=["Straße"])
    assert ids("CAFÉ")[0] == ["Café meeting"]
    assert ids("strasse")[0] == ["Café meeting"]  # casefold maps ß to ss


def test_hostile_query_text_is_plain_text(app):
    make('Quote "this" (now)')
    assert ids('"this"')[0] == ['Quote "this" (now)']
    assert ids("% _ *")[1] == 0


def test_pages_split_the_ranked_list(app):
    for n in range(5):
        make(f"Item {n}", usage=n)
    assert ids("item", page=1, page_size=2) == (["Item 4", "Item 3"], 5)
    assert ids("item", page=3, page_size=2) == (["Item 0"], 5)
    assert ids(None, page=2, page_size=2) == (["Item 2", "Item 1"], 5)


def test_use_counts_and_logs(app):
    template = make("Gym")
    assert service.use_template(template.id) == 1
    assert service.use_template(template.id, event_id=7) == 2
    assert service.get_template(template.id).usage_count == 2
    rows = db.session.scalars(select(TemplateUsage).where(TemplateUsage.template_id == template.id)).all()
    assert sorted(row.event_id or 0 for row in rows) == [0, 7]


def test_use_does_not_touch_updated_at(app):
    template = make("Gym")
    before = service.get_template(template.id).updated_at
    service.use_template(template.id)
    assert service.get_template(template.id).updated_at == before


def test_delete_removes_template_and_usage(app):
    template = make("Gone", usage=2)
    service.delete_template(template.id)
    with pytest.raises(NotFoundError):
        service.get_template(template.id)
    assert db.session.scalar(select(func.count()).select_from(TemplateUsage)) == 0
