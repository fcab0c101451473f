"""Event search and the event detail: partials, highlighting, load more, edit, delete, CSRF, escaping."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Event
from tests.dashboard.helpers import (
    HX,
    assert_login_redirect,
    assert_page,
    assert_partial,
    csrf,
    make_event,
    without_flashes,
)

ALL = "direction=all&range=-1"


def fresh(event_id):
    db.session.rollback()
    return db.session.get(Event, event_id)


@pytest.mark.parametrize("url", ["/events", "/events/1", "/events/1/delete"])
def test_requires_login(client, url):
    assert_login_redirect(client, url)


def test_search_page_and_partial_with_highlight(dashboard):
    make_event("Dentist appointment", description="bring the card")
    make_event("Team meeting")
    html = assert_page(dashboard.get(f"/events?{ALL}"))
    assert "Dentist appointment" in html and "Team meeting" in html and 'id="event-q"' in html
    html = assert_partial(dashboard.get(f"/events?q=dent&{ALL}", headers=HX))
    assert html.lstrip().startswith('<section id="event-results"')
    assert "<mark>Dent</mark>ist appointment" in html and "Team meeting" not in html


def test_empty_state(dashboard):
    html = assert_partial(dashboard.get(f"/events?q=nothinghere&{ALL}", headers=HX))
    assert "No event matches" in html


def test_load_more_returns_rows_only(dashboard):
    for day in range(1, 106):
        make_event(f"Standup {day}", start=f"2030-03-{(day % 28) + 1:02d}T{8 + day % 9:02d}:00:00Z")
    first = assert_partial(dashboard.get(f"/events?q=standup&{ALL}", headers=HX))
    assert first.count('<tr id="event-') == 100
    match = re.search(r'class="load-more" hx-get="([^"]+)"', first)
    assert match and "page=2" in match.group(1)
    more = assert_partial(dashboard.get(match.group(1).replace("&amp;", "&"), headers=HX))
    assert more.lstrip().startswith("<tr") and more.count('<tr id="event-') == 5 and "load-more" not in more


def test_hostile_query_answers(dashboard):
    make_event("Budget (draft) review")
    for query in ['"', "*", "-x", "OR", "NEAR(", "a AND", "(draft)"]:
        assert (
            dashboard.get(
                "/events", query_string={"q": query, "direction": "all", "range": "-1"}, headers=HX
            ).status_code
            == 200
        )


def test_script_title_is_text_everywhere(dashboard):
    event_id = make_event("<script>alert(1)</script> plan")
    for url in [f"/events?q=script&{ALL}", f"/events?q=alert&{ALL}", f"/events/{event_id}"]:
        html = dashboard.get(url).text
        assert "<script>alert" not in html and "&lt;script&gt;" in html, url


def test_highlight_does_not_match_inside_entities(dashboard):
    make_event("Tom & Jerry amp")
    html = dashboard.get(f"/events?q=amp&{ALL}", headers=HX).text
    assert "Tom &amp; Jerry <mark>amp</mark>" in html


def test_detail_page_and_partial(dashboard):
    event_id = make_event("Planning", location="Room 4", tags=["q1"])
    html = assert_page(dashboard.get(f"/events/{event_id}"))
    assert "Room 4" in html and 'value="2030-01-07T09:00"' in html
    html = assert_partial(dashboard.get(f"/events/{event_id}", headers=HX))
    assert html.lstrip().startswith('<section id="event-detail"')
    assert dashboard.get("/events/99999").status_code == 404


def edit_form(**overrides):
    data = {
        "title": "Planning",
        "start_time": "2030-01-07T09:00",
        "end_time": "2030-01-07T10:30",
        "location": "",
        "calendar_id": "local",
        "tags": "",
        "priority": "HIGH",
        "event_type": "meeting",
        "status": "scheduled",
        "description": "",
    }
    data.update(overrides)
    return data


def test_update_with_htmx_error_then_success(dashboard):
    event_id = make_event("Planning")
    token = csrf(dashboard)
    bad = dashboard.post(
        f"/events/{event_id}", data={**edit_form(end_time="2030-01-07T08:00"), "csrf_token": token}, headers=HX
    )
    html = assert_partial(bad)
    assert 'id="ev-end_time-error"' in html
    good = dashboard.post(
        f"/events/{event_id}", data={**edit_form(title="Planning 2"), "csrf_token": token}, headers=HX
    )
    assert "Planning 2" in assert_partial(good) and good.headers["HX-Trigger"] == "events-changed"
    event = fresh(event_id)
    assert event.title == "Planning 2" and event.priority == "HIGH" and event.end_time.hour == 10


def test_update_without_javascript(dashboard):
    event_id = make_event("Planning")
    token = csrf(dashboard)
    assert_page(dashboard.post(f"/events/{event_id}", data={**edit_form(title=""), "csrf_token": token}), 422)
    response = dashboard.post(f"/events/{event_id}", data={**edit_form(title="Renamed"), "csrf_token": token})
    assert response.status_code == 302 and fresh(event_id).title == "Renamed"


def test_delete_in_place_and_with_confirmation(dashboard):
    first, second = make_event("One"), make_event("Two")
    token = csrf(dashboard)
    assert "Delete this event?" in assert_page(dashboard.get(f"/events/{first}/delete"))
    response = dashboard.post(f"/events/{first}/delete", headers={**HX, "X-CSRFToken": token})
    assert without_flashes(assert_partial(response)).strip() == "" and fresh(first) is None
    response = dashboard.post(f"/events/{second}/delete", data={"csrf_token": token})
    assert response.status_code == 302 and fresh(second) is None


@pytest.mark.parametrize("path", ["/events/{id}", "/events/{id}/delete"])
def test_mutations_need_csrf(dashboard, path):
    event_id = make_event("Keep")
    assert dashboard.post(path.format(id=event_id), data=edit_form(title="Hacked")).status_code == 400
    assert dashboard.post(path.format(id=event_id), data=edit_form(title="Hacked"), headers=HX).status_code == 400
    assert fresh(event_id).title == "Keep"


def test_new_event_form_creates_and_shows_errors(dashboard):
    assert "New event" in assert_page(dashboard.get("/events/new"))
    token = csrf(dashboard)
    bad = dashboard.post("/events/new", data={**edit_form(title=""), "csrf_token": token})
    assert 'id="new-title-error"' in assert_page(bad, 422)
    good = dashboard.post("/events/new", data={**edit_form(title="Created here"), "csrf_token": token})
    assert good.status_code == 302 and "/events/" in good.headers["Location"]
    created = db.session.query(Event).filter_by(title="Created here").one()
    assert created.priority == "HIGH" and created.start_time.hour == 9


def test_new_event_taken_by_a_plugin(dashboard):
    response = dashboard.post(
        "/events/new", data={**edit_form(title="NOTE: remember the milk"), "csrf_token": csrf(dashboard)}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/notes"
    assert "remember the milk" in dashboard.get("/notes").text
