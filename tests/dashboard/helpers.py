"""Helpers of the dashboard tests: asserting page-vs-partial answers, seeding rows."""

from __future__ import annotations

from sqlalchemy import update

from app.db import write_transaction
from app.models import Command
from app.services.commands import create_command
from app.timeutil import utcnow

HX = {"HX-Request": "true"}


def assert_page(response, status: int = 200) -> str:
    """A full page: the layout is there and the answer varies on HX-Request."""
    assert response.status_code == status, response.text[:500]
    assert "<html" in response.text
    assert "HX-Request" in response.headers.get("Vary", "")
    return response.text


def assert_partial(response, status: int = 200) -> str:
    """An htmx fragment: no layout, and the answer varies on HX-Request."""
    assert response.status_code == status, response.text[:500]
    assert "<html" not in response.text
    assert "HX-Request" in response.headers.get("Vary", "")
    return response.text


def assert_login_redirect(client, url: str) -> None:
    """Signed-out visitors are sent to the login page, which brings them back."""
    response = client.get(url)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def csrf(client) -> str:
    """A CSRF token for the signed-in client's session."""
    from tests.conftest import csrf_token_from

    return csrf_token_from(client.get("/commands").text)


def make_command(system: str = "hub", command: str = "NOTIFY", *, failed: bool = False, title: str = "ACTION") -> int:
    """A pending command (or a failed one, delivered once and failed for good); its id."""
    cmd, _ = create_command(
        system_id=system,
        command=command,
        parameters={"args": ["x"]},
        source_key=f"test:{system}:{command}:{title}",
        event_title=title,
        calendar_id="primary",
    )
    if failed:  # as if delivered once and failed for good (the queue's own tests cover getting there)
        with write_transaction() as session:
            session.execute(
                update(Command)
                .where(Command.id == cmd.id)
                .values(status="failed", attempts=1, error="device offline", failed_at=utcnow())
            )
    return cmd.id


def make_event(
    title: str = "Team meeting", start: str = "2030-01-07T09:00:00Z", end: str | None = None, **extra
) -> int:
    """A stored local event; its id."""
    from app.services import events

    event, consumed = events.create_event(
        {"title": title, "start_time": start, "end_time": end or start.replace("T09", "T10"), **extra}
    )
    assert consumed is None
    return event.id


def without_flashes(html: str) -> str:
    """A fragment without the out-of-band message area every successful htmx change carries."""
    import re

    out, count = re.subn(r'<div id="flashes"[^>]*hx-swap-oob="true">.*?</div>', "", html, flags=re.S)
    assert count == 1, "a successful htmx change replaces the messages"
    return out
