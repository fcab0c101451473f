"""Notes and saved links made from NOTE:/NOTIZ: and URL: calendar entries, searchable."""

from __future__ import annotations

from flask import request

from app.auth import login_required
from app.dashboard import bp
from app.htmx import render
from app.services import notes

PAGE_SIZE = 50


@bp.get("/notes")
@login_required
def note_list():
    """Notes and links, newest first; the search box asks for just the results partial."""
    q = request.args.get("q", "").strip()
    page_no = max(request.args.get("page", 1, type=int) or 1, 1)
    note_items, note_total = notes.list_notes(q=q or None, page=page_no, page_size=PAGE_SIZE)
    link_items, link_total = notes.list_urls(q=q or None, page=page_no, page_size=PAGE_SIZE)
    return render(
        "dashboard/notes.html",
        "dashboard/_notes_results.html",
        q=q,
        page_no=page_no,
        notes=note_items,
        note_total=note_total,
        links=link_items,
        link_total=link_total,
        more=max(note_total, link_total) > page_no * PAGE_SIZE,
    )
