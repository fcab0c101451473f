"""The sync CLI commands through Flask's CLI runner."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Event


def test_sync_prints_a_summary(app):
    result = app.test_cli_runner().invoke(args=["sync", "--days-ahead", "3"])
    assert result.exit_code == 0, result.output
    assert "Sync from demo: processed" in result.output and "primary:" in result.output


def test_create_demo_data_is_idempotent(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-demo-data"]).exit_code == 0
    db.session.rollback()
    count = db.session.execute(select(func.count(Event.id))).scalar_one()
    again = runner.invoke(args=["create-demo-data"])
    assert again.exit_code == 0 and "created 0" in again.output
    db.session.rollback()
    assert count > 20 and db.session.execute(select(func.count(Event.id))).scalar_one() == count


def test_create_demo_data_refuses_another_source(google_app):
    result = google_app.test_cli_runner().invoke(args=["create-demo-data"])
    assert result.exit_code != 0 and "calendar.source is google" in result.output


def test_sync_failure_exits_non_zero(google_app, fake_google):
    fake_google.fail("list", 400, "badRequest")
    result = google_app.test_cli_runner().invoke(args=["sync"])
    assert result.exit_code == 1 and "400" in result.output


def test_auto_source_follows_the_google_files(make_app, tmp_path):
    from app.config import current_settings
    from app.sources.registry import source_name

    token, secrets = tmp_path / "t.json", tmp_path / "c.json"
    app = make_app({"calendar": {"source": "auto", "token_file": str(token), "credentials_file": str(secrets)}})
    with app.app_context():
        assert source_name(current_settings()) == "demo"
        secrets.write_text("{}")
        assert source_name(current_settings()) == "google"
        secrets.unlink()
        token.write_text("{}")
        assert source_name(current_settings()) == "google"
