"""The page that moves a draft to a corrected framework version (issue 13): preview, confirm."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest
from assessment import access, version_move


@login_required
def move(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    assessment = access.assessment_for(request.user, uuid)
    access.require(
        access.may_submit(access.membership_of(request.user), assessment),
        _(
            "Only the country coordinator can move an assessment to a newer framework version, "
            "while it is a draft or returned for changes."
        ),
    )
    if request.method == "POST":
        try:
            version_move.version_move(assessment=assessment, user=request.user)
        except version_move.MoveRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The assessment now uses the latest framework versions."))
        return redirect("assessment:overview", uuid=assessment.uuid)
    preview = version_move.version_move_preview(assessment=assessment)
    return render(
        request, "assessment/version_move.html", {"assessment": assessment, "preview": preview}
    )
