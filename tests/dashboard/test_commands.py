"""The command queue page: tabs, filters, polling partial, retry and cancel, CSRF."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Command
from tests.dashboard.helpers import HX, assert_login_redirect, assert_page, assert_partial, csrf, make_command


def status_of(command_id: int) -> str:
    db.session.rollback()
    return db.session.get(Command, command_id).status


def test_requires_login(client):
    assert_login_redirect(client, "/commands")


def test_full_page_lists_commands_with_counts(dashboard):
    make_command("hub", "NOTIFY")
    make_command("nas", "BACKUP", failed=True)
    html = assert_page(dashboard.get("/commands"))
    assert "NOTIFY" in html and "BACKUP" in html
    assert 'data-status="failed">1<' in html and 'data-status="pending">1<' in html
    assert "device offline" in html  # the last error is shown
    assert 'hx-trigger="every 5s, commands-changed from:body"' in html


def test_partial_keeps_filters_for_polling(dashboard):
    make_command("hub", "NOTIFY")
    make_command("nas", "BACKUP", failed=True)
    html = assert_partial(dashboard.get("/commands?status=failed&system=nas", headers=HX))
    assert "BACKUP" in html and "NOTIFY" not in html
    # the poll URL repeats the user's filter, so a refresh never loses it
    assert 'hx-get="/commands?status=failed&amp;system=nas"' in html


def test_long_queue_pages_keep_the_filters(dashboard):
    for n in range(51):  # one more than a page
        make_command("hub", "NOTIFY", title=f"ACTION {n}")
    first = assert_page(dashboard.get("/commands?status=pending&system=hub"))
    assert "page 1 of 2" in first and "Newer</a>" not in first
    assert '<a href="/commands?page=2&amp;system=hub&amp;status=pending">Older</a>' in first
    second = assert_page(dashboard.get("/commands?status=pending&system=hub&page=2"))
    assert "page 2 of 2" in second and "Older</a>" not in second and ">Newer</a>" in second


def test_system_filter_and_unknown_status(dashboard):
    make_command("hub", "NOTIFY")
    make_command("nas", "BACKUP")
    html = assert_page(dashboard.get("/commands?system=hub&status=bogus"))
    assert "NOTIFY" in html and "<code>BACKUP" not in html


def test_retry_with_htmx_returns_the_row(dashboard):
    command_id = make_command(failed=True)
    response = dashboard.post(f"/commands/{command_id}/retry", headers={**HX, "X-CSRFToken": csrf(dashboard)})
    html = assert_partial(response)
    assert html.strip().startswith(f'<tr id="command-{command_id}"')
    assert response.headers["HX-Trigger"] == "commands-changed"
    assert status_of(command_id) == "pending"


def test_retry_without_javascript_redirects_with_flash(dashboard):
    command_id = make_command(failed=True)
    response = dashboard.post(
        f"/commands/{command_id}/retry", data={"csrf_token": csrf(dashboard), "next": "/commands?status=failed"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/commands?status=failed"
    assert "will be delivered again" in dashboard.get("/commands").text
    assert status_of(command_id) == "pending"


def test_retry_rejects_offsite_next(dashboard):
    command_id = make_command(failed=True)
    response = dashboard.post(
        f"/commands/{command_id}/retry", data={"csrf_token": csrf(dashboard), "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/"  # never off-site


def test_cancel_pending_and_conflict_message(dashboard):
    command_id = make_command()
    token = csrf(dashboard)
    assert dashboard.post(f"/commands/{command_id}/cancel", data={"csrf_token": token}).status_code == 302
    assert status_of(command_id) == "cancelled"
    html = assert_partial(dashboard.post(f"/commands/{command_id}/cancel", headers={**HX, "X-CSRFToken": token}))
    assert "is cancelled" in html and "field-error" in html


@pytest.mark.parametrize("action", ["retry", "cancel"])
def test_mutations_need_csrf(dashboard, action):
    command_id = make_command(failed=action == "retry")
    before = status_of(command_id)
    assert dashboard.post(f"/commands/{command_id}/{action}").status_code == 400
    assert dashboard.post(f"/commands/{command_id}/{action}", headers=HX).status_code == 400
    assert status_of(command_id) == before


def test_command_text_is_escaped(dashboard):
    make_command("hub", "NOTIFY", title="<script>alert(1)</script>")
    html = dashboard.get("/commands").text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_unknown_command_is_404(dashboard):
    assert dashboard.post("/commands/999/retry", data={"csrf_token": csrf(dashboard)}).status_code == 404
