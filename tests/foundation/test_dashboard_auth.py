"""Dashboard login: the API key as password, session cookie flags, CSRF, logout, default-key banner."""

from __future__ import annotations

from app.settings import DEFAULT_API_KEY
from tests.conftest import csrf_token_from, log_in


def test_pages_redirect_to_login_when_signed_out(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=/")


def test_login_with_the_key_sets_a_safe_session_cookie(client):
    response = log_in(client)
    assert response.status_code == 302 and response.location == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/").status_code == 200


def test_wrong_key_is_refused_with_a_message(client):
    response = log_in(client, key="wrong-key-123")
    assert response.status_code == 401
    assert "That key is not an admin key of this server." in response.text
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_rejected(client):
    client.get("/login")
    from tests.conftest import TEST_KEY

    response = client.post("/login", data={"api_key": TEST_KEY})
    assert response.status_code in (200, 400, 401)
    assert client.get("/").status_code == 302


def test_next_only_follows_local_paths(client):
    page = client.get("/login?next=https://evil.example/")
    from tests.conftest import TEST_KEY

    response = client.post(
        "/login", data={"api_key": TEST_KEY, "csrf_token": csrf_token_from(page.text), "next": "https://evil.example/"}
    )
    assert response.location == "/"


def test_logout_needs_post_with_csrf(dashboard):
    assert dashboard.get("/logout").status_code == 405
    assert dashboard.post("/logout").status_code == 400  # without the token: refused, still signed in
    assert dashboard.get("/").status_code == 200
    token = csrf_token_from(dashboard.get("/").text)
    dashboard.post("/logout", data={"csrf_token": token})
    assert dashboard.get("/").status_code == 302


def test_default_key_shows_a_warning_banner(make_app):
    client = make_app({"api": {"api_key": DEFAULT_API_KEY}}).test_client()
    log_in(client, key=DEFAULT_API_KEY)
    page = client.get("/")
    assert "The default API key is in use" in page.text


def test_own_key_shows_no_banner(dashboard):
    assert "The default API key is in use" not in dashboard.get("/").text


def test_security_headers_on_pages(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_htmx_is_served_locally(client):
    page = client.get("/login").text
    assert "/vendor/htmx.min.js" in page and "cdn" not in page.lower()
    script = client.get("/vendor/htmx.min.js")
    assert script.status_code == 200 and b"htmx" in script.data


def test_health_badge_partial_and_page(dashboard):
    partial = dashboard.get("/status/badge", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and 'id="health-badge"' in partial.text and "<html" not in partial.text
    assert "HX-Request" in partial.headers["Vary"]
    page = dashboard.get("/status/badge")
    assert "<html" in page.text and "Full-text search" in page.text


def test_a_response_that_did_not_change_the_session_sends_no_cookie(dashboard):
    """A slow poll or static file answered with the session it was sent with must not put that older cookie
    back over a newer one (which may carry a flash message): only a changed session is sent."""
    dashboard.get("/")  # the first page after sign-in stores the CSRF token: a real change
    for path in ("/static/app.css", "/status/badge", "/", "/no-such-page"):
        response = dashboard.get(path, headers={"HX-Request": "true"} if path == "/status/badge" else {})
        assert response.status_code == (404 if path == "/no-such-page" else 200), path
        assert "Set-Cookie" not in response.headers, path
    page = dashboard.get("/sync")
    changed = dashboard.post("/sync", data={"csrf_token": csrf_token_from(page.text)})
    assert changed.status_code in (302, 303) and "Set-Cookie" in changed.headers  # the flash travels in it
    assert "requested" in dashboard.get(changed.location).text
