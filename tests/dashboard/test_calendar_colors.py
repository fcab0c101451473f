"""Calendar colours: configured or from the palette, distinct, readable, served as a cached stylesheet."""

from __future__ import annotations

import re

import pytest

from app.dashboard.calendar_colors import (
    DARK_TEXT,
    LIGHT_TEXT,
    PALETTE,
    assign_colors,
    calendar_class,
    contrast,
    preferred_slot,
    stylesheet,
    text_color,
)
from tests.dashboard.helpers import make_event


@pytest.mark.parametrize("color", PALETTE)
def test_palette_text_meets_wcag_aa(color):
    assert contrast(color, text_color(color)) >= 4.5


def test_text_colour_follows_the_background():
    assert text_color("#ffeb3b") == DARK_TEXT  # light yellow: dark text
    assert text_color("#1d4ed8") == LIGHT_TEXT
    assert contrast("#000000", "#ffffff") == pytest.approx(21)


def test_slot_is_stable_and_configured_colour_wins():
    assert preferred_slot("primary") == preferred_slot("primary")
    colors = assign_colors(["primary", "personal"], {"primary": "#FF0000"})
    assert colors["primary"] == "#ff0000" and colors["personal"] in PALETTE
    forwards, backwards = assign_colors(["personal", "primary"], {}), assign_colors(["primary", "personal"], {})
    assert forwards == backwards


def test_distinct_calendars_get_distinct_colours_while_the_palette_lasts():
    ids = [f"calendar-{n}" for n in range(len(PALETTE))]
    colors = assign_colors(ids, {})
    assert len(set(colors.values())) == len(PALETTE)
    # a configured colour that equals a palette slot takes that slot from the others
    taken = assign_colors(ids[:3], {"mine": PALETTE[0]})
    assert list(taken.values()).count(PALETTE[0]) == 1


def test_class_names_are_safe_for_any_id():
    assert calendar_class("primary") == "cal-primary"
    odd = calendar_class("me@example.com")
    assert re.fullmatch(r"cal--[0-9a-f]{10}", odd) and odd != calendar_class("you@example.com")
    assert calendar_class("<script>").startswith("cal--")
    css = stylesheet({"me@example.com": "#123456", "primary": "#1d4ed8"})
    assert f".{odd} {{ --cal: #123456; --cal-fg: #ffffff; }}" in css and "@" not in css.split("*/")[1]


def test_stylesheet_route_serves_configured_colours_with_an_etag(make_app):
    app = make_app({"calendar": {"per_calendar": {"work": {"color": "#00FF00"}}}})
    with app.app_context():
        make_event("Green", calendar_id="work")
        make_event("Other", calendar_id="home")
    client = app.test_client()
    assert client.get("/calendar/colors.css").status_code == 302  # signed out: to the login page
    from tests.conftest import log_in

    log_in(client)
    response = client.get("/calendar/colors.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert ".cal-work { --cal: #00ff00; --cal-fg: #111827; }" in response.text
    assert re.search(r"\.cal-home \{ --cal: #[0-9a-f]{6}; --cal-fg: #ffffff; \}", response.text)
    etag = response.headers["ETag"]
    assert client.get("/calendar/colors.css", headers={"If-None-Match": etag}).status_code == 304
    with app.app_context():
        make_event("New calendar", calendar_id="travel")
    changed = client.get("/calendar/colors.css", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and ".cal-travel" in changed.text


def test_views_carry_the_calendar_classes(dashboard):
    make_event("Coloured", start="2030-01-08T09:00:00Z", calendar_id="work")
    week = dashboard.get("/calendar/week?start=2030-01-08").text
    assert re.search(r'class="wk-event [^"]*cal-work[^"]*"', week)
    assert '<span class="cal-swatch cal-work"' in week  # the legend
    month = dashboard.get("/calendar/month?month=2030-01&day=2030-01-08").text
    assert '<li class="cal-work"><a' in month and '<i class="dot cal-work">' in month
    rows = dashboard.get("/events?direction=all&range=-1").text
    assert 'class="cal-cell cal-work"' in rows
