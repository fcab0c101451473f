"""The Webhooks page: create (secret shown once), enable/disable, send test, delete with confirmation, delivery log;
every form with its CSRF token, and each action working with and without htmx."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Webhook, WebhookDelivery
from app.services import webhooks
from tests.conftest import csrf_token_from
from tests.dashboard.helpers import without_flashes


def create(dashboard, **fields):
    page = dashboard.get("/webhooks")
    data = {"url": "https://hooks.example.com/in", "events": ["event.created", "event.starting"], "offset_minutes": "5"}
    data.update(fields, csrf_token=csrf_token_from(page.text))
    return dashboard.post("/webhooks", data=data)


def test_the_page_is_in_the_navigation_and_creates_a_webhook_showing_its_secret_once(dashboard):
    assert 'href="/webhooks"' in dashboard.get("/").text
    made = create(dashboard)
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    hook = db.session.execute(select(Webhook)).scalar_one()
    assert hook.secret in made.text and hook.events == ["event.created", "event.starting"] and hook.offset_minutes == 5
    assert hook.secret not in dashboard.get("/webhooks").text
    assert "https://hooks.example.com/in" in dashboard.get("/webhooks").text


def test_bad_input_is_shown_on_the_form(dashboard):
    answer = create(dashboard, url="ftp://example.com")
    assert answer.status_code == 422 and "http:// or https://" in answer.text
    assert create(dashboard, events=[]).status_code == 422
    assert db.session.execute(select(Webhook)).first() is None


def test_a_form_without_its_csrf_token_is_refused(dashboard):
    answer = dashboard.post("/webhooks", data={"url": "https://example.com", "events": ["event.created"]})
    assert answer.status_code == 400
    assert db.session.execute(select(Webhook)).first() is None


def test_disable_enable_test_and_delete_without_javascript(dashboard):
    hook = webhooks.create_webhook("https://example.com/h", ["event.created"]).row
    token = csrf_token_from(dashboard.get("/webhooks").text)
    off = dashboard.post(f"/webhooks/{hook.id}/enabled", data={"enabled": "false", "csrf_token": token})
    assert off.status_code == 302
    page = dashboard.get("/webhooks").text
    assert "disabled by a user" in page and "Enable" in page
    dashboard.post(f"/webhooks/{hook.id}/enabled", data={"enabled": "true", "csrf_token": token})
    dashboard.post(f"/webhooks/{hook.id}/test", data={"csrf_token": token})
    db.session.rollback()
    delivery = db.session.execute(select(WebhookDelivery)).scalar_one()
    assert delivery.type == "webhook.test"
    log = dashboard.get(f"/webhooks/{hook.id}").text
    assert "webhook.test" in log and "pending" in log
    confirm = dashboard.get(f"/webhooks/{hook.id}/delete")
    assert "Delete this webhook?" in confirm.text
    gone = dashboard.post(f"/webhooks/{hook.id}/delete", data={"csrf_token": csrf_token_from(confirm.text)})
    assert gone.status_code == 302
    db.session.rollback()
    assert db.session.get(Webhook, hook.id) is None


def test_htmx_actions_swap_the_row(dashboard):
    hook = webhooks.create_webhook("https://example.com/h", ["event.created"]).row
    token = csrf_token_from(dashboard.get("/webhooks").text)
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    row = dashboard.post(f"/webhooks/{hook.id}/enabled", data={"enabled": "false"}, headers=headers)
    assert row.status_code == 200 and row.text.startswith(f'<tr id="webhook-{hook.id}">')
    assert "Webhook 1 disabled." in row.text or f"Webhook {hook.id} disabled." in row.text
    tested = dashboard.post(f"/webhooks/{hook.id}/test", headers=headers)
    assert "webhook.test" in tested.text and "Test delivery queued." in tested.text
    removed = dashboard.post(f"/webhooks/{hook.id}/delete", headers=headers)
    assert removed.status_code == 200 and without_flashes(removed.text).strip() == ""
