"""The board's table body, written in Python: at 196 countries a template loop (two URL
reversals, a dozen tags and filters per row) cost more than the rest of the page, as the
matrix's did (docs/benchmarks.md, secretariat/templatetags/matrix.py). Every value from the
database is escaped; the rest is fixed markup. In the rows, the standard library's escape()
(`text`), which Django's wraps: every value there is a plain string, and Django's checks each
argument for a lazy one first, a cost paid some 600 times a page."""

from __future__ import annotations

from html import escape as text

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .board import ASSESSMENT_LABELS, BoardRow
from .members import FocalPointState

PLACEHOLDER = "ZZ"
OVERDUE_ROW = '<tr class="table-warning">'


def board_body(
    rows: list[BoardRow], *, year: int, may_run: bool, labels: dict[str, str]
) -> SafeString:
    """The board's rows; each cell carries its column's name (`labels`, by column key), which a
    phone shows before it when the table is stacked row by row (issue 24's `.table-stack`)."""
    # Each text outside the f-strings, where makemessages finds it (inside one it does not,
    # and a catalogue update drops its translations: these two were, for a while).
    if not rows:
        none = _("No member country matches.")
        return mark_safe(f'<tr><td colspan="7">{escape(none)}</td></tr>')  # noqa: S308
    # The URLs escaped once: escaping works character by character, so an escaped code
    # replaces the placeholder in the escaped URL.
    country_url = escape(reverse("secretariat:country", args=[PLACEHOLDER]))
    extend_url = escape(reverse("cycles:extend", args=[year, PLACEHOLDER]))
    extended_word = _("extended")
    extended = f' <span class="badge text-bg-info">{escape(extended_word)}</span>'
    extend_label = escape(_("Extend the deadline"))
    # Each label translated once per page, not once per row (lazy strings are evaluated on
    # every str()). (str() first: escape() keeps a lazy string lazy, to be translated again
    # in every row.)
    states = {k: escape(str(v)) for k, v in FocalPointState.LABELS.items()}
    statuses = {k: escape(str(v)) for k, v in ASSESSMENT_LABELS.items()}
    cell = {key: f'data-label="{escape(str(label))}"' for key, label in labels.items()}
    regions: dict[int | None, str] = {}
    html = []
    for r in rows:
        country = r.country
        region = regions.get(country.region_code)
        if region is None:
            region = regions[country.region_code] = text(country.region_label)
        code = text(country.pk)
        name = text(country.name)
        head = (
            f'<a href="{country_url.replace(PLACEHOLDER, code)}">{name}</a>' if r.may_open else name
        )
        words = r.deadline_words
        deadline = (
            r.deadline.isoformat()
            + (extended if r.extended else "")
            + (f'<br><span class="small">{text(words)}</span>' if words else "")
        )
        action = (
            f'<td data-label="{extend_label}">'
            f'<a href="{extend_url.replace(PLACEHOLDER, code)}">{extend_label}'
            f'<span class="visually-hidden"> — {name}</span></a></td>'
            if may_run
            else ""
        )
        activity = r.last_activity.date().isoformat() if r.last_activity else "—"
        html.append(
            (OVERDUE_ROW if r.overdue else "<tr>")
            + f'<th scope="row">{head}</th><td {cell["region"]}>{region}</td>'
            f"<td {cell['focal_point']}>{states[r.focal_state]}</td>"
            f"<td {cell['assessment']}>{statuses[r.assessment_status]}</td>"
            f"<td {cell['activity']}>{activity}</td><td {cell['deadline']}>{deadline}</td>"
            f"{action}</tr>\n"
        )
    return mark_safe("".join(html))  # noqa: S308 (escaped values and fixed markup)
