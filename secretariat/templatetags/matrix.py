"""The rows of the comparison matrix, for the page and its PDF, its header and the levels per
capability.

Written in Python rather than as a template loop: at 196 countries the matrix has some 6,700
cells, and the template's chain of conditions per cell cost most of the page (issue 7); the
header's 35 sort links and the 21 x 8 counts of the levels cost as much as the rest of the
page's template (issue 27).
Numbers are rounded half up (`assessment/rounding.py`, as every page) and written with the
current language's decimal separator (`tests/test_comparison.py` checks both).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any

from django import template
from django.forms import BoundField
from django.template.defaultfilters import urlencode
from django.urls import reverse
from django.utils.formats import get_format, localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assessment.rounding import half_up
from secretariat.comparison import Column, Distribution, Row
from secretariat.row_cache import Cells, row_html, table_html

register = template.Library()

# Stands for a country code in the reversed URL: two letters (the <country:> converter), and
# ones no path word of the URL contains.
PLACEHOLDER = "ZZ"

TENTH, ONE = Decimal("0.1"), Decimal("1")


def _rounded(value: float, step: Decimal) -> Decimal:
    return half_up(value, 1 if step == TENTH else 0)


@lru_cache(maxsize=16)
def _cell_words(language: str | None) -> tuple[dict[str | None, str], str]:
    """The criterion cells, escaped, and the decimal separator, in one language."""
    words = {"met": _("yes"), "not_met": _("no"), "dont_know": "?"}
    cells: dict[str | None, str] = {
        value: f'<td class="{value}">{escape(words[value])}</td>' for value in words
    }
    cells[None] = '<td class="unknown">—</td>'
    return cells, escape(get_format("DECIMAL_SEPARATOR"))


@lru_cache(maxsize=4096)  # means of a few whole levels: the same values come back often
def _mean_cell(value: float, separator: str) -> str:
    mean = str(_rounded(value, TENTH)).replace(".", separator)
    return f'<td class="level-{_rounded(value, ONE)} mean">{mean}</td>'


def matrix_cells(cells: Sequence[tuple[Column, Any]]) -> SafeString:
    criterion_cells, separator = _cell_words(get_language())
    html = []
    for column, value in cells:
        if column.kind == "criterion":
            html.append(criterion_cells.get(value or None, criterion_cells[None]))
        elif value is None:
            html.append("<td>—</td>")
        elif column.kind == "capability":
            html.append(f'<td class="level-{int(value)}">{int(value)}</td>')
        elif column.kind == "met":
            html.append(f"<td>{int(value)}/{int(column.of)}</td>")
        else:  # a domain's or the overall mean
            html.append(_mean_cell(value, separator))
    return mark_safe("".join(html))  # noqa: S308 (numbers, escaped text and fixed markup)


@register.simple_tag
def matrix_rows(
    table: Sequence[tuple[Row, Sequence[tuple[Column, Any]]]],
    plain: bool,
    table_key: Hashable | None = None,
) -> SafeString:
    """Every row of the matrix: the country's name (on the page a link to its profile), the
    cycle and the cells. The profile's URL is reversed once, not once per country. With the
    view's `table_key` (`Comparison.order_key`), the whole table is kept (row_cache.py)."""
    html = table_html(table_key, bool(plain), partial(_rows, table, bool(plain)))
    return mark_safe(html)  # noqa: S308 (escaped names, numbers and fixed markup)


def _rows(table: Sequence[tuple[Row, Sequence[tuple[Column, Any]]]], plain: bool) -> str:
    profile_url = reverse("secretariat:country", args=[PLACEHOLDER])

    def draw(row: Row, cells: Sequence[tuple[Column, Any]]) -> str:
        name: str = escape(row.country.name)
        if not plain:
            href = escape(profile_url.replace(PLACEHOLDER, row.country.pk))
            name = f'<a href="{href}">{name}</a>'
        return (
            f'<tr><th scope="row" class="name">{name}</th><td>{int(row.cycle)}</td>'
            f"{matrix_cells(cells)}</tr>\n"
        )

    html = []
    columns: Sequence[Column] | None = None
    column_keys: tuple[str, ...] = ()
    for row, cells in table:
        if not isinstance(cells, Cells):
            html.append(draw(row, cells))
            continue
        if cells.columns is not columns:  # every row of a table has the same: once a table
            columns, column_keys = cells.columns, cells.column_keys
        # A row of frozen scores is drawn once per language (secretariat/row_cache.py).
        html.append(
            row_html(
                assessment_uuid=row.uuid,
                frozen_at=row.frozen_at,
                country_name=str(row.country.name),
                columns=column_keys,
                plain=plain,
                draw=partial(draw, row, cells),
            )
        )
    return "".join(html)


@register.simple_tag
def matrix_head(
    columns: Sequence[Column], plain: bool, sort: str, descending: bool, query: str
) -> SafeString:
    """The columns' header cells: on the page a link that sorts by the column (the other way
    when it is the sorted one), with the column's name for screen readers and an arrow on the
    sorted one; in the PDF (`plain`) the short header alone."""
    html = []
    for c in columns:
        label, short = escape(c.label), escape(c.short)
        inner: str
        if plain:
            inner = short
        else:
            direction = "desc" if sort == c.key and not descending else "asc"
            arrow = (" ↓" if descending else " ↑") if sort == c.key else ""
            inner = (
                f'<a href="?{escape(query)}&amp;sort={escape(urlencode(c.key))}&amp;'
                f'dir={direction}">{short}<span class="visually-hidden"> {label}</span>{arrow}</a>'
            )
        html.append(f'<th scope="col" class="col-{escape(c.kind)}" title="{label}">{inner}</th>')
    return mark_safe("".join(html))  # noqa: S308 (escaped names and keys, fixed markup)


# The levels table's columns, in order (`comparison._distribution_key`).
DISTRIBUTION_KEYS = ("0", "1", "2", "3", "4", "dont_know", "not_applicable", "not_answered")


@register.simple_tag
def distribution_rows(distributions: Sequence[Distribution]) -> SafeString:
    """One row per capability: its name, then how many assessments are at each level, don't
    know, not applicable and not answered."""
    html = []
    for d in distributions:
        name = escape(d.column.label)
        counts = "".join(f"<td>{int(d.counts.get(k) or 0)}</td>" for k in DISTRIBUTION_KEYS)
        html.append(f'<tr><th scope="row" class="fw-normal">{name}</th>\n    {counts}</tr>')
    return mark_safe("".join(html))  # noqa: S308 (escaped names, numbers and fixed markup)


@register.simple_tag
def select_options(field: BoundField) -> SafeString:
    """A filter's <option>s (secretariat/_filters.html), the one whose value reads as the
    field's value selected; written here, as the page's 40 options in a template loop cost a
    tenth of the matrix page (issue 27)."""
    current = str(field.value())
    html = []
    for value, label in field.field.choices:  # type: ignore[attr-defined]
        selected = "selected" if str(value) == current else ""
        text, name = conditional_escape(localize(value)), conditional_escape(label)  # as {{ }}
        html.append(f'<option value="{text}" {selected}>{name}</option>')
    return mark_safe("".join(html))  # noqa: S308 (escaped values and names, fixed markup)
