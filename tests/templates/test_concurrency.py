"""Concurrent uses of one template each count exactly once (the increment is one SQL statement)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.extensions import db
from app.models import TemplateUsage
from app.services import templates as service
from tests.conftest import TEST_KEY


def _run_threads(count: int, target) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def wrapped():
        try:
            barrier.wait()
            target()
        except BaseException as exc:  # collected and asserted on in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=wrapped) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_threads_using_the_service_add_exactly_n(app):
    template_id = service.create_template({"title": "Busy"}).id
    results: list[int] = []

    def use():
        with app.app_context():
            results.append(service.use_template(template_id))
            db.session.remove()

    assert _run_threads(40, use) == []
    assert sorted(results) == list(range(1, 41))  # every caller saw its own distinct new count
    db.session.rollback()  # end the read snapshot taken before the threads ran
    assert service.get_template(template_id).usage_count == 40
    assert db.session.scalar(select(func.count()).select_from(TemplateUsage)) == 40


def test_fifty_concurrent_use_requests_add_exactly_fifty(app):
    template_id = service.create_template({"title": "Busy"}).id
    counts: list[int] = []

    def call():
        response = app.test_client().post(
            f"/api/v1/templates/{template_id}/use", headers={"Authorization": f"Bearer {TEST_KEY}"}
        )
        assert response.status_code == 200, response.json
        counts.append(response.json["new_usage_count"])

    assert _run_threads(50, call) == []
    assert sorted(counts) == list(range(1, 51))
    db.session.rollback()  # end the read snapshot taken before the threads ran
    assert service.get_template(template_id).usage_count == 50
