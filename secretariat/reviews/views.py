"""Pages of the published reviews: the section-07 table, two editions, the review matrix and
the world map. Thin: the figures come from `reviews`, the drawing from `worldmap`."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from assessment.models import Country
from secretariat import comparison as cmp
from secretariat.access import secretariat_required

from . import labels, worldmap
from . import tables as reviews
from .forms import EditionsForm, MapForm, ReviewFilterForm


def _chosen(form: ReviewFilterForm) -> tuple[Any, reviews.ReviewFilters]:
    """The review and filters asked for; none when the query is wrong (the page then says
    why, with a 400)."""
    if not form.is_valid():
        return None, reviews.ReviewFilters()
    return form.chosen()


def _status(form: ReviewFilterForm) -> int:
    return 200 if form.is_valid() else 400


@secretariat_required
@require_safe
def summary(request: HttpRequest) -> HttpResponse:
    form = ReviewFilterForm(request.GET)
    review, filters = _chosen(form)
    table = reviews.section07(review, filters) if review else None
    return render(
        request,
        "secretariat/review_summary.html",
        {"form": form, "review": review, "table": table, "query": request.GET.urlencode()},
        status=_status(form),
    )


@secretariat_required
@require_safe
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    form = ReviewFilterForm(request.GET)
    review, filters = _chosen(form)
    if review is None or fmt not in ("csv", "xlsx"):
        raise Http404
    rows = reviews.rows_of(review, filters)
    table = reviews.section07_of(review, rows)
    if fmt == "csv":
        from assessment.reports.csvsafe import write_csv

        body = write_csv(*labels.section07_sheet(table)).encode("utf-8-sig")
        content_type = "text/csv; charset=utf-8"
    else:
        sheets = {
            _("Section 07 table"): labels.section07_sheet(table),
            _("Countries"): labels.rows_sheet(rows),
        }
        body = labels.xlsx(sheets)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="review-{review.year}.{fmt}"'
    return response


@secretariat_required
@require_safe
def editions(request: HttpRequest) -> HttpResponse:
    form = EditionsForm(request.GET)
    result = None
    if form.is_valid():
        before, after = form.pair()
        _review, filters = form.chosen()
        if before and after:
            result = reviews.compare_editions(before, after, filters)
    return render(
        request,
        "secretariat/review_editions.html",
        {"form": form, "result": result, "names": labels.criterion_names()},
        status=_status(form),
    )


@secretariat_required
@require_safe
def review_matrix(request: HttpRequest) -> HttpResponse:
    form = ReviewFilterForm(request.GET)
    review, filters = _chosen(form)
    rows: list[reviews.MatrixRow] = []
    if review:
        named = cmp.load_rows(filters.comparison_filters()).named_rows
        rows = reviews.review_matrix(reviews.rows_of(review, filters), named)
    return render(
        request,
        "secretariat/review_matrix.html",
        {
            "form": form,
            "review": review,
            "rows": rows,
            "names": labels.criterion_names(),
            "law_codes": cmp.LAW_CODES,
        },
        status=_status(form),
    )


@secretariat_required
@require_safe
def world_map(request: HttpRequest) -> HttpResponse:
    form = MapForm(request.GET)
    review, filters = _chosen(form)
    view = (form.cleaned_data.get("view") if form.is_valid() else "") or "review"
    context = map_context(review, filters, view)
    context["form"] = form
    return render(request, "secretariat/review_map.html", context, status=_status(form))


def map_context(review: Any, filters: reviews.ReviewFilters, view: str) -> dict[str, Any]:
    """The map, its legend and its table for one view ("review" or "shared")."""
    # Every country by name, demonstration countries too (issue 24: the table showed "XA").
    names = {c.pk: str(c.name) for c in Country.objects.all()}
    table: list[tuple[str, str, str]] = []  # (country, class label, detail)
    if view == "shared":
        classes, default = reviews.shared_map_classes(), reviews.not_shared_class()
        shared = reviews.shared_by_name(cmp.load_rows(filters.comparison_filters()).rows)
        class_of = {code: "named" for code in shared}
        details: dict[str, str] = {}
        label = _("Countries with a self-assessment shared by name")
        table = [(names.get(code, code), str(classes[0].label), "") for code in shared]
    else:
        classes, default = reviews.review_map_classes(), reviews.not_reviewed_class()
        rows = reviews.rows_of(review, filters) if review else []
        class_of = {r.country.pk: reviews.review_map_key(r) for r in rows}
        details = {r.country.pk: reviews.verdict_label(r.verdict) for r in rows}
        by_key = {c.key: c for c in classes}
        label = _("Criteria met in %(review)s") % {"review": review} if review else _("No review")
        table = [
            (str(r.country.name), str(by_key[class_of[r.country.pk]].label), details[r.country.pk])
            for r in rows
        ]
    svg = worldmap.render(label, classes, class_of, names, default, details)
    legend = [
        (c, worldmap.swatch(c), sum(k == c.key for k in class_of.values())) for c in classes
    ] + [(default, worldmap.swatch(default), None)]
    return {
        "review": review,
        "view": view,
        "svg": svg,
        "legend": legend,
        "table": sorted(table),
        "map_label": label,
        # Countries of the view the geometry has no outline for (demonstration countries,
        # some small territories): the page says so rather than leave them silently off.
        "no_shape": sorted(
            names.get(c, c) for c in class_of if c not in worldmap.geometry()["shapes"]
        ),
    }
