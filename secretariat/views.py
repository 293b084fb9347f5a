"""The secretariat's comparison pages: matrix, aggregates, trend, country profile, exports."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from assessment.access import is_secretariat_admin, membership_of
from assessment.models import Country

from . import comparison as cmp
from .access import secretariat_required
from .forms import FilterForm, TrendForm


def _filters(request: HttpRequest) -> tuple[FilterForm, cmp.Filters]:
    form = FilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    return form, cmp.Filters(
        cycle=data.get("cycle") or None,
        region=data.get("region") or None,
        subregion=data.get("subregion") or None,
        hemisphere=data.get("hemisphere") or "",
        status=data.get("status") or "",
    )


def _matrix_context(request: HttpRequest) -> dict[str, Any]:
    form, filters = _filters(request)
    result = cmp.load_rows(filters)
    sort = request.GET.get("sort", "")
    descending = request.GET.get("dir") == "desc"
    rows = cmp.sort_rows(result.named_rows, sort, descending, result.columns)
    table = [(row, [(c, cmp.cell(row, c)) for c in result.columns]) for row in rows]
    return {
        "form": form,
        "filters": filters,
        "comparison": result,
        "table": table,
        "sort": sort,
        "descending": descending,
        "aggregates": cmp.aggregates(result),
        "query": request.GET.urlencode(),
        "query_without_sort": _without(request, "sort", "dir"),
    }


def _without(request: HttpRequest, *keys: str) -> str:
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()


@secretariat_required
@require_safe
def matrix(request: HttpRequest) -> HttpResponse:
    context = _matrix_context(request)
    from .legislation_import import disagreements, latest_entries

    named = context["comparison"].named_rows
    context["disagreements"] = disagreements(named, latest_entries([r.country.pk for r in named]))
    # The import views check the same rule themselves; this only decides whether to link them.
    context["may_import"] = is_secretariat_admin(membership_of(request.user))
    return render(request, "secretariat/matrix.html", context)


@secretariat_required
@require_safe
def trend(request: HttpRequest) -> HttpResponse:
    form = TrendForm(request.GET or None)
    filter_form, filters = _filters(request)
    country = request.GET.get("country", "").upper()
    if country:
        if not cmp.trend_by_name_allowed(country):
            raise Http404
        filters = replace(filters, country=country)
    result = None
    if form.is_valid():
        result = cmp.trend(filters, form.cleaned_data["since"], form.cleaned_data["until"])
    return render(
        request,
        "secretariat/trend.html",
        {
            "form": form,
            "filter_form": filter_form,
            "rows": result.rows if result else [],
            "left_out": result.left_out if result else 0,
            "country": Country.objects.filter(pk=country).first() if country else None,
        },
    )


@secretariat_required
@require_safe
def country_profile(request: HttpRequest, code: str) -> HttpResponse:
    country = get_object_or_404(Country, code=code.upper())
    result = cmp.load_rows(cmp.Filters(country=country.pk))
    rows = sorted(result.named_rows, key=lambda r: r.cycle, reverse=True)
    if not rows:
        raise Http404  # nothing shared by name: the country does not appear at all
    from .legislation_import import disagreements, latest_entries

    entries = latest_entries([country.pk])
    baseline = entries.get(country.pk)
    law_rows = [
        (r, getattr(baseline, r.code, None) if baseline else None)
        for r in rows[0].scores.legislation.criteria
    ]
    return render(
        request,
        "secretariat/country.html",
        {
            "law_rows": law_rows,
            "country": country,
            "rows": rows,
            "latest": rows[0],
            "columns": result.columns,
            "baseline": baseline,
            "disagreements": disagreements(rows[:1], entries),
            "law_codes": cmp.LAW_CODES,
        },
    )


# --- exports ------------------------------------------------------------------------------


def matrix_sheet(context: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    columns = context["comparison"].columns
    header = [
        "country",
        "code",
        "region",
        "subregion",
        "north/south",
        "cycle",
        "revision",
        "status",
    ] + [c.label for c in columns]
    body = []
    for row, cells in context["table"]:
        body.append(
            [
                row.country.name,
                row.country.pk,
                row.country.region_name,
                row.country.subregion_name,
                row.country.hemisphere,
                row.cycle,
                row.revision,
                row.status,
            ]
            + [round(v, 2) if isinstance(v, float) else v for _c, v in cells]
        )
    return header, body


def aggregates_sheet(context: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    agg: cmp.Aggregates = context["aggregates"]
    header = ["measure", "count", "among", "among what"]
    body: list[list[Any]] = [
        ["assessments counted", agg.assessed, "", ""],
        ["shown by name", agg.named, agg.assessed, "assessments counted"],
        [
            "aggregate-only assessments left out to protect them",
            agg.left_out,
            "",
            "",
        ],
    ]
    body += [[r.label, r.count, r.among, r.among_label] for r in agg.legislation]
    body += [
        [f"{r.label}: aggregate-only assessments left out to protect them", r.left_out, "", ""]
        for r in agg.legislation
        if r.left_out
    ]
    for d in agg.distributions:
        for key in ("0", "1", "2", "3", "4", "dont_know", "not_applicable", "not_answered"):
            body.append(
                [
                    f"{d.column.label}: {key}",
                    d.counts.get(key, 0),
                    agg.assessed,
                    "assessments counted",
                ]
            )
    return header, body


def _csv(header: list[str], body: list[list[Any]]) -> str:
    from assessment.reports.csvsafe import write_csv

    return write_csv(header, body)


@secretariat_required
@require_safe
def export(request: HttpRequest, what: str, fmt: str) -> HttpResponse:
    context = _matrix_context(request)
    sheets = {"matrix": matrix_sheet(context), "aggregates": aggregates_sheet(context)}
    if fmt == "csv" and what in sheets:
        body: bytes = _csv(*sheets[what]).encode("utf-8-sig")
        content_type = "text/csv; charset=utf-8"
    elif fmt == "xlsx" and what == "comparison":
        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.active)
        for name, (header, rows) in sheets.items():
            sheet = book.create_sheet(name)
            sheet.append(header)
            for line in rows:
                sheet.append(line)
            sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        book.save(buffer)
        body = buffer.getvalue()
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "pdf" and what == "matrix":
        from .pdf import render_matrix_pdf

        body, content_type = render_matrix_pdf(context), "application/pdf"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{what}.{fmt}"'
    return response
