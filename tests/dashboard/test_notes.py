"""Notes and links page: made by the plugins from calendar entries, searchable, escaped."""

from __future__ import annotations

import pytest

from app.services import events
from tests.dashboard.helpers import HX, assert_login_redirect, assert_page, assert_partial


def entry(title: str, start: str = "2030-01-07T09:00:00Z") -> None:
    event, consumed = events.create_event({"title": title, "start_time": start, "external_id": None})
    assert event is None and consumed is not None, "the plugin should have taken this entry"


@pytest.fixture
def seeded(dashboard):
    entry("NOTE: buy oat milk")
    entry("NOTIZ: Zahnarzt anrufen", start="2030-01-08T09:00:00Z")
    entry("URL: https://example.com/report Quarterly report", start="2030-01-09T09:00:00Z")
    return dashboard


def test_requires_login(client):
    assert_login_redirect(client, "/notes")


def test_page_lists_notes_and_links_with_source(seeded):
    html = assert_page(seeded.get("/notes"))
    assert "buy oat milk" in html and "Zahnarzt anrufen" in html
    assert 'href="https://example.com/report"' in html and "Quarterly report" in html
    assert "from “NOTE: buy oat milk”" in html


def test_search_partial_highlights(seeded):
    html = assert_partial(seeded.get("/notes?q=milk", headers=HX))
    assert html.lstrip().startswith('<div id="notes-results"')
    assert "buy oat <mark>milk</mark>" in html and "Zahnarzt" not in html and "No link matches" in html


def test_note_text_is_escaped(dashboard):
    entry("NOTE: <script>alert(1)</script>")
    html = dashboard.get("/notes").text
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
