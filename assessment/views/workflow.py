"""Team and workflow pages: submission, review, reopening, assignments, history, invitations."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from assessment import (
    access,
    answering,
    audit,
    frameworks_cache,
    progress,
    services,
    team,
    workflow,
)
from assessment.forms import (
    AcceptInvitationForm,
    AssignmentForm,
    InviteForm,
    LanguageForm,
    ReviewForm,
    SubmitForm,
    WaiverForm,
)
from assessment.models import Assignment, Invitation, Membership
from config.site import absolute_url


@login_required
def submit(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    access.require(
        access.may_submit(access.membership_of(request.user), assessment),
        _("Only the country coordinator can submit, while the assessment is a draft."),
    )
    form = SubmitForm(request.POST or None, initial={"sharing": assessment.sharing})
    if request.method == "POST" and form.is_valid():
        try:
            workflow.submit(
                assessment=assessment, sharing=form.cleaned_data["sharing"], user=request.user
            )
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Submitted to the secretariat."))
            return redirect("assessment:overview", uuid=assessment.uuid)
    values = answering.answer_values(assessment)
    scores = services.scores_of(assessment, values)
    copied, to_confirm = answering.copied_progress(assessment, scores, values.to_confirm)
    missing = progress.missing_by_section(assessment, scores, to_confirm)
    return render(
        request,
        "assessment/submit.html",
        {
            "assessment": assessment,
            "form": form,
            # Each section with its unanswered items, each a link to where it is answered.
            "sections": [
                (section, missing[section.code])
                for section in workflow.sections(assessment, scores)
            ],
            "progress": copied,
            "waiver_form": WaiverForm(),
        },
    )


@login_required
@require_POST
def language(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    access.require(
        access.may_set_language(access.membership_of(request.user), assessment),
        _("Only the country coordinator can change the working language."),
    )
    form = LanguageForm(request.POST)
    if form.is_valid():
        workflow.language_set(
            assessment=assessment, language=form.cleaned_data["language"], user=request.user
        )
        messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Choose one of the languages offered; nothing was changed."))
    return redirect("assessment:overview", uuid=assessment.uuid)


@login_required
@require_POST
def section_confirm(request: AuthenticatedHttpRequest, uuid: UUID, section: str) -> HttpResponse:
    """Confirm, after reading them, the answers of a section copied from the previous cycle:
    all of them, or the one named by "code"."""
    assessment = access.assessment_for(request.user, uuid)
    access.require(
        section in access.editable_sections(access.membership_of(request.user), assessment),
        _("This section is not assigned to you, or is read-only."),
    )
    # One capability or criterion ("code", from its line on the overview), or the section.
    count = answering.section_confirm(
        assessment=assessment,
        section=section,
        user=request.user,
        code=str(request.POST.get("code", ""))[:20],
    )
    messages.success(
        request,
        ngettext("%(n)s answer confirmed.", "%(n)s answers confirmed.", count) % {"n": count},
    )
    return redirect("assessment:overview", uuid=assessment.uuid)


@login_required
@require_POST
def waiver(request: AuthenticatedHttpRequest, uuid: UUID, section: str) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    access.require(access.may_submit(access.membership_of(request.user), assessment))
    if section not in frameworks_cache.mnr_tree(assessment.mnr_version).section_codes:
        messages.error(request, _("There is no such section."))
        return redirect("assessment:submit", uuid=assessment.uuid)
    form = WaiverForm(request.POST)
    if form.is_valid():
        workflow.waiver_set(
            assessment=assessment,
            section=section,
            reason=form.cleaned_data["reason"].strip(),
            user=request.user,
        )
        messages.success(request, _("Saved."))
    else:
        messages.error(request, _("The reason is too long; nothing was changed."))
    return redirect("assessment:submit", uuid=assessment.uuid)


@login_required
@require_POST
def review(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    access.require(
        access.may_review(access.membership_of(request.user), assessment),
        _("Only a secretariat admin can validate or return a submitted assessment."),
    )
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to validate or to return."))
        return redirect("assessment:overview", uuid=assessment.uuid)
    try:
        workflow.review(
            assessment=assessment,
            validate=form.cleaned_data["decision"] == "validate",
            comment=form.cleaned_data["comment"],
            user=request.user,
        )
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("assessment:overview", uuid=assessment.uuid)


@login_required
@require_POST
def reopen(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    access.require(
        access.may_reopen(access.membership_of(request.user), assessment),
        _("Only the country coordinator can reopen a validated assessment."),
    )
    try:
        revision = workflow.reopen(assessment=assessment, user=request.user)
    except (workflow.WorkflowError, services.AssessmentExists) as error:
        messages.error(request, str(error) or _("A revision of this cycle is already open."))
        return redirect("assessment:overview", uuid=assessment.uuid)
    messages.success(
        request,
        _("Revision %(n)s opened from a copy; the validated assessment is kept as it was.")
        % {"n": revision.revision},
    )
    return redirect("assessment:overview", uuid=revision.uuid)


@login_required
def assignments(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    access.require(
        access.may_manage_team(access.membership_of(request.user), assessment.country),
        _("Only the country coordinator assigns sections."),
    )
    sections = frameworks_cache.mnr_tree(assessment.mnr_version).sections()
    contributors = list(
        get_user_model()
        .objects.filter(
            membership__country=assessment.country,
            membership__role=Membership.Role.CONTRIBUTOR,
        )
        .select_related("profile")  # their display names, in this one query
        .order_by("username")
    )
    if request.method == "POST":
        access.require(assessment.is_editable, _("This assessment is read-only."))
        form = AssignmentForm(request.POST, contributors=contributors, sections=sections)
        if form.is_valid():
            team.assignments_set(
                assessment=assessment,
                member=form.cleaned_data["user"],
                sections=form.cleaned_data["sections"],
                user=request.user,
            )
            messages.success(request, _("Assignments saved."))
        else:
            # Only a forged request gets here: the page offers nothing else to choose.
            messages.error(request, _("Unknown colleague or section; nothing was changed."))
        return redirect("assessment:assignments", uuid=assessment.uuid)
    current: dict[int, list[str]] = {}
    for user_id, section in Assignment.objects.filter(assessment=assessment).values_list(
        "user", "section"
    ):
        current.setdefault(user_id, []).append(section)
    forms = [
        AssignmentForm(
            initial={"user": u.pk, "sections": current.get(u.pk, [])},
            contributors=contributors,
            sections=sections,
            auto_id=f"s-{u.pk}-%s",
        )
        for u in contributors
    ]
    return render(
        request,
        "assessment/assignments.html",
        {
            "assessment": assessment,
            "forms": forms,
        },
    )


@login_required
@require_safe
def history(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    access.require(
        access.may_see_log(access.membership_of(request.user), assessment),
        _("The log is for the country coordinator and the secretariat admin."),
    )
    events = audit.events_for(assessment)
    if request.GET.get("format") == "csv":
        # With a BOM, so that a spreadsheet reads the UTF-8 (names, Arabic) as UTF-8.
        body = audit.to_csv(events, audit.names_of(assessment)).encode("utf-8-sig")
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="audit-{assessment.country_id}-{assessment.cycle}'
            f'-r{assessment.revision}.csv"'
        )
        return response
    return render(
        request,
        "assessment/history.html",
        {
            "assessment": assessment,
            # In words, a sitting's autosaves as one line; the CSV keeps every event as stored.
            "lines": audit.history_lines(
                events.select_related("actor__profile")[:500],
                audit.names_of(assessment),
                group=True,
            ),
        },
    )


@login_required
def team_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = access.membership_of(request.user)
    country = membership.country if membership else None
    access.require(
        country is not None and access.may_manage_team(membership, country),
        _("Only the country coordinator manages the team."),
    )
    assert country is not None  # access.require has refused a member without a country
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # From SITE_URL, never from the request's Host (config/site.py).
        accept_url = absolute_url(reverse("assessment:accept_invitation", args=["TOKEN"]))
        team.invite(
            country=country,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            user=request.user,
            accept_url=accept_url,
        )
        messages.success(
            request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
        )
        return redirect("assessment:team")
    return render(
        request,
        "assessment/team.html",
        {
            "country": country,
            "form": form,
            "members": Membership.objects.filter(country=country)
            .select_related("user__profile")
            .order_by("role", "user__username"),
            "invitations": Invitation.objects.filter(
                country=country, accepted_at__isnull=True
            ).order_by("-created_at"),
        },
    )


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = team.invitation_from_token(token)
    except team.InvitationError as error:
        return render(
            request, "assessment/invitation_invalid.html", {"reason": str(error)}, status=410
        )
    if request.user.is_authenticated:
        return render(
            request,
            "assessment/invitation_invalid.html",
            {
                "reason": _(
                    "You are signed in already. Sign out, then open the link again to "
                    "create the invited account."
                ),
            },
            status=409,
        )
    form = AcceptInvitationForm(request.POST or None, country=invitation.country)
    if request.method == "POST" and form.is_valid():
        try:
            user = team.accept(
                token=token,
                username=form.cleaned_data["username"],
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password1"],
            )
        except team.InvitationError as error:
            return render(
                request, "assessment/invitation_invalid.html", {"reason": str(error)}, status=410
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome. Your account is ready."))
        return redirect("home")
    return render(
        request,
        "assessment/accept_invitation.html",
        {
            "invitation": invitation,
            "form": form,
        },
    )
