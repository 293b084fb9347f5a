"""Questionnaire pages: home, start, overview, capability, legislation, results, evidence.

Each view: access helper → form → one service call → redirect or render.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.people import display_name
from assessment import (
    access,
    activity,
    answering,
    audit,
    evidence,
    frameworks_cache,
    progress,
    services,
)
from assessment.charts import bar_chart
from assessment.evidence_store import EvidenceReader, evidence_stored
from assessment.forms import (
    CapabilityForm,
    CommentForm,
    EvidenceForm,
    LanguageForm,
    LegislationForm,
    ReviewForm,
    StartAssessmentForm,
    blank_fields,
    legislation_initial,
)
from assessment.models import LEGISLATION_SECTION, Assessment, EvidenceFile, Membership
from cycles.running import cycle_versions
from frameworks.models import Capability

HISTORY_ON_PAGE = 5  # lines shown on the capability page; the rest on its history page
# Changes read for those lines: a sitting's autosaves read as one line (audit.grouped).
HISTORY_EVENTS = 40
HISTORY_PER_PAGE = 100


@login_required
@require_safe
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = access.membership_of(request.user)
    if membership is None:
        return render(request, "assessment/no_membership.html")
    # The same rule as the API's list: access.may_read decides for each assessment.
    assessments = list(access.readable_assessments(request.user))
    # One query for every row's answers, by the same path as each overview's scores.
    scores = services.scores_of_many(assessments)
    rows = [(a, progress.overall(scores[a.pk])) for a in assessments]
    return render(
        request,
        "assessment/home.html",
        {
            "membership": membership,
            "assessments": assessments,
            "rows": rows,
            "may_start": membership.is_country_member
            and access.may_start(membership, membership.country),
            "may_manage_team": membership.is_country_member
            and access.may_manage_team(membership, membership.country),
            "start_form": StartAssessmentForm(
                initial={
                    "cycle": _free_cycle(membership, timezone.now().year),
                    "language": get_language(),
                }
            ),
        },
    )


def _free_cycle(membership: Membership, year: int) -> int:
    """This year, or the first later year without an assessment: "Start" must not lead
    straight to "already exists"."""
    if not membership.is_country_member:
        return year
    taken = set(
        Assessment.objects.filter(country=membership.country).values_list("cycle", flat=True)
    )
    while year in taken:
        year += 1
    return year


@login_required
@require_POST
def assessment_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = access.membership_of(request.user)
    country = membership.country if membership else None
    access.require(
        country is not None and access.may_start(membership, country),
        _("Only the country coordinator can start an assessment."),
    )
    assert country is not None  # access.require has refused a member without a country
    form = StartAssessmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a year between 2000 and 2100."))
        return redirect("home")
    try:
        assessment = services.assessment_start(
            country=country,
            cycle=form.cleaned_data["cycle"],
            user=request.user,
            # The versions the secretariat opened the cycle with, when it was opened in the app.
            versions=cycle_versions(form.cleaned_data["cycle"]),
            language=form.cleaned_data["language"] or get_language() or "en",
        )
    except services.FrameworksMissing:
        messages.error(request, _("The frameworks have not been loaded yet. Ask the secretariat."))
        return redirect("home")
    except services.AssessmentExists:
        messages.error(request, _("An assessment for this cycle already exists."))
        return redirect("home")
    messages.success(request, _("Assessment started."))
    return redirect("assessment:overview", uuid=assessment.uuid)


@login_required
@require_safe
def overview(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    membership = access.membership_of(request.user)
    values = answering.answer_values(assessment)
    scores = services.scores_of(assessment, values)
    editable = access.editable_sections(membership, assessment)
    may_submit = access.may_submit(membership, assessment)
    copied, to_confirm = answering.copied_progress(assessment, scores, values.to_confirm)
    return render(
        request,
        "assessment/overview.html",
        {
            "assessment": assessment,
            "scores": scores,
            "editable": editable,
            "progress": copied,
            "to_confirm_codes": to_confirm,
            "next_step": progress.next_step(assessment, scores, editable, may_submit=may_submit)
            if assessment.is_editable
            else None,
            "may_submit": may_submit,
            "may_set_language": access.may_set_language(membership, assessment),
            "to_confirm": progress.to_confirm_by_section(scores, to_confirm),
            "language_form": LanguageForm(initial={"language": assessment.language}),
            "may_review": access.may_review(membership, assessment),
            "may_reopen": access.may_reopen(membership, assessment),
            "may_see_log": access.may_see_log(membership, assessment),
            "may_manage_team": access.may_manage_team(membership, assessment.country),
            "review_form": ReviewForm(),
        },
    )


def _capability(tree: frameworks_cache.MnrTree, code: str) -> tuple[Capability, dict[str, Any]]:
    capabilities = tree.capabilities
    capability = next((c for c in capabilities if c.code == code), None)
    if capability is None:
        raise Http404
    index = capabilities.index(capability)
    return capability, {
        "tree": tree,
        "capability": capability,
        "previous": capabilities[index - 1] if index > 0 else None,
        "next": capabilities[index + 1] if index + 1 < len(capabilities) else None,
    }


@login_required
def capability(request: AuthenticatedHttpRequest, uuid: UUID, code: str) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    membership = access.membership_of(request.user)
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    cap, context = _capability(tree, code)
    may_edit = cap.domain.code in access.editable_sections(membership, assessment)
    indicators = cap.indicator_list  # type: ignore[attr-defined]
    form_kwargs = {"capability": cap, "indicators": indicators, "scale": tree.scale}
    status, conflict = 200, None
    if request.method == "POST":
        access.require(may_edit, _("This section is not assigned to you, or is read-only."))
        form = CapabilityForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                saved = answering.capability_answers_save(
                    assessment=assessment,
                    capability=cap,
                    user=request.user,
                    response=form.cleaned_data["response"],
                    evidence=form.cleaned_data["evidence"],
                    share_with_peers=form.cleaned_data["share_with_peers"],
                    indicator_values=form.indicator_values(),
                    version=form.cleaned_data["version"],
                )
            except answering.StaleAnswer as stale:
                conflict = stale.current
            else:
                if request.htmx:
                    return render(
                        request,
                        "assessment/partials/save_status.html",
                        {
                            "saved_at": timezone.now(),
                            "saved_by": display_name(request.user),
                            "version": saved.version,
                        },
                    )
                messages.success(
                    request, _("Your answers to “%(name)s” are saved.") % {"name": cap.name}
                )
                return redirect("assessment:capability", uuid=assessment.uuid, code=cap.code)
        if conflict is not None:
            status = 409
            # Keep what the user typed; the newer version becomes the base, so saving again
            # is a deliberate choice to replace it.
            data = request.POST.copy()
            data["version"] = str(conflict.version)
            form = CapabilityForm(data, **form_kwargs)
            form.is_valid()
        else:
            status = 422
        if request.htmx:
            return render(
                request,
                "assessment/partials/save_status.html",
                {"form": form, "conflict": conflict},
                status=status,
            )
    # The page itself (not the autosave's fragment) shows the stored answers and the scores.
    values = answering.answer_values(assessment)
    # The stored answer, files, comments and the latest few changes, in one query; one more
    # change than shown tells whether to link to the whole history.
    around = activity.activity_of(assessment, cap, events=HISTORY_EVENTS)
    answer = around.answer
    if request.method != "POST":
        initial = {
            "response": answer.response if answer else "",
            "evidence": answer.evidence if answer else "",
            "share_with_peers": answer.share_with_peers if answer else False,
            "version": answer.version if answer else 0,
        }
        initial |= {f"ind_{i.code}": values.indicators.get(i.code, "") for i in indicators}
        form = CapabilityForm(initial=initial, **form_kwargs)
    scores = services.scores_of(assessment, values)
    history = audit.history_lines(
        around.latest_events, audit.names_of(assessment, team=False, actions=False), group=True
    )
    return render(
        request,
        "assessment/capability.html",
        {
            **context,
            "assessment": assessment,
            "form": form,
            "answer": answer,
            "answered_by": around.answered_by,
            "conflict": conflict,
            "cap_score": next(c for c in scores.capabilities if c.code == cap.code),
            "legislation": scores.legislation,
            "may_edit": may_edit,
            "may_comment": access.may_comment(membership, assessment),
            "comments": around.comments,
            "files": around.files,
            "history": history[:HISTORY_ON_PAGE],
            "more_history": len(history) > HISTORY_ON_PAGE
            or len(around.latest_events) == HISTORY_EVENTS,
            "comment_fields": blank_fields(CommentForm),
            "evidence_fields": blank_fields(EvidenceForm),
        },
        status=status,
    )


@login_required
def legislation(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    membership = access.membership_of(request.user)
    may_edit = LEGISLATION_SECTION in access.editable_sections(membership, assessment)
    criteria = frameworks_cache.criteria_of(assessment.legislation_version)
    answers = answering.criterion_answers(assessment, authors=False)
    to_confirm = {code for code, a in answers.items() if a.to_confirm}
    status, conflicts = 200, []
    if request.method == "POST":
        access.require(may_edit, _("This section is not assigned to you, or is read-only."))
        form = LegislationForm(request.POST, criteria=criteria, to_confirm=to_confirm)
        if form.is_valid():
            conflicts = answering.criterion_answers_save(
                assessment=assessment, user=request.user, answers=form.answers()
            )
            if not conflicts:
                if request.htmx:
                    fresh = answering.criterion_answers(assessment, authors=False)
                    rows = [
                        {
                            "code": code,
                            "version": a.version,
                            "was": json.dumps([a.value, a.citation]),
                        }
                        for code, a in fresh.items()
                    ]
                    return render(
                        request,
                        "assessment/partials/legislation_saved.html",
                        {"saved_at": timezone.now(), "rows": rows},
                    )
                messages.success(request, _("Your answers on legislation are saved."))
                return redirect("assessment:legislation", uuid=assessment.uuid)
            status = 409
            data = request.POST.copy()
            for current in conflicts:
                code = current.criterion.code
                data[f"ver_{code}"] = str(current.version)
                data[f"was_{code}"] = json.dumps([current.value, current.citation])
            form = LegislationForm(data, criteria=criteria, to_confirm=to_confirm)
            form.is_valid()
        else:
            status = 422
        if request.htmx:
            return render(
                request,
                "assessment/partials/save_status.html",
                {"form": form, "conflicts": conflicts},
                status=status,
            )
    else:
        form = LegislationForm(
            initial=legislation_initial(criteria, answers), criteria=criteria, to_confirm=to_confirm
        )
    return render(
        request,
        "assessment/legislation.html",
        {
            "assessment": assessment,
            "form": form,
            "fieldsets": form.fieldsets(may_edit),
            "conflicts": conflicts,
            "rule": assessment.legislation_version.rules["sufficiency"],
            "may_edit": may_edit,
        },
        status=status,
    )


@login_required
@require_safe
def results(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    values = answering.answer_values(assessment)
    scores = services.scores_of(assessment, values)
    target = assessment.mnr_version.rules["scoring"]["default_target"]
    return render(
        request,
        "assessment/results.html",
        {
            "assessment": assessment,
            "scores": scores,
            "progress": answering.copied_progress(assessment, scores, values.to_confirm)[0],
            "scale": tree.scale,
            "rules": tree.rules,
            "target": target,
            "chart": bar_chart(scores, target=target),
        },
    )


@login_required
@require_safe
def capability_history(request: AuthenticatedHttpRequest, uuid: UUID, code: str) -> HttpResponse:
    """Every change to one capability's answer, for whoever may read the capability page."""
    assessment = access.assessment_for(request.user, uuid)
    cap, context = _capability(frameworks_cache.mnr_tree(assessment.mnr_version), code)
    events = audit.events_for_subject(assessment, cap.code).select_related("actor__profile")
    page = Paginator(events, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessment/capability_history.html",
        {
            **context,
            "assessment": assessment,
            "page": page,
            "lines": audit.history_lines(
                page.object_list, audit.names_of(assessment, actions=False), group=True
            ),
        },
    )


def _capability_for_write(
    request: AuthenticatedHttpRequest, uuid: UUID, code: str
) -> tuple[Assessment, Capability]:
    assessment = access.assessment_for(request.user, uuid)
    cap = get_object_or_404(
        Capability.objects.select_related("domain"), version=assessment.mnr_version, code=code
    )
    return assessment, cap


@login_required
@require_POST
def comment_add(request: AuthenticatedHttpRequest, uuid: UUID, code: str) -> HttpResponse:
    from assessment import team

    assessment, cap = _capability_for_write(request, uuid, code)
    access.require(access.may_comment(access.membership_of(request.user), assessment))
    form = CommentForm(request.POST)
    if form.is_valid():
        team.comment_add(
            assessment=assessment, capability=cap, text=form.cleaned_data["text"], user=request.user
        )
        messages.success(request, _("Comment added."))
    else:
        messages.error(request, _("The comment is empty or too long; nothing was added."))
    return redirect("assessment:capability", uuid=assessment.uuid, code=cap.code)


@login_required
@require_POST
def evidence_upload(request: AuthenticatedHttpRequest, uuid: UUID, code: str) -> HttpResponse:
    assessment, cap = _capability_for_write(request, uuid, code)
    membership = access.membership_of(request.user)
    access.require(
        cap.domain.code in access.editable_sections(membership, assessment),
        _("This section is not assigned to you, or is read-only."),
    )
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            record = evidence.evidence_add(
                assessment=assessment,
                capability=cap,
                upload=form.cleaned_data["file"],
                user=request.user,
            )
        except evidence.EvidenceRejected as error:
            messages.error(request, _("Not attached: %(reason)s") % {"reason": error})
        else:
            messages.success(request, _("“%(name)s” is attached.") % {"name": record.original_name})
    return redirect("assessment:capability", uuid=assessment.uuid, code=cap.code)


def _evidence_record(
    request: AuthenticatedHttpRequest, uuid: UUID, file_uuid: UUID
) -> tuple[Assessment, EvidenceFile]:
    assessment = access.assessment_for(request.user, uuid)
    record = get_object_or_404(
        EvidenceFile.objects.select_related("capability__domain"),
        assessment=assessment,
        uuid=file_uuid,
    )
    return assessment, record


@login_required
@require_safe
def evidence_download(
    request: AuthenticatedHttpRequest, uuid: UUID, file_uuid: UUID
) -> FileResponse:
    _assessment, record = _evidence_record(request, uuid, file_uuid)
    if not evidence_stored(record):
        raise Http404  # recorded, but its bytes not moved to the database yet (docs/backup.md)
    # Always a download with the type we detected, never rendered inline by the browser.
    # Streamed from the database one stored piece at a time: bounded memory for any size.
    response = FileResponse(
        EvidenceReader(record),
        as_attachment=True,
        # Also for files stored before names were corrected on upload.
        filename=evidence.download_name(record.original_name, record.content_type),
        content_type=record.content_type,
    )
    response.block_size = 64 * 1024
    response["Content-Length"] = str(record.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def evidence_delete(request: AuthenticatedHttpRequest, uuid: UUID, file_uuid: UUID) -> HttpResponse:
    assessment, record = _evidence_record(request, uuid, file_uuid)
    membership = access.membership_of(request.user)
    access.require(
        record.capability.domain.code in access.editable_sections(membership, assessment),
        _("This section is not assigned to you, or is read-only."),
    )
    code = record.capability.code
    evidence.evidence_remove(record=record, user=request.user)
    messages.success(request, _("The file is removed."))
    return redirect("assessment:capability", uuid=assessment.uuid, code=code)
