"""Properties every dashboard route shares: login required, CSRF on every POST, page vs partial answers."""

from __future__ import annotations

import pytest

from app.services import templates
from tests.dashboard.helpers import HX, assert_page, assert_partial, make_command, make_event

PUBLIC = {"dashboard.login", "dashboard.logout", "google_oauth.callback"}


def dashboard_rules(app, method: str):
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if blueprint in ("dashboard", "google_oauth") and method in rule.methods and rule.endpoint not in PUBLIC:
            yield rule


def concrete(rule) -> str:
    """A URL for the rule, with 1 for every id and 'apply' for the suggestion action."""
    values = {name: ("apply" if name == "action" else 1) for name in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def test_every_page_needs_login(app, client):
    urls = [concrete(rule) for rule in dashboard_rules(app, "GET")]
    assert len(urls) >= 15
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_every_post_needs_the_csrf_token(app, dashboard):
    make_event("Target")
    make_command(failed=True)
    templates.create_template({"title": "Target"})
    rules = list(dashboard_rules(app, "POST"))
    assert len(rules) >= 10
    for rule in rules:
        url = concrete(rule)
        assert dashboard.post(url, data={"title": "x", "key": "k"}).status_code == 400, url
        assert dashboard.post(url, headers={**HX, "X-CSRFToken": "forged"}).status_code == 400, url


PAGES = [
    "/",
    "/status/card",
    "/events?direction=all&range=-1",
    "/events/{event}",
    "/calendar/week",
    "/calendar/month",
    "/templates",
    "/templates/{template}/edit",
    "/commands",
    "/notes",
    "/sync",
    "/analytics",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_and_partial(dashboard, path):
    ids = {"event": make_event("Page test"), "template": templates.create_template({"title": "Page test"}).id}
    url = path.format(**ids)
    page = assert_page(dashboard.get(url))
    partial = assert_partial(dashboard.get(url, headers=HX))
    # one source of markup: the page includes the partial (its root element's opening line is there)
    assert partial.strip().splitlines()[0] in page and len(partial) < len(page)
    # a boosted navigation or a history restore wants the whole page again
    assert_page(dashboard.get(url, headers={**HX, "HX-Boosted": "true"}))
    assert_page(dashboard.get(url, headers={**HX, "HX-History-Restore-Request": "true"}))
