"""The action plan as tables: an XLSX workbook (openpyxl) and one CSV per sheet.

`sheets()` is the single source of the three tables; both formats write exactly its cells, so
a spreadsheet and its CSV never disagree. Numbers are rounded as the PDF and the results page
print them (one decimal for a level, whole percent), half up (`assessment/rounding.py`).
"""

from __future__ import annotations

import datetime as dt
import io

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..gaps import Gap, GapKind
from ..rounding import half_up
from ..scoring import CapabilityScore, DomainScore, State, Verdict
from .csvsafe import safe_cell, write_csv
from .data import Report

__all__ = ["SHEETS", "Table", "sheets", "to_csv", "to_xlsx"]

SHEETS = ("scores", "gaps", "actions")

Table = tuple[list[str], list[list[object]]]


MAX_COLUMN_WIDTH = 60


def _round(value: float | None, places: int) -> float | int | None:
    if value is None:
        return None
    rounded = half_up(value, places)
    return int(rounded) if places == 0 else float(rounded)


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _domain_state(d: DomainScore) -> str:
    return str(_("Not applicable") if d.all_not_applicable else d.progress.label)


def _capability_state(c: CapabilityScore) -> str:
    return {
        State.DONT_KNOW: _("Don't know (counted as 0)"),
        State.NOT_APPLICABLE: _("Not applicable"),
        State.NOT_ANSWERED: _("Not answered"),
    }.get(c.state, _("Answered"))


def _criterion_state(value: str) -> str:
    return {
        "met": _("Met"),
        "not_met": _("Not met"),
        "dont_know": _("Don't know (counted as not met)"),
    }.get(value, _("Not answered"))


def _verdict(verdict: Verdict) -> str:
    if verdict == Verdict.SUFFICIENT:
        return _("Sufficient legislation")
    if verdict == Verdict.NOT_SUFFICIENT:
        return _("Not sufficient legislation")
    return _("Not every criterion is answered yet.")


def _kind(kind: GapKind) -> str:
    return {GapKind.BUILD: _("Build"), GapKind.FIND_OUT: _("Find out"), GapKind.LAW: _("Law")}[kind]


def _band(band: str) -> str:
    return {"high": _("high"), "medium": _("medium"), "low": _("low")}.get(band, band)


def _recommendations(gap: Gap) -> str:
    return "\n".join(f"{r.code} ({r.actor}): {r.text}" for r in gap.recommendations)


def _scores(report: Report) -> Table:
    s = report.scores
    header = [_("Type"), _("Domain"), _("Item"), _("Level"), _("Percent"), _("State")]
    rows: list[list[object]] = [
        [
            _("Overall"),
            "",
            _("Overall maturity"),
            _round(s.overall, 1),
            _round(s.overall_percent, 0),
            str(s.progress.label),
        ],
    ]
    for d in s.domains:
        rows.append(
            [
                _("Domain"),
                d.name,
                d.name,
                _round(d.score, 1),
                _round(d.percent, 0),
                _domain_state(d),
            ]
        )
        for c in d.capabilities:
            level = c.level if c.counts else None
            percent = _round(100 * c.level / s.max_level, 0) if c.counts else None
            rows.append(
                [
                    _("Capability"),
                    d.name,
                    f"{c.number}. {c.name}",
                    level,
                    percent,
                    _capability_state(c),
                ]
            )
    law = s.legislation
    rows.append(
        [
            _("Legislation"),
            "",
            _("Legislation (ICMEC criteria)"),
            None,
            None,
            _("%(met)s of %(total)s met") % {"met": law.met, "total": law.total}
            + ": "
            + _verdict(law.verdict),
        ]
    )
    for r in law.criteria:
        rows.append([_("Legislative criterion"), "", r.name, None, None, _criterion_state(r.value)])
    return header, rows


def _gaps(report: Report) -> Table:
    header = [
        _("Priority"),
        _("Kind"),
        _("Item"),
        _("Domain"),
        _("Current level"),
        _("Target level"),
        _("Size"),
        _("Band"),
        _("Recommendations"),
        _("Peers"),
    ]
    rows: list[list[object]] = [
        [
            g.priority,
            _kind(g.kind),
            g.item,
            g.domain,
            g.current,
            g.target,
            g.size,
            _band(g.band),
            _recommendations(g),
            "; ".join(g.peers),
        ]
        for g in report.gaps
    ]
    return header, rows


def _actions(report: Report) -> Table:
    header = [
        _("Position"),
        _("Title"),
        _("Description"),
        _("Capability or criterion"),
        _("Recommendations"),
        _("Lead agency"),
        _("Supporting agencies"),
        _("Start"),
        _("Due"),
        _("Status"),
        _("Priority"),
        _("Overdue"),
    ]
    rows: list[list[object]] = [
        [
            a.position,
            a.title,
            a.description,
            a.item,
            ", ".join(a.recommendations),
            a.lead_agency,
            a.supporting_agencies,
            a.start_date,
            a.due_date,
            a.status_label,
            a.priority,
            _yes_no(a.overdue),
        ]
        for a in report.actions
    ]
    return header, rows


def sheets(report: Report) -> dict[str, Table]:
    """The three tables, "scores", "gaps" and "actions": (header, rows), in the report's
    language. Cells are str, int, float, datetime.date or None (an empty cell)."""
    with translation.override(report.language):
        return {"scores": _scores(report), "gaps": _gaps(report), "actions": _actions(report)}


def _sheet_titles() -> dict[str, str]:
    return {"scores": _("Scores"), "gaps": _("Gaps"), "actions": _("Actions")}


def to_xlsx(report: Report) -> bytes:
    tables = sheets(report)
    with translation.override(report.language):
        titles = _sheet_titles()
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # the empty sheet a new workbook starts with
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for key in SHEETS:
        header, rows = tables[key]
        ws = workbook.create_sheet(title=titles[key][:31])
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
            cell.alignment = top
        widths = [len(str(h)) for h in header]
        for row in rows:
            ws.append(row)
            for i, value in enumerate(row):
                text = safe_cell(value)  # as the CSV shows it, for the column width
                text = text if isinstance(text, str) else str(text)
                longest = max((len(line) for line in text.splitlines()), default=0)
                widths[i] = max(widths[i], longest)
        for cells in ws.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, str):
                    # Text stays text: a title like "=1+1" must not become a formula.
                    cell.data_type = "s"
                    cell.alignment = wrap
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                    cell.alignment = top
                else:
                    cell.alignment = top
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(width + 2, MAX_COLUMN_WIDTH)
        # An Arabic workbook reads from the right, as its pages and PDF do.
        ws.sheet_view.rightToLeft = translation.get_language_info(report.language)["bidi"]
        ws.freeze_panes = "A2"
        if rows:
            ws.auto_filter.ref = ws.dimensions
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def to_csv(report: Report, sheet: str) -> str:
    """One sheet as CSV text (the caller encodes it; UTF-8 with a BOM opens well in Excel).
    A text cell that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if sheet not in SHEETS:
        raise ValueError(f"Unknown sheet {sheet!r}: expected one of {', '.join(SHEETS)}")
    header, rows = sheets(report)[sheet]
    return write_csv(header, rows)
