"""Dashboard: the audit log, newest first (who changed what, through the API or the dashboard)."""

from __future__ import annotations

from flask import render_template, request

from app.auth import login_required
from app.dashboard import bp
from app.services import audit

PAGE_SIZE = 50


@bp.get("/audit")
@login_required
def audit_log():
    page_no = max(request.args.get("page", 1, type=int) or 1, 1)
    entries, total = audit.list_entries(page_no, PAGE_SIZE)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template("dashboard/audit.html", entries=entries, total=total, page_no=page_no, pages=pages)
