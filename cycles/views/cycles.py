"""The secretariat's cycle pages: the list of cycles, opening one, its board, extensions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from assessment.models import Country
from config.site import absolute_url
from outbox.worker import worker_state
from secretariat.access import secretariat_required

from .. import board, running
from ..access import may_run_cycles, secretariat_admin_required
from ..board_html import board_body
from ..forms import BoardFilterForm, CycleForm, ExtensionForm, sort_of
from ..models import AllianceMember, Cycle


@secretariat_required
def cycle_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    may_run = may_run_cycles(request)
    form = CycleForm(request.POST or None) if may_run else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Only a secretariat admin may do this."))
        if form.is_valid():
            form.instance.created_by = request.user
            cycle = form.save()
            messages.success(request, _("Cycle %(year)s created.") % {"year": cycle.year})
            return redirect("cycles:board", year=cycle.year)
    return render(
        request,
        "cycles/cycle_list.html",
        {"cycles": Cycle.objects.all(), "form": form, "may_run": may_run},
        status=422 if form is not None and form.errors else 200,
    )


def _board_context(request: HttpRequest, cycle: Cycle) -> dict[str, object]:
    members = board.members_read()
    form = BoardFilterForm(request.GET or None, regions=members.regions)
    data = form.cleaned_data if form.is_valid() else {}
    filters = board.BoardFilters(
        region=data.get("region") or None,
        hemisphere=data.get("hemisphere") or "",
        status=data.get("status") or "",
    )
    sort, descending = sort_of(request.GET)
    rows = board.sort_board(
        board.board_rows(cycle, filters, today=timezone.localdate(), members=members),
        sort,
        descending,
    )
    params = request.GET.copy()
    for key in ("sort", "dir"):
        params.pop(key, None)
    return {
        "cycle": cycle,
        "form": form,
        "rows": rows,
        "sort": sort,
        "descending": descending,
        "query": request.GET.urlencode(),
        "query_without_sort": params.urlencode(),
    }


@secretariat_required
@require_safe
def board_page(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, year=year)
    context = _board_context(request, cycle)
    may_run = may_run_cycles(request)
    columns = [
        ("country", _("Country")),
        ("region", _("UN region")),
        ("focal_point", _("Focal point")),
        ("assessment", _("Assessment")),
        ("activity", _("Last activity")),
        ("deadline", _("Deadline")),
    ]
    context |= {
        "may_run": may_run,
        "body": board_body(
            context["rows"],  # type: ignore[arg-type]
            year=cycle.year,
            may_run=may_run,
            labels=dict(columns),
        ),
        "worker": worker_state(),
        "exports": cycle.exports.all()[:5] if may_run else [],
        "columns": columns,
    }
    return render(request, "cycles/board.html", context)


@secretariat_required
@require_safe
def board_export(request: AuthenticatedHttpRequest, year: int, fmt: str) -> HttpResponse:
    cycle = get_object_or_404(Cycle, year=year)
    rows = _board_context(request, cycle)["rows"]
    header, body = board.board_header(), list(board.board_table(rows))  # type: ignore[arg-type]
    if fmt == "csv":
        from assessment.reports.csvsafe import write_csv

        content: bytes = write_csv(header, body).encode("utf-8-sig")
        content_type = "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        from secretariat.reviews.labels import xlsx

        content = xlsx({_("Board"): (header, body)})
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="board-{cycle.year}.{fmt}"'
    return response


@secretariat_admin_required
@require_POST
def cycle_open(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, year=year)
    count = running.cycle_open(
        cycle=cycle,
        user=request.user,
        # Links from SITE_URL, never from the request's Host (config/site.py).
        accept_url=absolute_url(reverse("assessment:accept_invitation", args=["TOKEN"])),
        home_url=absolute_url(reverse("home")),
    )
    if count or cycle.opened_at:
        messages.success(
            request,
            _("Cycle %(year)s is open: %(n)s focal points written to.")
            % {"year": cycle.year, "n": count},
        )
    return redirect("cycles:board", year=cycle.year)


@secretariat_admin_required
def deadline_extend(request: AuthenticatedHttpRequest, year: int, code: str) -> HttpResponse:
    cycle = get_object_or_404(Cycle, year=year)
    member = get_object_or_404(AllianceMember.objects.select_related("country"), country=code)
    country: Country = member.country
    form = ExtensionForm(request.POST or None, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        running.deadline_extend(
            cycle=cycle,
            country=country,
            deadline=form.cleaned_data["deadline"],
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
        messages.success(
            request, _("The deadline of %(country)s is extended.") % {"country": country.name}
        )
        return redirect("cycles:board", year=cycle.year)
    return render(
        request,
        "cycles/extension.html",
        {
            "cycle": cycle,
            "country": country,
            "form": form,
            "current": running.deadline_for(cycle, country.pk),
            "history": cycle.extensions.filter(country=country).select_related("created_by"),
        },
        status=422 if form.errors else 200,
    )
