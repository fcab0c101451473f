"""Templates: CRUD, ranked search and usage counting under /api/v1/templates."""

from __future__ import annotations

from typing import Any

from flask import Response

from app.api.answer import answer, page_of
from app.api.base import api_blueprint
from app.api.schemas import ErrorResponse
from app.api.template_schemas import (
    TemplateIn,
    TemplateOut,
    TemplatePage,
    TemplatePatch,
    TemplatePath,
    TemplateQuery,
    TemplateUseOut,
)
from app.services import templates as service

bp = api_blueprint("templates", "Templates", "Reusable event templates.")

NOT_FOUND: dict[str | int, Any] = {404: ErrorResponse}


@bp.get("/templates", summary="List or search templates", responses={200: TemplatePage})
def list_templates(query: TemplateQuery):
    items, total = service.list_templates(query.q, query.page, query.page_size)
    return answer(TemplatePage, page_of(items, query.page, query.page_size, total))


@bp.post("/templates", summary="Create a template", responses={201: TemplateOut})
def create_template(body: TemplateIn):
    template = service.create_template(body.model_dump())
    return answer(TemplateOut, template, 201)


@bp.get("/templates/<int:template_id>", summary="One template", responses={200: TemplateOut, **NOT_FOUND})
def get_template(path: TemplatePath):
    return answer(TemplateOut, service.get_template(path.template_id))


@bp.put("/templates/<int:template_id>", summary="Replace a template", responses={200: TemplateOut, **NOT_FOUND})
def replace_template(path: TemplatePath, body: TemplateIn):
    return answer(TemplateOut, service.update_template(path.template_id, body.model_dump()))


@bp.patch(
    "/templates/<int:template_id>",
    summary="Change some fields of a template",
    responses={200: TemplateOut, **NOT_FOUND},
)
def patch_template(path: TemplatePath, body: TemplatePatch):
    fields = body.model_dump(exclude_unset=True)
    return answer(TemplateOut, service.update_template(path.template_id, fields))


@bp.delete("/templates/<int:template_id>", summary="Delete a template", responses={204: None, **NOT_FOUND})
def delete_template(path: TemplatePath):
    service.delete_template(path.template_id)
    return Response(status=204)


@bp.post(
    "/templates/<int:template_id>/use",
    summary="Count one use of a template",
    responses={200: TemplateUseOut, **NOT_FOUND},
)
def use_template(path: TemplatePath):
    count = service.use_template(path.template_id)
    body = {"message": "Template usage recorded.", "template_id": path.template_id, "new_usage_count": count}
    return answer(TemplateUseOut, body)
