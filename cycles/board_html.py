"""The board's table body, written in Python: at 196 countries a template loop (two URL
reversals, a dozen tags and filters per row) cost more than the rest of the page, as the
matrix's did (docs/benchmarks.md). Every value is escaped by format_html."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .board import BoardRow


def board_body(rows: list[BoardRow], *, year: int, may_run: bool) -> SafeString:
    if not rows:
        return format_html('<tr><td colspan="7">{}</td></tr>', _("No member country matches."))
    country_url = reverse("secretariat:country", args=["ZZ"]).replace("ZZ", "{}")
    extend_url = reverse("cycles:extend", args=[year, "ZZ"]).replace("ZZ", "{}")
    extended, extend_label = _("extended"), _("Extend the deadline")

    def cells(r: BoardRow) -> tuple[SafeString]:
        name = str(r.country.name)
        head = (
            format_html('<a href="{}">{}</a>', country_url.format(r.country.pk), name)
            if r.assessment_uuid
            else format_html("{}", name)
        )
        deadline = format_html(
            "{}{}{}",
            r.deadline.isoformat(),
            format_html(' <span class="badge text-bg-info">{}</span>', extended)
            if r.extended
            else "",
            format_html('<br><span class="small">{}</span>', r.deadline_words)
            if r.deadline_words
            else "",
        )
        action = (
            format_html(
                '<td><a href="{}">{}<span class="visually-hidden"> — {}</span></a></td>',
                extend_url.format(r.country.pk),
                extend_label,
                name,
            )
            if may_run
            else ""
        )
        return (
            format_html(
                '<tr{}><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
                "<td>{}</td>{}</tr>",
                format_html(' class="{}"', "table-warning") if r.overdue else "",
                head,
                r.country.region_label,
                r.focal_label,
                r.assessment_label,
                r.last_activity.date().isoformat() if r.last_activity else "—",
                deadline,
                action,
            ),
        )

    return format_html_join("\n", "{}", (cells(r) for r in rows))
