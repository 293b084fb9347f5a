"""The alliance's member countries and their focal points (secretariat admins)."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from config.site import absolute_url

from .. import members
from ..access import secretariat_admin_required
from ..forms import FocalPointForm, MemberForm
from ..models import AllianceMember, FocalPoint


def _accept_url(request: AuthenticatedHttpRequest) -> str:
    # From SITE_URL, never from the request's Host (config/site.py).
    return absolute_url(reverse("assessment:accept_invitation", args=["TOKEN"]))


@secretariat_admin_required
def member_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        member = members.member_add(
            country=form.cleaned_data["country"],
            member_since=form.cleaned_data["member_since"],
            user=request.user,
        )
        messages.success(request, _("%(country)s added.") % {"country": member.country.name})
        return redirect("cycles:members")
    current = list(AllianceMember.objects.current().select_related("country"))
    focal_points = list(
        FocalPoint.objects.filter(member__in=current).select_related("invitation", "member")
    )
    views = members.focal_point_views(focal_points)
    by_member: dict[int, list[members.FocalPointView]] = {}
    for view in views:
        by_member.setdefault(view.focal_point.member_id, []).append(view)
    rows = sorted(
        ((m, by_member.get(m.pk, [])) for m in current), key=lambda p: str(p[0].country.name)
    )
    return render(
        request,
        "cycles/members.html",
        {"form": form, "rows": rows, "focal_form": FocalPointForm()},
        status=422 if form.errors else 200,
    )


@secretariat_admin_required
@require_POST
def focal_point_add(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    member = get_object_or_404(
        AllianceMember.objects.current().select_related("country"), country=code
    )
    form = FocalPointForm(request.POST)
    if form.is_valid():
        try:
            fp = members.focal_point_add(member=member, user=request.user, **form.cleaned_data)
        except IntegrityError:
            messages.error(request, _("This address is already a focal point of this country."))
            return redirect("cycles:members")
        members.focal_point_invite(
            focal_point=fp, user=request.user, accept_url=_accept_url(request)
        )
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": fp.email})
        return redirect("cycles:members")
    return render(
        request,
        "cycles/focal_point_form.html",
        {"member": member, "focal_form": form},
        status=422,
    )


@secretariat_admin_required
@require_POST
def focal_point_invite(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    fp = get_object_or_404(
        FocalPoint.objects.select_related("member__country", "invitation"), uuid=uuid
    )
    members.focal_point_invite(focal_point=fp, user=request.user, accept_url=_accept_url(request))
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": fp.email})
    return redirect("cycles:members")
