"""Reminders on the country's side: the coordinator's one click, and anyone's opt-out."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from assessment import access

from .. import reminders


@login_required
@require_POST
def remind_contributors(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    membership = access.membership_of(request.user)
    access.require(
        access.may_manage_team(membership, assessment.country),
        _("Only the country coordinator reminds the contributors."),
    )
    access.require(assessment.is_editable, _("This assessment is read-only."))
    sent = reminders.contributors_remind(assessment=assessment, user=request.user)
    if sent:
        messages.success(request, _("Reminders sent: %(n)s.") % {"n": sent})
    else:
        messages.info(
            request,
            _(
                "Nobody to remind now: no contributor has unanswered assigned sections, or they "
                "had a reminder today, or they turned reminders off."
            ),
        )
    return redirect("assessment:assignments", uuid=assessment.uuid)


@login_required
def reminder_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        off = request.POST.get("reminders") == "off"
        if request.POST.get("reminders") not in ("on", "off"):
            messages.error(request, _("Choose whether you want reminders."))
            return render(
                request,
                "cycles/reminder_settings.html",
                {"off": reminders.reminders_off(request.user)},
                status=422,
            )
        reminders.reminders_set(user=request.user, off=off)
        messages.success(
            request,
            _("You will receive no reminder emails.") if off else _("You will receive reminders."),
        )
        return redirect("cycles:reminder_settings")
    return render(
        request, "cycles/reminder_settings.html", {"off": reminders.reminders_off(request.user)}
    )
