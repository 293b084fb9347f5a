"""Writing the workbook: the sections a person may answer, with their current answers, and a
hidden, signed header saying what the workbook was made from (assessment, framework versions,
person, each answer's version and a digest of its downloaded value)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, cast

from django.contrib.auth.models import User
from django.core import signing
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from frameworks.models import Criterion

from .. import frameworks_cache
from ..models import LEGISLATION_SECTION, Assessment, CapabilityAnswer, CriterionAnswer
from .values import (
    ANSWER,
    FORMAT,
    GUIDANCE,
    KEY,
    META_SHEET,
    QUESTION,
    REF,
    SALT,
    CapabilityValues,
    CriterionValues,
    code_order,
    criterion_key,
    criterion_options,
    indicator_options,
    label_of,
    level_options,
    online_capabilities,
    online_criteria,
)

SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")

GREY = PatternFill("solid", fgColor="EEF1F4")
ANSWER_FILL = PatternFill("solid", fgColor="FFF8DC")
WRAP = Alignment(wrap_text=True, vertical="top")


def sheet_title(name: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (31 characters, none of []:*?/\\), unique in the workbook."""
    base = SHEET_NAME_BAD.sub(" ", name).strip()[:31] or "Sheet"
    title, n = base, 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.casefold())
    return title


# ---------------------------------------------------------------- download


def sections_of(assessment: Assessment, editable: Iterable[str]) -> list[str]:
    """The sections a workbook holds, in questionnaire order."""
    editable = set(editable)
    ordered = frameworks_cache.mnr_tree(assessment.mnr_version).section_codes
    return [s for s in ordered if s in editable]


def workbook_build(*, assessment: Assessment, user: User, sections: Iterable[str]) -> bytes:
    """The workbook of `sections` with their current answers, in the active language."""
    sections = sections_of(assessment, sections)
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    domains = [d for d in tree.domains if d.code in sections]
    capabilities = [c for d in domains for c in d.capability_list]  # type: ignore[attr-defined]
    online = online_capabilities(assessment, capabilities)
    criteria = online_criteria(assessment) if LEGISLATION_SECTION in sections else {}
    answers: dict[str, list[Any]] = {}
    for code, (answer, values) in online.items():
        answers[code] = [answer.version if answer else 0, values.digest()]
    for code, (_criterion, c_answer, c_values) in criteria.items():
        answers[criterion_key(code)] = [c_answer.version if c_answer else 0, c_values.digest()]
    now = timezone.now()
    header = {
        "format": FORMAT,
        "assessment": str(assessment.uuid),
        "country": assessment.country_id,
        "mnr": [assessment.mnr_version_id, assessment.mnr_version.sha256],
        "legislation": [assessment.legislation_version_id, assessment.legislation_version.sha256],
        "user": user.pk,
        "username": user.get_username(),
        "at": now.isoformat(),
        "language": translation.get_language(),
        "sections": sections,
        "answers": answers,
    }
    book = Workbook()
    taken: set[str] = set()
    # A new book has one sheet, its first: the instructions.
    _instructions(book.worksheets[0], assessment, user, now, sections, taken)
    meta = book.create_sheet(META_SHEET)
    taken.add(META_SHEET.casefold())
    _put(meta, 1, 1, signing.dumps(header, salt=SALT, compress=True))
    lists = _Lists(meta)
    for domain in domains:
        sheet = book.create_sheet(sheet_title(f"{domain.code} {domain.name}", taken))
        _domain_sheet(sheet, domain, tree.scale, online, lists)
    if criteria:
        sheet = book.create_sheet(sheet_title(_("Legislation"), taken))
        _legislation_sheet(sheet, criteria, lists)
    meta.sheet_state = "veryHidden"
    if translation.get_language_bidi():
        # Arabic sheets run right to left: Reference, Question, Answer from the right, as the
        # pages do (issue 25 §2).
        for sheet in book.worksheets:
            sheet.sheet_view.rightToLeft = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class _Lists:
    """Drop-down lists as ranges of the hidden sheet (a list typed into the validation itself
    is limited to 255 characters and breaks on a comma in a translated label)."""

    def __init__(self, sheet: Worksheet):
        self.sheet = sheet
        self.ranges: dict[tuple[str, ...], str] = {}

    def validation(self, labels: list[str]) -> DataValidation:
        key = tuple(labels)
        if key not in self.ranges:
            column = 2 + len(self.ranges)
            for row, label in enumerate(labels, start=1):
                _put(self.sheet, row, column, label)
            letter = get_column_letter(column)
            self.ranges[key] = f"{META_SHEET}!${letter}$1:${letter}${len(labels)}"
        return DataValidation(
            type="list",
            formula1=self.ranges[key],
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("Not in the list"),
            error=_("Choose one of the values in the list."),
        )


def _put(sheet: Worksheet, row: int, column: int, value: str | None) -> Cell:
    """Every cell the workbook writes is text. openpyxl makes a string that starts with "="
    a formula: an answer typed as "=HYPERLINK(…)" online or in an earlier workbook would reach
    every teammate's next download as a live formula (issue 22 §4)."""
    cell = cast(Cell, sheet.cell(row=row, column=column))
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _protect(sheet: Worksheet) -> None:
    # No password: this stops accidents, not people (the upload checks every cell anyway).
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


def _instructions(
    sheet: Worksheet,
    assessment: Assessment,
    user: User,
    now: datetime,
    sections: list[str],
    taken: set[str],
) -> None:
    sheet.title = sheet_title(_("Instructions"), taken)
    lines = [
        _("%(assessment)s: self-assessment workbook") % {"assessment": assessment},
        _("Downloaded by %(user)s on %(when)s (UTC).")
        % {"user": user.get_username(), "when": now.strftime("%Y-%m-%d %H:%M")},
        "",
        _("How to use this workbook"),
        _(
            "1. Answer in the yellow cells of each section's sheet (column D), choosing from the "
            "drop-down lists. Grey cells are locked."
        ),
        _(
            "2. Each capability has its maturity levels described under it, its indicator "
            "questions and a cell for your evidence."
        ),
        _("3. An empty cell that was empty when you downloaded the workbook changes nothing."),
        _(
            "4. Do not rename the sheets or change the hidden column A: they tell the upload which "
            "answer each cell is."
        ),
        _(
            "5. Upload the workbook on the assessment's overview page. You will see every change "
            "it makes before anything is saved."
        ),
        _(
            "6. Answers someone changed online after this download are shown as conflicts: the "
            "online answer is kept unless you choose to replace it."
        ),
        _(
            "7. A value that is not in a list, or a formula, refuses the whole file; every such "
            "cell is listed so you can correct it."
        ),
        "",
        _("Sections in this workbook: %(sections)s") % {"sections": ", ".join(sections)},
    ]
    # Column B, as on the section sheets: column A is where the upload looks for row keys.
    for row, text in enumerate(lines, start=1):
        cell = _put(sheet, row, REF, text)
        cell.alignment = WRAP
    sheet["B1"].font = Font(bold=True, size=14)
    sheet["B4"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 2
    sheet.column_dimensions["B"].width = 110
    _protect(sheet)


def _header_row(sheet: Worksheet, title: str) -> None:
    _put(sheet, 1, REF, title).font = Font(bold=True, size=14)
    for column, text in (
        (REF, _("Reference")),
        (QUESTION, _("Question")),
        (ANSWER, _("Your answer")),
        (GUIDANCE, _("Guidance")),
    ):
        _put(sheet, 2, column, text).font = Font(bold=True)
    sheet.column_dimensions["A"].hidden = True
    for letter, width in (("B", 12), ("C", 60), ("D", 34), ("E", 80)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"


def _answer_cell(sheet: Worksheet, row: int, value: str) -> Cell:
    cell = _put(sheet, row, ANSWER, value or None)
    cell.protection = Protection(locked=False)
    cell.fill = ANSWER_FILL
    cell.alignment = WRAP
    # Text format, so that a typed "3" or "2019" stays text in the person's program.
    cell.number_format = "@"
    return cell


def _row(sheet: Worksheet, row: int, key: str, ref: str, question: str, guidance: str = "") -> None:
    _put(sheet, row, KEY, key or None)
    _put(sheet, row, REF, ref or None)
    _put(sheet, row, QUESTION, question or None).alignment = WRAP
    _put(sheet, row, GUIDANCE, guidance or None).alignment = WRAP


def _domain_sheet(
    sheet: Worksheet,
    domain: Any,
    scale: list[dict[str, Any]],
    online: Mapping[str, tuple[CapabilityAnswer | None, CapabilityValues]],
    lists: _Lists,
) -> None:
    _header_row(sheet, f"{domain.code} {domain.name}")
    levels = level_options(scale)
    indicators = indicator_options()
    level_dv = lists.validation([label for _v, label in levels])
    indicator_dv = lists.validation([label for _v, label in indicators])
    sheet.add_data_validation(level_dv)
    sheet.add_data_validation(indicator_dv)
    row = 3
    for cap in domain.capability_list:
        answer, values = online[cap.code]
        row += 1
        _row(sheet, row, "", cap.code, f"{cap.number}. {cap.name}", cap.summary)
        sheet.cell(row=row, column=QUESTION).font = Font(bold=True)
        for column in range(REF, GUIDANCE + 1):
            sheet.cell(row=row, column=column).fill = GREY
        row += 1
        guidance = _("Choose the level that best describes the situation now.")
        if answer is not None and answer.to_confirm:
            guidance += " " + _("Copied from the previous cycle: confirm it online or change it.")
        _row(sheet, row, f"level:{cap.code}", cap.code, _("Maturity level"), guidance)
        level_dv.add(_answer_cell(sheet, row, label_of(levels, values.response)))
        for s, descriptor in zip(scale, cap.level_descriptors, strict=True):
            row += 1
            _row(sheet, row, "", "", f"{s['level']} — {s['name']}", descriptor)
        # In the order of their references (C16.2, C16.3…), which a person reads them by; the
        # framework lists them by the level they evidence (issue 25 §5).
        pairs = zip(cap.indicator_list, values.indicators, strict=True)
        for indicator, (_code, value) in sorted(pairs, key=lambda p: code_order(p[0].code)):
            row += 1
            _row(sheet, row, f"ind:{indicator.code}", indicator.code, indicator.text)
            indicator_dv.add(_answer_cell(sheet, row, label_of(indicators, value)))
        row += 1
        _row(
            sheet,
            row,
            f"evidence:{cap.code}",
            cap.code,
            _("Evidence"),
            _("What shows this level: laws, plans, reports, figures, with their dates."),
        )
        _answer_cell(sheet, row, values.evidence)
        row += 1
    _protect(sheet)


def _legislation_sheet(
    sheet: Worksheet,
    criteria: Mapping[str, tuple[Criterion, CriterionAnswer | None, CriterionValues]],
    lists: _Lists,
) -> None:
    _header_row(sheet, _("Legislation"))
    sheet.column_dimensions["B"].width = 28  # names, not codes
    row = 3
    for code, (criterion, _answer, values) in criteria.items():
        options = criterion_options(criterion)
        dv = lists.validation([label for _v, label in options])
        sheet.add_data_validation(dv)
        row += 1
        # The criterion's name where a domain sheet has a capability's code: its code
        # ("definition") is an internal id (issue 25 §5).
        _row(sheet, row, f"crit:{code}", criterion.name, criterion.question, criterion.guidance)
        dv.add(_answer_cell(sheet, row, label_of(options, values.value)))
        row += 1
        _row(sheet, row, f"cite:{code}", "", _("Statute, article or reference"))
        _answer_cell(sheet, row, values.citation)
        row += 1
    _protect(sheet)
