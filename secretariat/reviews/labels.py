"""Words for the codes of the legislative tables, and spreadsheets a reader can read: the
same wording as `templates/secretariat/_law_label.html`, for exports (CSV, XLSX)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import xlsxwriter
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from assessment.reports.csvsafe import safe_cell
from secretariat.comparison import LAW_CODES, LawRow

from . import tables as reviews

MAX_COLUMN_WIDTH = 60


def criterion_names() -> dict[str, str]:
    return {code: str(name) for code, name in reviews.CRITERION_NAMES.items()}


def law_label(label: str) -> str:
    return {
        "sufficient": _("have sufficient legislation (by the rule of the edition they answered)"),
        "all_five": _("meet all five criteria"),
        "no_specific_law": _("have no CSAM-specific legislation"),
        "not_definition": _("do not define CSAM"),
        "not_technology": _("do not criminalise technology-facilitated offences"),
        "not_possession": _("do not criminalise knowing possession"),
        "not_isp_reporting": _("do not require ISP reporting"),
    }.get(label, label)


def among_text(row: LawRow) -> str:
    if row.among_label == "all":
        return _("all %(n)s with every criterion known") % {"n": row.among}
    return _("the %(n)s with some CSAM-specific law that is not sufficient") % {"n": row.among}


def section07_sheet(table: reviews.Section07) -> tuple[list[str], list[list[Any]]]:
    header = [_("Countries that…"), _("Count"), _("Among"), _("Among which countries")]
    body = [[law_label(r.label), r.count, r.among, among_text(r)] for r in table.rows]
    if table.incomplete:
        body.append(
            [
                _("Countries with a criterion not known (in no row)"),
                table.incomplete,
                table.reviewed,
                _("countries reviewed"),
            ]
        )
    return header, body


def rows_sheet(rows: list[reviews.ReviewRow]) -> tuple[list[str], list[list[Any]]]:
    names = criterion_names()
    header = [_("Country"), _("Code"), _("UN region"), _("Sub-region"), _("North / South")]
    header += [names[c] for c in LAW_CODES] + [_("Criteria met"), _("Verdict")]
    word = {True: _("met"), False: _("not met"), None: _("not known")}
    body = [
        [
            str(r.country.name),
            r.country.pk,
            r.country.region_label,
            r.country.subregion_label,
            r.country.get_hemisphere_display(),
            *[word[r.values[c]] for c in LAW_CODES],
            r.met,
            reviews.verdict_label(r.verdict),
        ]
        for r in rows
    ]
    return header, body


def xlsx(sheets: Mapping[str, tuple[Sequence[Any], Sequence[Sequence[Any]]]]) -> bytes:
    """An XLSX file, one sheet per entry: header in bold and frozen, each column as wide as
    its longest cell (at most MAX_COLUMN_WIDTH characters). Written with XlsxWriter, which
    took half openpyxl's time for the comparison's 9,000 cells (issue 17). Text is always
    written as text: never a formula or a link, and text that starts like a formula gets an
    apostrophe, as in every CSV (csvsafe)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    bold = book.add_format({"bold": True})
    for name, (header, rows) in sheets.items():
        lines = [
            [safe_cell(str(v)) if isinstance(v, str | Promise) else v for v in line]
            for line in rows
        ]
        widths = [len(str(h)) for h in header]
        for values in lines:
            for i, v in enumerate(values[: len(widths)]):
                if v is not None:
                    widths[i] = max(widths[i], len(str(v)))
        sheet = book.add_worksheet(str(name)[:31])  # Excel's limit for a sheet name
        for i, width in enumerate(widths):
            sheet.set_column(i, i, min(width + 2, MAX_COLUMN_WIDTH))
        if translation.get_language_bidi():
            sheet.right_to_left()  # an Arabic workbook reads from the right, as its pages do
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, [str(h) for h in header], bold)
        for n, values in enumerate(lines, start=1):
            sheet.write_row(n, 0, values)
    book.close()
    return buffer.getvalue()
