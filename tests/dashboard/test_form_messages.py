"""Dashboard forms: every field's error at once, in words a person uses, beside its field; limits as attributes."""

from __future__ import annotations

import re

from app.models import DURATION_MAX, DURATION_MIN, TITLE_MAX
from tests.dashboard.helpers import HX, assert_page, assert_partial, csrf
from tests.dashboard.test_events import edit_form, make_event


def error_of(html: str, fid: str) -> str:
    """The text of the error slot of the field with id ``fid``."""
    match = re.search(rf'<p class="field-error" id="{fid}-error"[^>]*>(.*?)</p>', html, re.S)
    assert match, f"no error slot for {fid}"
    return match.group(1).strip()


def input_tag(html: str, fid: str) -> str:
    match = re.search(rf'<(?:input|textarea|select)[^>]*\bid="{fid}"[^>]*>', html)
    assert match, f"no input {fid}"
    return match.group(0)


def test_new_event_shows_every_error_at_once_in_plain_words(dashboard):
    data = {**edit_form(title="x" * 10_000, start_time="2030-01-07T10:00", end_time="2030-01-07T09:00")}
    html = assert_page(dashboard.post("/events/new", data={**data, "csrf_token": csrf(dashboard)}), 422)
    assert error_of(html, "new-title") == f"Title can be at most {TITLE_MAX} characters long."
    assert error_of(html, "new-end_time") == "End must be after start."
    for fid in ("new-title", "new-end_time"):
        tag = input_tag(html, fid)
        assert 'aria-invalid="true"' in tag and f'aria-describedby="{fid}-error"' in tag
    assert 'aria-invalid="true"' not in input_tag(html, "new-location")
    assert "must not be before" not in html and "end_time must" not in html


def test_edit_event_errors_with_htmx_are_all_shown(dashboard):
    event_id = make_event("Planning")
    data = {**edit_form(title="", end_time="2030-01-06T08:00", tags="ok, " + "t" * 100), "csrf_token": csrf(dashboard)}
    html = assert_partial(dashboard.post(f"/events/{event_id}", data=data, headers=HX))
    assert error_of(html, "ev-title") == "Title is required."
    assert error_of(html, "ev-end_time") == "End must be after start."
    assert error_of(html, "ev-tags") == "Each tag can be at most 64 characters long."


def test_missing_start_is_named(dashboard):
    html = assert_page(
        dashboard.post("/events/new", data={**edit_form(start_time="", end_time=""), "csrf_token": csrf(dashboard)}),
        422,
    )
    assert error_of(html, "new-start_time") == "Start is required."


def test_event_inputs_carry_the_server_limits(dashboard):
    html = assert_page(dashboard.get("/events/new"))
    assert f'maxlength="{TITLE_MAX}"' in input_tag(html, "new-title")
    assert 'type="datetime-local"' in input_tag(html, "new-start_time")
    assert 'type="datetime-local"' in input_tag(html, "new-end_time")


def test_template_form_shows_every_error_and_number_limits(dashboard):
    page = assert_page(dashboard.get("/templates"))
    duration = input_tag(page, "new-duration_minutes")
    assert 'type="number"' in duration
    assert f'min="{DURATION_MIN}"' in duration and f'max="{DURATION_MAX}"' in duration
    data = {
        "title": "",
        "description": "",
        "default_time": "7pm",
        "duration_minutes": "0",
        "calendar_id": "local",
        "tags": "",
        "author": "",
        "csrf_token": csrf(dashboard),
    }
    html = assert_page(dashboard.post("/templates", data=data), 422)
    assert error_of(html, "new-title") == "Title is required."
    assert error_of(html, "new-default_time") == "Enter the default time as HH:MM, for example 09:30."
    assert "1 to 1440" in error_of(html, "new-duration_minutes")


def test_key_name_limit_and_message(dashboard):
    page = dashboard.get("/keys").text
    assert 'maxlength="100"' in input_tag(page, "key-name")
    data = {"name": "k" * 101, "scopes": "read everything", "csrf_token": csrf(dashboard)}
    html = dashboard.post("/keys", data=data).text
    assert error_of(html, "key-name") == "Name can be at most 100 characters long."
    assert error_of(html, "key-scopes").startswith("“everything” is an unknown scope")
    assert 'aria-invalid="true"' in input_tag(html, "key-name")


def test_an_htmx_edit_replaces_the_created_message(dashboard):
    token = csrf(dashboard)
    created = dashboard.post("/events/new", data={**edit_form(title="Fresh"), "csrf_token": token})
    detail = dashboard.get(created.headers["Location"]).text
    assert "Event “Fresh” created." in detail
    assert "created." not in dashboard.get(created.headers["Location"]).text  # shown once
    event_id = int(created.headers["Location"].rsplit("/", 1)[1])
    saved = dashboard.post(f"/events/{event_id}", data={**edit_form(title="Fresh 2"), "csrf_token": token}, headers=HX)
    html = assert_partial(saved)
    assert re.search(r'<div id="flashes" class="flashes" role="status" hx-swap-oob="true"></div>', html)
