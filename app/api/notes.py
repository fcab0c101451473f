"""Notes and saved links that NOTE:/NOTIZ: and URL: calendar entries became."""

from __future__ import annotations

from app.api.answer import answer, page_of
from app.api.base import api_blueprint
from app.api.event_schemas import ListQuery, NotePage, UrlPage
from app.services import notes

bp = api_blueprint("notes", "Notes and links", "What NOTE: and URL: calendar entries were turned into.")


@bp.get("/notes", summary="List notes, newest first", responses={200: NotePage})
def list_notes(query: ListQuery):
    items, total = notes.list_notes(q=query.q, page=query.page, page_size=query.page_size)
    return answer(NotePage, page_of(items, query.page, query.page_size, total))


@bp.get("/urls", summary="List saved links, newest first", responses={200: UrlPage})
def list_urls(query: ListQuery):
    items, total = notes.list_urls(q=query.q, page=query.page, page_size=query.page_size)
    return answer(UrlPage, page_of(items, query.page, query.page_size, total))
