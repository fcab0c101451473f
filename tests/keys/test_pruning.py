"""The daemon forgets what no longer matters: old audit entries and ended or expired dashboard sessions."""

from __future__ import annotations

from datetime import timedelta

from app.db import write_transaction
from app.extensions import db
from app.models import AuditEntry, DashboardSession
from app.services.maintenance import prune_security_records
from app.timeutil import utcnow


def test_old_audit_entries_and_finished_sessions_are_pruned(make_app):
    app = make_app({"security": {"audit_days": 30}})
    now = utcnow()
    with app.app_context():
        with write_transaction() as session:
            for days, action in ((31, "old"), (29, "recent")):
                session.add(
                    AuditEntry(
                        at=now - timedelta(days=days),
                        key_name="k",
                        channel="api",
                        action=action,
                        target_type="event",
                        target_id="1",
                    )
                )
            session.add(DashboardSession(id="live", key_hash="h", created_at=now - timedelta(days=1)))
            session.add(DashboardSession(id="expired", key_hash="h", created_at=now - timedelta(days=15)))
            session.add(
                DashboardSession(id="ended-long-ago", key_hash="h", created_at=now, ended_at=now - timedelta(days=2))
            )
            session.add(
                DashboardSession(id="just-ended", key_hash="h", created_at=now, ended_at=now - timedelta(hours=1))
            )
        prune_security_records(now)
        db.session.rollback()
        assert [entry.action for entry in db.session.query(AuditEntry)] == ["recent"]
        assert sorted(row.id for row in db.session.query(DashboardSession)) == ["just-ended", "live"]
