"""Gap analysis, action plan and its exports."""

from __future__ import annotations

from uuid import UUID

from crispy_forms.utils import render_crispy_form
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from assessment import access, frameworks_cache, plan
from assessment.forms import ActionForm, TargetForm
from assessment.forms.plan import blank_target_fields
from assessment.models import Action, Assessment
from assessment.reports.builder import (
    build_report,
    export_languages_offered,
    priority_rule,
    report_language,
)
from frameworks.models import Capability


def _filename(assessment: Assessment, ext: str) -> str:
    return f"action-plan-{assessment.country_id}-{assessment.cycle}-r{assessment.revision}.{ext}"


def _plan_page(
    request: AuthenticatedHttpRequest,
    assessment: Assessment,
    target_form: TargetForm | None = None,
    status: int = 200,
) -> HttpResponse:
    membership = access.membership_of(request.user)
    analysis = plan.gap_analysis(assessment)
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    today = timezone.localdate()
    actions = plan.action_rows(assessment)
    may_set_targets = access.may_set_targets(membership, assessment)
    target_fields = None
    if target_form is not None:  # refused: its errors and what was typed
        target_fields = render_crispy_form(target_form)
    elif may_set_targets:
        target_fields = blank_target_fields(tree.capabilities, plan.target_levels(assessment))
    return render(
        request,
        "assessment/plan.html",
        {
            "assessment": assessment,
            "analysis": analysis,
            "priority_rule": priority_rule(
                analysis, [c.name for c in tree.capabilities if c.foundational]
            ),
            "actions": [(a, a.is_overdue(today)) for a in actions],
            "may_plan": access.may_plan(membership, assessment),
            "may_set_targets": may_set_targets,
            "target_fields": target_fields,
            "export_language": report_language(assessment, request.GET.get("lang")),
            "export_sets": export_languages_offered(
                assessment, request.GET.get("lang"), get_language()
            ),
            "export_languages": settings.LANGUAGES,
        },
        status=status,
    )


@login_required
@require_safe
def plan_page(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _plan_page(request, access.assessment_for(request.user, uuid))


@login_required
@require_POST
def target_set(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    """Raise (or reset) a target; a refused one shows the plan again with the form's errors and
    what was typed."""
    assessment = access.assessment_for(request.user, uuid)
    access.require(
        access.may_set_targets(access.membership_of(request.user), assessment),
        _("Only the coordinator sets targets, while the assessment is editable."),
    )
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    form = TargetForm(
        request.POST, capabilities=tree.capabilities, levels=plan.target_levels(assessment)
    )
    if form.is_valid():
        capability = get_object_or_404(
            Capability, version=assessment.mnr_version, code=form.cleaned_data["capability"]
        )
        try:
            plan.target_set(
                assessment=assessment,
                capability=capability,
                level=form.cleaned_data["level"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except plan.PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Target saved."))
            return redirect("assessment:plan", uuid=assessment.uuid)
    return _plan_page(request, assessment, target_form=form, status=422)


@login_required
@require_POST
def actions_generate(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    access.require(access.may_plan(access.membership_of(request.user), assessment))
    added = plan.actions_generate(
        assessment=assessment, analysis=plan.gap_analysis(assessment), user=request.user
    )
    messages.success(
        request,
        _("%(n)s proposed action(s) added; existing actions were kept as they were.")
        % {"n": added},
    )
    return redirect("assessment:plan", uuid=assessment.uuid)


def _action(
    request: AuthenticatedHttpRequest, uuid: UUID, action_uuid: UUID | None
) -> tuple[Assessment, Action | None]:
    assessment = access.assessment_for(request.user, uuid)
    action = None
    if action_uuid is not None:
        action = get_object_or_404(Action, assessment=assessment, uuid=action_uuid)
    return assessment, action


@login_required
def action_edit(
    request: AuthenticatedHttpRequest, uuid: UUID, action_uuid: UUID | None = None
) -> HttpResponse:
    assessment, action = _action(request, uuid, action_uuid)
    access.require(access.may_plan(access.membership_of(request.user), assessment))
    form = ActionForm(request.POST or None, instance=action, assessment=assessment)
    if request.method == "POST":
        if form.is_valid():
            plan.action_save(
                assessment=assessment, action=action, values=form.cleaned_data, user=request.user
            )
            messages.success(request, _("Action saved."))
            return redirect("assessment:plan", uuid=assessment.uuid)
        status = 422
    else:
        status = 200
    return render(
        request,
        "assessment/action_form.html",
        {
            "assessment": assessment,
            "action": action,
            "form": form,
        },
        status=status,
    )


@login_required
@require_POST
def action_delete(request: AuthenticatedHttpRequest, uuid: UUID, action_uuid: UUID) -> HttpResponse:
    assessment, action = _action(request, uuid, action_uuid)
    access.require(access.may_plan(access.membership_of(request.user), assessment))
    # Two steps, both POST: the plan's "Remove…" asks here; only "Yes, remove" removes.
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "assessment/action_delete.html",
            {"assessment": assessment, "action": action},
        )
    plan.action_delete(action=action, user=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Action removed."))
    return redirect("assessment:plan", uuid=assessment.uuid)


@login_required
@require_POST
def action_move(request: AuthenticatedHttpRequest, uuid: UUID, action_uuid: UUID) -> HttpResponse:
    assessment, action = _action(request, uuid, action_uuid)
    access.require(access.may_plan(access.membership_of(request.user), assessment))
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        messages.error(request, _("Move the action up or down; nothing was changed."))
        return redirect("assessment:plan", uuid=assessment.uuid)
    plan.action_move(action=action, up=direction == "up", user=request.user)  # type: ignore[arg-type]
    return redirect("assessment:plan", uuid=assessment.uuid)


@login_required
@require_safe
def export(request: AuthenticatedHttpRequest, uuid: UUID, fmt: str) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    report = build_report(assessment, report_language(assessment, request.GET.get("lang")))
    if fmt == "pdf":
        from assessment.reports.pdf import render_pdf

        body, content_type, ext = render_pdf(report), "application/pdf", "pdf"
    elif fmt == "xlsx":
        from assessment.reports.tabular import to_xlsx

        body = to_xlsx(report)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ext = "xlsx"
    elif fmt in ("scores.csv", "gaps.csv", "actions.csv"):
        from assessment.reports.tabular import to_csv

        body = to_csv(report, fmt.removesuffix(".csv")).encode("utf-8-sig")
        content_type, ext = "text/csv; charset=utf-8", fmt
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{_filename(assessment, ext)}"'
    return response
