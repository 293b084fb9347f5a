from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frameworks.models import Capability

from . import access, services
from .charts import bar_chart
from .forms import CapabilityForm, LegislationForm, StartAssessmentForm
from .models import Assessment


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = access.membership_of(request.user)
    if membership is None:
        return render(request, "assessment/no_membership.html")
    if membership.is_country_member:
        assessments = Assessment.objects.filter(country=membership.country).order_by("-cycle")
    else:
        assessments = (
            Assessment.objects.exclude(status=Assessment.Status.DRAFT)
            .select_related("country")
            .order_by("-cycle", "country")
        )
    return render(
        request,
        "assessment/home.html",
        {
            "membership": membership,
            "assessments": assessments,
            "may_start": membership.is_country_member
            and access.may_start(membership, membership.country),
            "start_form": StartAssessmentForm(initial={"cycle": timezone.now().year}),
        },
    )


@login_required
@require_POST
def assessment_start(request: HttpRequest) -> HttpResponse:
    membership = access.membership_of(request.user)
    if membership is None or membership.country is None:
        return HttpResponse(status=403)
    if not access.may_start(membership, membership.country):
        return HttpResponse(_("Only the country coordinator can start an assessment."), status=403)
    form = StartAssessmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a year between 2000 and 2100."))
        return redirect("home")
    try:
        assessment = services.assessment_start(
            country=membership.country, cycle=form.cleaned_data["cycle"], user=request.user
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
def overview(request: HttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    scores = services.assessment_scores(assessment)
    return render(
        request,
        "assessment/overview.html",
        {
            "assessment": assessment,
            "scores": scores,
            "may_edit": access.may_edit(access.membership_of(request.user), assessment),
        },
    )


def _capability_context(assessment: Assessment, code: str) -> dict[str, object]:
    tree = services.mnr_tree(assessment.mnr_version)
    capabilities = tree.capabilities
    capability = next((c for c in capabilities if c.code == code), None)
    if capability is None:
        raise Http404
    index = capabilities.index(capability)
    return {
        "tree": tree,
        "capability": capability,
        "previous": capabilities[index - 1] if index > 0 else None,
        "next": capabilities[index + 1] if index + 1 < len(capabilities) else None,
    }


@login_required
def capability(request: HttpRequest, uuid: UUID, code: str) -> HttpResponse:
    editing = request.method == "POST"
    assessment = access.assessment_for(request.user, uuid, edit=editing)
    context = _capability_context(assessment, code)
    cap: Capability = context["capability"]  # type: ignore[assignment]
    indicators = cap.indicator_list  # type: ignore[attr-defined]
    answers = services.answers_of(assessment)
    answer = answers.capabilities.get(cap.code)
    initial = {
        "response": answer.response if answer else "",
        "evidence": answer.evidence if answer else "",
    }
    initial |= {f"ind_{i.code}": answers.indicators.get(i.code, "") for i in indicators}
    form_kwargs = {"capability": cap, "indicators": indicators, "scale": context["tree"].scale}  # type: ignore[attr-defined]
    status = 200
    if editing:
        form = CapabilityForm(request.POST, **form_kwargs)
        if form.is_valid():
            services.capability_answers_save(
                assessment=assessment,
                capability=cap,
                user=request.user,
                response=form.cleaned_data["response"],
                evidence=form.cleaned_data["evidence"],
                indicator_values=form.indicator_values(),
            )
            if request.htmx:
                return render(
                    request, "assessment/partials/save_status.html", {"saved_at": timezone.now()}
                )
            messages.success(
                request, _("Your answers to “%(name)s” are saved.") % {"name": cap.name}
            )
            return redirect("assessment:capability", uuid=assessment.uuid, code=cap.code)
        status = 422
        if request.htmx:
            return render(
                request, "assessment/partials/save_status.html", {"form": form}, status=status
            )
    else:
        form = CapabilityForm(initial=initial, **form_kwargs)
    scores = services.scores_from(
        assessment,
        context["tree"],
        services.criteria_of(assessment.legislation_version),
        answers,  # type: ignore[arg-type]
    )
    cap_score = next(c for c in scores.capabilities if c.code == cap.code)
    return render(
        request,
        "assessment/capability.html",
        {
            **context,
            "assessment": assessment,
            "form": form,
            "answer": answer,
            "cap_score": cap_score,
            "legislation": scores.legislation,
            "may_edit": access.may_edit(access.membership_of(request.user), assessment),
        },
        status=status,
    )


@login_required
def legislation(request: HttpRequest, uuid: UUID) -> HttpResponse:
    editing = request.method == "POST"
    assessment = access.assessment_for(request.user, uuid, edit=editing)
    criteria = services.criteria_of(assessment.legislation_version)
    answers = services.answers_of(assessment).criteria
    status = 200
    if editing:
        form = LegislationForm(request.POST, criteria=criteria)
        if form.is_valid():
            services.criterion_answers_save(
                assessment=assessment, user=request.user, answers=form.answers()
            )
            if request.htmx:
                return render(
                    request, "assessment/partials/save_status.html", {"saved_at": timezone.now()}
                )
            messages.success(request, _("Your answers on legislation are saved."))
            return redirect("assessment:legislation", uuid=assessment.uuid)
        status = 422
        if request.htmx:
            return render(
                request, "assessment/partials/save_status.html", {"form": form}, status=status
            )
    else:
        initial = {}
        for c in criteria:
            a = answers.get(c.code)
            initial[f"crit_{c.code}"] = a.value if a else ""
            initial[f"cite_{c.code}"] = a.citation if a else ""
        form = LegislationForm(initial=initial, criteria=criteria)
    return render(
        request,
        "assessment/legislation.html",
        {
            "assessment": assessment,
            "form": form,
            "rule": assessment.legislation_version.rules["sufficiency"],
            "may_edit": access.may_edit(access.membership_of(request.user), assessment),
        },
        status=status,
    )


@login_required
def results(request: HttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    tree = services.mnr_tree(assessment.mnr_version)
    scores = services.scores_from(
        assessment,
        tree,
        services.criteria_of(assessment.legislation_version),
        services.answers_of(assessment),
    )
    return render(
        request,
        "assessment/results.html",
        {
            "assessment": assessment,
            "scores": scores,
            "scale": tree.scale,
            "rules": tree.rules,
            "target": assessment.mnr_version.rules["scoring"]["default_target"],
            "chart": bar_chart(
                scores, target=assessment.mnr_version.rules["scoring"]["default_target"]
            ),
        },
    )
