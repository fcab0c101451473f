"""The templates page: search, create, inline edit with errors, delete, use; CSRF and escaping."""

from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from app.models import Event, Template
from app.services import templates
from tests.dashboard.helpers import HX, assert_login_redirect, assert_page, assert_partial, csrf, without_flashes


def make_template(title="Standup", **extra):
    return templates.create_template(
        {"title": title, "default_time": "09:30", "duration_minutes": 15, "tags": ["team"], **extra}
    ).id


def form(**overrides):
    data = {
        "title": "Review",
        "description": "",
        "default_time": "10:00",
        "duration_minutes": "30",
        "calendar_id": "local",
        "tags": "work, focus",
        "author": "",
    }
    data.update(overrides)
    return data


def fresh(template_id):
    db.session.rollback()
    return db.session.get(Template, template_id)


@pytest.mark.parametrize("url", ["/templates", "/templates/1/edit", "/templates/1/use", "/templates/1/delete"])
def test_requires_login(client, url):
    assert_login_redirect(client, url)


def test_list_page_and_search_partial(dashboard):
    make_template("Standup")
    make_template("Dentist", tags=["health"])
    html = assert_page(dashboard.get("/templates"))
    assert "Standup" in html and "Dentist" in html and 'id="template-results"' in html
    html = assert_partial(dashboard.get("/templates?q=dent", headers=HX))
    assert html.lstrip().startswith('<section id="template-results"')
    assert "Dentist" in html and "Standup" not in html
    assert "No template matches" in assert_partial(dashboard.get("/templates?q=zzz", headers=HX))


def test_long_search_results_page_with_the_query_kept(dashboard):
    for n in range(51):  # one more than a page
        make_template(f"Standup {n}")
    first = assert_page(dashboard.get("/templates?q=standup"))
    assert "page 1 of 2" in first and '<a href="/templates?page=2&amp;q=standup">Next</a>' in first
    second = assert_page(dashboard.get("/templates?q=standup&page=2"))
    assert "page 2 of 2" in second and ">Previous</a>" in second and "Next</a>" not in second


def test_create_and_field_error(dashboard):
    token = csrf(dashboard)
    response = dashboard.post("/templates", data={**form(title="Weekly review"), "csrf_token": token})
    assert response.status_code == 302
    assert db.session.query(Template).filter_by(title="Weekly review").one().tags == ["work", "focus"]
    response = dashboard.post("/templates", data={**form(duration_minutes="2000"), "csrf_token": token})
    html = assert_page(response, 422)
    assert 'id="new-duration_minutes-error"' in html and "1 to 1440" in html


def test_inline_edit_row_error_then_save(dashboard):
    template_id = make_template()
    html = assert_partial(dashboard.get(f"/templates/{template_id}/edit", headers=HX))
    assert html.lstrip().startswith(f'<tr id="template-{template_id}" class="editing"')
    assert assert_page(dashboard.get(f"/templates/{template_id}/edit"))
    token = csrf(dashboard)
    bad = dashboard.post(
        f"/templates/{template_id}", data={**form(default_time="25:00"), "csrf_token": token}, headers=HX
    )
    html = assert_partial(bad)
    assert f'id="t{template_id}-default_time-error"' in html and "HH:MM" in html
    assert fresh(template_id).title == "Standup"
    good = dashboard.post(
        f"/templates/{template_id}", data={**form(title="Daily sync"), "csrf_token": token}, headers=HX
    )
    html = assert_partial(good)
    assert html.lstrip().startswith(f'<tr id="template-{template_id}">') and "Daily sync" in html
    assert good.headers["HX-Trigger"] == "templates-changed"
    assert fresh(template_id).title == "Daily sync"
    row = assert_partial(dashboard.get(f"/templates/{template_id}/row", headers=HX))
    assert "Daily sync" in row


def test_edit_without_javascript(dashboard):
    template_id = make_template()
    token = csrf(dashboard)
    html = assert_page(dashboard.post(f"/templates/{template_id}", data={**form(title=""), "csrf_token": token}), 422)
    assert "field-error" in html
    response = dashboard.post(f"/templates/{template_id}", data={**form(title="Renamed"), "csrf_token": token})
    assert response.status_code == 302 and fresh(template_id).title == "Renamed"


def test_delete_in_place_and_confirmation_page(dashboard):
    first, second = make_template("One"), make_template("Two")
    token = csrf(dashboard)
    assert "Delete this template?" in assert_page(dashboard.get(f"/templates/{first}/delete"), 200)
    response = dashboard.post(f"/templates/{first}/delete", headers={**HX, "X-CSRFToken": token})
    assert without_flashes(assert_partial(response)).strip() == ""
    assert fresh(first) is None
    assert dashboard.post(f"/templates/{second}/delete", data={"csrf_token": token}).status_code == 302
    assert fresh(second) is None


def test_use_creates_event_and_counts(dashboard):
    template_id = make_template("Planning")
    page = assert_page(dashboard.get(f"/templates/{template_id}/use"))
    assert 'value="09:30"' in page
    response = dashboard.post(
        f"/templates/{template_id}/use", data={"on": "2030-01-07", "at": "14:00", "csrf_token": csrf(dashboard)}
    )
    assert response.status_code == 302 and "/events/" in response.headers["Location"]
    event = db.session.query(Event).filter_by(title="Planning").one()
    assert event.start_time.date() == date(2030, 1, 7)
    assert fresh(template_id).usage_count == 1


def test_use_shows_field_error(dashboard):
    template_id = make_template("Planning")
    response = dashboard.post(f"/templates/{template_id}/use", data={"on": "", "at": "", "csrf_token": csrf(dashboard)})
    assert "Choose a date." in assert_page(response, 422)


@pytest.mark.parametrize("path", ["/templates", "/templates/{id}", "/templates/{id}/delete", "/templates/{id}/use"])
def test_mutations_need_csrf(dashboard, path):
    template_id = make_template()
    response = dashboard.post(path.format(id=template_id), data={**form(title="Hacked"), "on": "2030-01-01"})
    assert response.status_code == 400
    assert fresh(template_id).title == "Standup" and fresh(template_id).usage_count == 0


def test_template_text_is_escaped(dashboard):
    make_template("<script>alert(1)</script>", tags=["<b>x</b>"])
    html = dashboard.get("/templates?q=script").text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html


def test_unknown_template_is_404(dashboard):
    assert dashboard.get("/templates/999/edit").status_code == 404


def test_inline_field_check(dashboard):
    template_id = make_template()
    html = dashboard.get(f"/templates/{template_id}/edit", headers=HX).text
    assert f'hx-post="/templates/check/default_time?prefix=t{template_id}-"' in html
    token = csrf(dashboard)
    bad = dashboard.post(
        f"/templates/check/default_time?prefix=t{template_id}-",
        data={**form(default_time="7pm"), "csrf_token": token},
        headers=HX,
    )
    assert assert_partial(bad).strip() == (
        f'<p class="field-error" id="t{template_id}-default_time-error" aria-live="polite">'
        "Enter the default time as HH:MM, for example 09:30.</p>"
    )
    good = dashboard.post(
        "/templates/check/duration_minutes?prefix=new-",
        data={**form(duration_minutes="45"), "csrf_token": token},
        headers=HX,
    )
    assert 'id="new-duration_minutes-error" aria-live="polite"></p>' in assert_partial(good)
    bad = dashboard.post(
        "/templates/check/duration_minutes?prefix=new-",
        data={**form(duration_minutes="lots"), "csrf_token": token},
        headers=HX,
    )
    assert "whole number" in bad.text
    assert dashboard.post("/templates/check/author?prefix=x", data={"csrf_token": token}).status_code == 400
    assert dashboard.post('/templates/check/title?prefix="><b>', data={"csrf_token": token}).status_code == 400
