"""The secretariat's comparison pages: matrix, aggregates, trend, country profile, exports."""

from __future__ import annotations

import functools
from dataclasses import replace
from re import fullmatch
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from assessment.access import is_secretariat_admin, membership_of
from assessment.countries import m49_name
from assessment.models import Assessment, Country
from assessment.rounding import half_up
from config.converters import CountryConverter

from . import comparison as cmp
from . import disclosure, kept
from .access import secretariat_required
from .forms import FilterForm
from .row_cache import Cells


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
    rows = cmp.sorted_named_rows(result, sort, descending)
    table = [(row, Cells(row, result.columns)) for row in rows]
    return {
        "form": form,
        "filters": filters,
        "comparison": result,
        "table": table,
        "table_key": result.order_key(sort, descending),  # its HTML is kept (row_cache.py)
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
    from .reviews.importer import disagreements, latest_entries

    named = context["comparison"].named_rows
    # Every country's latest entry: `disagreements` reads those of the named rows only.
    found = disagreements(named, latest_entries(with_review=False))
    # In words: the country's and the criterion's names, not their codes (issue 17).
    countries = {r.country.pk: r.country for r in named}
    criteria = {c.key.removeprefix("law:"): c.label for c in context["comparison"].columns}
    context["disagreements"] = [
        (
            str(countries[d.country_code].name) if d.country_code in countries else d.country_code,
            criteria.get(d.criterion, d.criterion),
            d.self_value,
            d.published_value,
        )
        for d in found
    ]
    # The import views check the same rule themselves; this only decides whether to link them.
    context["may_import"] = is_secretariat_admin(membership_of(request.user))
    context["body"] = _matrix_body(context)
    return render(request, "secretariat/matrix.html", context)


# The matrix page below its filters (exports, matrix, column codes, totals) is drawn from these
# alone (the partial is rendered with nothing else): kept per comparison key (every row frozen:
# rows, sharing, filters, columns, language), disclosure threshold and query string (sort).
_BODY_READS: tuple[str, ...] = ("filters", "comparison", "table", "table_key", "sort")
_BODY_READS += ("descending", "aggregates", "query", "query_without_sort")
_BODIES: kept.Store[str] = kept.Store(16)  # up to 0.6 MB each (588 rows)


def _matrix_body(context: dict[str, Any]) -> str:
    comparison: cmp.Comparison = context["comparison"]
    key = None
    if comparison.key is not None:
        key = (comparison.key, disclosure.min_group(), context["query"])
        found = _BODIES.get(key)
        if found is not None:
            return found
    reads = {name: context[name] for name in _BODY_READS}
    body = render_to_string("secretariat/_matrix_body.html", reads)
    return _BODIES.put(key, body) if key else body


@secretariat_required
@require_safe
def trend(request: HttpRequest) -> HttpResponse:
    from .forms import CyclePairForm
    from .trend_chart import domain_chart

    form = CyclePairForm(request.GET)
    filter_form, filters = _filters(request)
    country = request.GET.get("country", "").upper()
    if country:
        # A forged value (a NUL is a 500 on PostgreSQL) is an unknown country, as in the path.
        if not fullmatch(CountryConverter.regex, country) or not cmp.trend_by_name_allowed(country):
            raise Http404
        filters = replace(filters, country=country)
    result = None
    chart = None
    if form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
        result = cmp.trend(filters, since, until)
        if any(r.countries for r in result.rows if r.column.kind == "domain"):
            chart = domain_chart(result.rows, since, until)
    return render(
        request,
        "secretariat/trend.html",
        {
            "form": form,
            "filter_form": filter_form,
            "chart": chart,
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
    from .reviews.importer import disagreements, latest_entries

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


def _criterion_words() -> dict[str, str]:
    return {
        "met": _("met"),
        "not_met": _("not met"),
        "dont_know": _("don't know"),
    }


def _export_value(column: cmp.Column, value: Any, words: dict[str, str]) -> Any:
    """A cell as exported: a criterion in words (`_criterion_words`, translated once a sheet,
    not once a cell), a mean rounded half up to two decimals."""
    if column.kind == "criterion":
        return words.get(str(value), "")
    return float(half_up(value, 2)) if isinstance(value, float) else value


def matrix_sheet(context: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The matrix in words, in the reader's language (issue 17): no codes in headers or
    values; the ISO code has its own column for joining with other data."""
    columns = context["comparison"].columns
    header = [
        _("Country"),
        _("ISO code"),
        _("UN region"),
        _("Sub-region"),
        _("North / South"),
        _("Cycle"),
        _("Revision"),
        _("Status"),
    ] + [str(c.label) for c in columns]
    # Labels translated once a sheet, not once a row.
    hemispheres = {code: str(label) for code, label in Country.Hemisphere.choices}
    statuses = {code: str(label) for code, label in Assessment.Status.choices}
    words = _criterion_words()
    regions = functools.cache(m49_name)  # in the reader's language, not the stored English
    body = []
    for row, cells in context["table"]:
        body.append(
            [
                str(row.country.name),
                row.country.pk,
                regions(row.country.region_code, row.country.region_name),
                regions(row.country.subregion_code, row.country.subregion_name),
                hemispheres.get(row.country.hemisphere, row.country.hemisphere),
                row.cycle,
                row.revision,
                statuses.get(row.status, row.status),
            ]
            + [_export_value(c, v, words) for c, v in cells]
        )
    return header, body


def aggregates_sheet(context: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    from .reviews.labels import law_label

    agg: cmp.Aggregates = context["aggregates"]
    counted = _("assessments counted")
    header = [_("Measure"), _("Count"), _("Among"), _("Among which")]
    body: list[list[Any]] = [
        [_("Assessments counted"), agg.assessed, "", ""],
        [_("Shown by name"), agg.named, agg.assessed, counted],
        # How many are left out is said only where that number is safe (disclosure.py).
        [_("Aggregate-only assessments left out to protect them"), agg.left_out, "", ""]
        if agg.left_out is not None
        else [_("Some aggregate-only assessments may be left out to protect them"), "", "", ""],
    ]
    among = {
        "all": _("assessments with the legislation section complete"),
        "some_insufficient": _("assessments with some CSAM-specific law that is not sufficient"),
    }
    body += [
        [
            _("Countries that %(what)s") % {"what": law_label(r.label)},
            r.count,
            r.among,
            among.get(r.among_label, r.among_label),
        ]
        for r in agg.legislation
    ]
    body += [
        [
            _("%(what)s: aggregate-only assessments left out to protect them")
            % {"what": law_label(r.label)},
            r.left_out,
            "",
            "",
        ]
        if r.left_out is not None
        else [
            _("%(what)s: some aggregate-only assessments may be left out to protect them")
            % {"what": law_label(r.label)},
            "",
            "",
            "",
        ]
        for r in agg.legislation
        if r.left_out or (r.left_out is None and agg.whole)  # a cut view: said once above
    ]
    keys = [(str(n), _("level %(n)s") % {"n": n}) for n in range(5)] + [
        ("dont_know", _("don't know")),
        ("not_applicable", _("not applicable")),
        ("not_answered", _("not answered")),
    ]
    for d in agg.distributions:
        for key, word in keys:
            body.append([f"{d.column.label}: {word}", d.counts.get(key, 0), agg.assessed, counted])
    return header, body


def matrix_csv_sheet(context: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The matrix CSV: the XLSX's sheet (headers and values in words, in the reader's
    language), and the codes a data tool joins or filters on in columns of their own at the end
    (issue 25: the CSV had codes where the XLSX has words)."""
    header, body = matrix_sheet(context)
    header = header + [_("North / South code"), _("Status code")]
    rows = [row for row, _cells in context["table"]]
    return header, [
        values + [row.country.hemisphere, row.status]
        for values, row in zip(body, rows, strict=True)
    ]


def aggregates_csv_sheet(context: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The aggregates CSV: the XLSX's sheet, in words in the reader's language (issue 25)."""
    return aggregates_sheet(context)


def _csv(header: list[str], body: list[list[Any]]) -> str:
    from assessment.reports.csvsafe import write_csv

    return write_csv(header, body)


@secretariat_required
@require_safe
def export(request: HttpRequest, what: str, fmt: str) -> HttpResponse:
    context = _matrix_context(request)
    if fmt == "csv" and what in ("matrix", "aggregates"):
        sheet = matrix_csv_sheet if what == "matrix" else aggregates_csv_sheet
        body: bytes = _csv(*sheet(context)).encode("utf-8-sig")
        content_type = "text/csv; charset=utf-8"
    elif fmt == "xlsx" and what == "comparison":
        from .reviews.labels import xlsx

        # Sheet names and headers in words, columns as wide as their contents (issue 17).
        body = xlsx(
            {_("Matrix"): matrix_sheet(context), _("Aggregates"): aggregates_sheet(context)}
        )
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "pdf" and what == "matrix":
        from .pdf import render_matrix_pdf

        body, content_type = render_matrix_pdf(context), "application/pdf"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{what}.{fmt}"'
    return response
