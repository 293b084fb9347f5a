"""Working offline: download the questionnaire workbook, upload it → preview → confirm, and the
printable blank questionnaire. The logic is in assessment/workbook/; these views only check
access, carry the upload from the preview to the confirmation, and render."""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from assessment import access, workbook
from assessment.forms import WorkbookUploadForm
from assessment.models import Assessment
from assessment.reports import questionnaire_pdf


def session_key(assessment: Assessment) -> str:
    return f"workbook:{assessment.uuid}"


def _editable(request: AuthenticatedHttpRequest, assessment: Assessment) -> frozenset[str]:
    sections = access.editable_sections(access.membership_of(request.user), assessment)
    access.require(bool(sections), _("No section of this assessment is open to you for editing."))
    return sections


def _file_name(assessment: Assessment, suffix: str) -> str:
    return f"{slugify(str(assessment.country.name))}-{assessment.cycle}-{suffix}"


@login_required
@require_safe
def workbook_download(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    sections = _editable(request, assessment)
    data = workbook.workbook_build(assessment=assessment, user=request.user, sections=sections)
    response = HttpResponse(data, content_type=workbook.CONTENT_TYPE)
    name = _file_name(assessment, "questionnaire.xlsx")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _upload_page(
    request: AuthenticatedHttpRequest,
    assessment: Assessment,
    form: WorkbookUploadForm,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "assessment/workbook_upload.html",
        {"assessment": assessment, "form": form, "errors": errors or []},
        status=status,
    )


def _preview_page(
    request: AuthenticatedHttpRequest,
    assessment: Assessment,
    plan: workbook.Plan,
    token: str,
    status: int = 200,
    notice: str = "",
) -> HttpResponse:
    context: dict[str, Any] = {
        "assessment": assessment,
        "plan": plan,
        "token": token,
        "writes": [c for c in plan.changes if c.lines and not c.conflict],
        "same_online": [c for c in plan.changes if not c.lines],
        "notice": notice,
    }
    return render(request, "assessment/workbook_preview.html", context, status=status)


def _read(data: bytes, assessment: Assessment, editable: frozenset[str]) -> workbook.Plan:
    parsed = workbook.workbook_read(data, assessment)
    return workbook.workbook_plan(parsed=parsed, assessment=assessment, editable=editable)


@login_required
def workbook_upload(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    editable = _editable(request, assessment)
    if request.method != "POST":
        return _upload_page(request, assessment, WorkbookUploadForm())
    form = WorkbookUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, assessment, form, status=422)
    upload = form.cleaned_data["file"]
    workbook.preview_delete(request.session.pop(session_key(assessment), None), user=request.user)
    try:
        workbook.check_size(upload.size)  # before reading it into memory
        data = upload.read()
        plan = _read(data, assessment, editable)
    except workbook.WorkbookRejected as refused:
        return _upload_page(request, assessment, form, [str(refused)], status=422)
    if plan.errors:
        return _upload_page(request, assessment, form, plan.errors, status=422)
    # The file stays in the database until confirmed (any app server can confirm it), the
    # session holding its key only: the confirmation re-reads it, so nothing the browser posts
    # back can change what is saved but the conflict choices.
    token = workbook.preview_save(
        user=request.user, assessment=assessment, data=data, versions=plan.versions()
    )
    request.session[session_key(assessment)] = token
    return _preview_page(request, assessment, plan, token)


@login_required
@require_POST
def workbook_confirm(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    editable = _editable(request, assessment)
    key = session_key(assessment)
    token = request.session.get(key)
    pending = workbook.preview_load(token, user=request.user, assessment=assessment)
    if pending is None or not secrets.compare_digest(pending.key, request.POST.get("token", "")):
        messages.error(request, _("That preview has expired. Upload the workbook again."))
        return redirect("assessment:workbook_upload", uuid=assessment.uuid)
    try:
        plan = _read(pending.data, assessment, editable)
    except workbook.WorkbookRejected as refused:
        workbook.preview_delete(request.session.pop(key, None), user=request.user)
        return _upload_page(request, assessment, WorkbookUploadForm(), [str(refused)], 422)
    if plan.errors:
        workbook.preview_delete(request.session.pop(key, None), user=request.user)
        return _upload_page(request, assessment, WorkbookUploadForm(), plan.errors, 422)
    try:
        applied = workbook.workbook_apply(
            assessment=assessment,
            user=request.user,
            plan=plan,
            replace=set(request.POST.getlist("replace")),
            seen_versions=pending.versions,
        )
    except workbook.PlanChanged:
        # Show the new situation; confirming again is a choice made on what is online now.
        workbook.preview_update(pending, plan.versions())
        notice = _("Someone saved answers online since your preview. Check them and confirm again.")
        return _preview_page(request, assessment, plan, pending.key, 409, notice)
    workbook.preview_delete(request.session.pop(key, None), user=request.user)
    messages.success(
        request,
        translation.ngettext(
            "%(n)s answer from the workbook is saved.",
            "%(n)s answers from the workbook are saved.",
            len(applied),
        )
        % {"n": len(applied)},
    )
    return redirect("assessment:overview", uuid=assessment.uuid)


@login_required
@require_safe
def blank_questionnaire(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    pdf = questionnaire_pdf.render_blank_questionnaire(
        assessment, language=translation.get_language()
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = _file_name(assessment, "blank-questionnaire.pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
