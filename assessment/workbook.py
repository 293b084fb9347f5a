"""The questionnaire as an XLSX workbook that goes out and comes back (issue 15).

`workbook_build` writes the sections a person may answer, with their current answers, and a
hidden, signed header saying what the workbook was made from (assessment, framework versions,
person, each answer's version and a digest of its downloaded value). `workbook_read` checks an
uploaded file (size, shape, macros, formulas, the signature) and reads its answer cells;
`workbook_plan` compares them with the workbook's own download and with the answers online, and
`workbook_apply` saves the planned changes through the same service functions as the online
questionnaire, in one transaction.

What the person changed is what differs from the download (the digest), not from what is online
now: an answer left as downloaded is never written, even when someone changed it online since;
an answer changed in the workbook *and* online since is a conflict, applied only on request.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from frameworks.models import Capability, Criterion

from . import answering, evidence, frameworks_cache
from .models import (
    LEGISLATION_SECTION,
    Assessment,
    CapabilityAnswer,
    CriterionAnswer,
    IndicatorAnswer,
)

SALT = "assessment.workbook"
FORMAT = 1  # of the signed header; a later layout bumps it and refuses older files clearly
META_SHEET = "_workbook"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A filled-in workbook unpacks to a few hundred kB; the evidence checks' other limits apply.
MAX_UNCOMPRESSED = 50 * 1024 * 1024
MACRO_PART = re.compile(r"vbaProject\.bin$|vbaData\.xml$", re.I)
EVIDENCE_MAX = 20000  # as CapabilityForm.evidence
CITATION_MAX = 2000  # as LegislationForm's citation fields
# Columns of a section sheet: A the row's key (hidden), B the reference, C the question,
# D the answer (the only unlocked column), E guidance.
KEY, REF, QUESTION, ANSWER, GUIDANCE = 1, 2, 3, 4, 5
ANSWER_COLUMN = "D"
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
LEVEL_TEXT = re.compile(r"^\s*(\d+)\s*(?:[—–\-:.)]|$)")

GREY = PatternFill("solid", fgColor="EEF1F4")
ANSWER_FILL = PatternFill("solid", fgColor="FFF8DC")
WRAP = Alignment(wrap_text=True, vertical="top")


class WorkbookRejected(Exception):
    """The file as a whole is refused (not an XLSX, too big, tampered, another assessment…)."""


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class CapabilityValues:
    response: str
    evidence: str
    indicators: tuple[tuple[str, str], ...]  # (indicator code, value or ""), in framework order

    def digest(self) -> str:
        return _digest(["c", self.response, _norm(self.evidence), list(self.indicators)])


@dataclass(frozen=True)
class CriterionValues:
    value: str
    citation: str

    def digest(self) -> str:
        return _digest(["r", self.value, _norm(self.citation)])


def _norm(text: str) -> str:
    """Text as it comes back from a spreadsheet (see _cell_text), so that a stored answer with
    a trailing space or Windows line ends does not look changed after the round trip."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _digest(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _criterion_key(code: str) -> str:
    return "L:" + code


def _online_capabilities(
    assessment: Assessment, capabilities: Iterable[Capability]
) -> dict[str, tuple[CapabilityAnswer | None, CapabilityValues]]:
    """Capability code -> (stored answer, its values as the workbook writes them): 2 queries."""
    capabilities = list(capabilities)
    answers = {
        a.capability_id: a
        for a in CapabilityAnswer.objects.filter(
            assessment=assessment, capability__in=[c.pk for c in capabilities]
        ).select_related("updated_by")
    }
    indicator_values = dict(
        IndicatorAnswer.objects.filter(assessment=assessment).values_list("indicator_id", "value")
    )
    result = {}
    for cap in capabilities:
        answer = answers.get(cap.pk)
        values = CapabilityValues(
            response=answer.response if answer else "",
            evidence=answer.evidence if answer else "",
            indicators=tuple(
                (i.code, indicator_values.get(i.pk, ""))
                for i in cap.indicator_list  # type: ignore[attr-defined]
            ),
        )
        result[cap.code] = (answer, values)
    return result


def _online_criteria(
    assessment: Assessment,
) -> dict[str, tuple[Criterion, CriterionAnswer | None, CriterionValues]]:
    """Criterion code -> (criterion, stored answer, its values): 1 query."""
    answers = answering.criterion_answers(assessment)
    result = {}
    for c in frameworks_cache.criteria_of(assessment.legislation_version):
        a = answers.get(c.code)
        result[c.code] = (c, a, CriterionValues(a.value if a else "", a.citation if a else ""))
    return result


# ---------------------------------------------------------------- labels (active language)


def level_options(scale: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(stored value, drop-down text). Levels read "3 — Established": the leading digit is what
    the upload parses, so a spreadsheet that keeps only "3" (or 3.0) still means level 3."""
    return [(str(s["level"]), f"{s['level']} — {s['name']}") for s in scale] + [
        (CapabilityAnswer.Response.DONT_KNOW, _("Don't know")),
        (CapabilityAnswer.Response.NOT_APPLICABLE, _("Not applicable")),
    ]


def indicator_options() -> list[tuple[str, str]]:
    return [(v, str(label)) for v, label in IndicatorAnswer.Value.choices]


def criterion_options(criterion: Criterion) -> list[tuple[str, str]]:
    if criterion.scored:
        return [(v, str(label)) for v, label in CriterionAnswer.Value.choices]
    return [
        (CriterionAnswer.Value.MET, _("Yes")),
        (CriterionAnswer.Value.NOT_MET, _("No")),
        (CriterionAnswer.Value.DONT_KNOW, _("Don't know")),
    ]


def _label(options: list[tuple[str, str]], value: str) -> str:
    return next((label for v, label in options if v == value), "")


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
    online = _online_capabilities(assessment, capabilities)
    criteria = _online_criteria(assessment) if LEGISLATION_SECTION in sections else {}
    answers: dict[str, list[Any]] = {}
    for code, (answer, values) in online.items():
        answers[code] = [answer.version if answer else 0, values.digest()]
    for code, (_criterion, c_answer, c_values) in criteria.items():
        answers[_criterion_key(code)] = [c_answer.version if c_answer else 0, c_values.digest()]
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
    meta["A1"] = signing.dumps(header, salt=SALT, compress=True)
    lists = _Lists(meta)
    for domain in domains:
        sheet = book.create_sheet(sheet_title(f"{domain.code} {domain.name}", taken))
        _domain_sheet(sheet, domain, tree.scale, online, lists)
    if criteria:
        sheet = book.create_sheet(sheet_title(_("Legislation"), taken))
        _legislation_sheet(sheet, criteria, lists)
    meta.sheet_state = "veryHidden"
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
                self.sheet.cell(row=row, column=column, value=label)
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
        cell = sheet.cell(row=row, column=REF, value=text)
        cell.alignment = WRAP
    sheet["B1"].font = Font(bold=True, size=14)
    sheet["B4"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 2
    sheet.column_dimensions["B"].width = 110
    _protect(sheet)


def _header_row(sheet: Worksheet, title: str) -> None:
    sheet.cell(row=1, column=REF, value=title).font = Font(bold=True, size=14)
    for column, text in (
        (REF, _("Reference")),
        (QUESTION, _("Question")),
        (ANSWER, _("Your answer")),
        (GUIDANCE, _("Guidance")),
    ):
        sheet.cell(row=2, column=column, value=text).font = Font(bold=True)
    sheet.column_dimensions["A"].hidden = True
    for letter, width in (("B", 12), ("C", 60), ("D", 34), ("E", 80)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"


def _answer_cell(sheet: Worksheet, row: int, value: str) -> Cell:
    cell = sheet.cell(row=row, column=ANSWER, value=value or None)
    cell.protection = Protection(locked=False)
    cell.fill = ANSWER_FILL
    cell.alignment = WRAP
    # Text format, so that a typed "3" or "2019" stays text in the person's program.
    cell.number_format = "@"
    return cell


def _row(sheet: Worksheet, row: int, key: str, ref: str, question: str, guidance: str = "") -> None:
    sheet.cell(row=row, column=KEY, value=key or None)
    sheet.cell(row=row, column=REF, value=ref or None)
    sheet.cell(row=row, column=QUESTION, value=question or None).alignment = WRAP
    sheet.cell(row=row, column=GUIDANCE, value=guidance or None).alignment = WRAP


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
        level_dv.add(_answer_cell(sheet, row, _label(levels, values.response)))
        for s, descriptor in zip(scale, cap.level_descriptors, strict=True):
            row += 1
            _row(sheet, row, "", "", f"{s['level']} — {s['name']}", descriptor)
        for indicator, (_code, value) in zip(cap.indicator_list, values.indicators, strict=True):
            row += 1
            _row(sheet, row, f"ind:{indicator.code}", indicator.code, indicator.text)
            indicator_dv.add(_answer_cell(sheet, row, _label(indicators, value)))
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
    row = 3
    for code, (criterion, _answer, values) in criteria.items():
        options = criterion_options(criterion)
        dv = lists.validation([label for _v, label in options])
        sheet.add_data_validation(dv)
        # A criterion's code is a key for the upload (hidden column A), not a reference a reader
        # knows: the five criteria are referred to by their number, as on the legislation page.
        ref = str(criterion.order) if criterion.scored else ""
        row += 1
        _row(sheet, row, f"crit:{code}", ref, criterion.question, criterion.guidance)
        dv.add(_answer_cell(sheet, row, _label(options, values.value)))
        row += 1
        _row(sheet, row, f"cite:{code}", ref, _("Statute, article or reference"))
        _answer_cell(sheet, row, values.citation)
        row += 1
    _protect(sheet)


# ---------------------------------------------------------------- upload: the file


def max_bytes() -> int:
    return int(settings.WORKBOOK_MAX_UPLOAD_BYTES)


def check_size(size: int) -> None:
    if size > max_bytes():
        raise WorkbookRejected(
            _("The file is larger than %(mb)s MB; a workbook is much smaller.")
            % {"mb": max(1, max_bytes() // (1024 * 1024))}
        )


def check_file(data: bytes) -> None:
    """Refuse what is not a small, macro-free XLSX before openpyxl parses any XML. The archive
    limits (zip bombs) and the type by content are the evidence upload's own checks."""
    check_size(len(data))
    not_xlsx = _("This file is not an Excel workbook (XLSX). Upload the workbook you downloaded.")
    if not data.startswith(b"PK\x03\x04"):
        raise WorkbookRejected(not_xlsx)
    file = io.BytesIO(data)
    try:
        evidence.check_archive(file, max_unpacked_bytes=MAX_UNCOMPRESSED)
        kind = evidence.sniff(file)
    except evidence.EvidenceRejected as refused:
        raise WorkbookRejected(str(refused)) from None
    macros = _("The workbook contains macros; save it as a plain workbook (.xlsx) and try again.")
    with zipfile.ZipFile(file) as archive:
        names = archive.namelist()
    # A macro-enabled workbook (.xlsm) declares another main content type, so sniff() does not
    # call it an XLSX; a macro part smuggled into a plain one is refused by its name.
    if any(MACRO_PART.search(name) for name in names):
        raise WorkbookRejected(macros)
    if kind != evidence.XLSX:
        with zipfile.ZipFile(file) as archive:
            try:
                content_types = archive.open("[Content_Types].xml").read(1 << 20)
            except KeyError:  # no content types at all: some other zip
                raise WorkbookRejected(not_xlsx) from None
        if b"macroenabled" in content_types.lower():
            raise WorkbookRejected(macros)
        raise WorkbookRejected(not_xlsx)


# ---------------------------------------------------------------- upload: the cells


@dataclass
class Parsed:
    header: dict[str, Any]
    capabilities: dict[str, CapabilityValues]  # only capabilities found in the file
    criteria: dict[str, CriterionValues]
    where: dict[str, str]  # answer key -> "Sheet!D14" of its first cell, for messages
    errors: list[str] = field(default_factory=list)


def workbook_read(data: bytes, assessment: Assessment) -> Parsed:
    """Check the file and its header, and read its answer cells; errors list every bad cell."""
    check_file(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=False, data_only=False)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise WorkbookRejected(
            _("The workbook could not be read. Upload the workbook you downloaded.")
        ) from None
    header = _header(book)
    _check_header(header, assessment)
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    capabilities = {c.code: c for c in tree.capabilities}
    indicators = {i.code: c for c in tree.capabilities for i in c.indicator_list}  # type: ignore[attr-defined]
    criteria = {c.code: c for c in frameworks_cache.criteria_of(assessment.legislation_version)}
    levels = level_options(tree.scale)
    in_book = set(header["sections"])
    cells: dict[str, tuple[str, Any]] = {}  # "level:C01" -> (where, value)
    errors: list[str] = []
    for sheet in book.worksheets:
        if sheet.title == META_SHEET:
            continue
        for row in sheet.iter_rows(min_col=KEY, max_col=ANSWER):
            key_cell, answer_cell = row[KEY - 1], row[ANSWER - 1]
            where = f"{sheet.title}!{answer_cell.coordinate}"
            if key_cell.data_type == "f" or answer_cell.data_type == "f":
                if key_cell.value is not None or answer_cell.value is not None:
                    errors.append(
                        _("%(cell)s: a formula; only values are accepted.") % {"cell": where}
                    )
                continue
            key = key_cell.value
            if key is None:
                continue
            key = str(key).strip()
            kind, _sep, code = key.partition(":")
            problem = _key_problem(kind, code, capabilities, indicators, criteria, in_book)
            if problem:
                errors.append(f"{sheet.title}!{key_cell.coordinate}: {problem}")
                continue
            if key in cells:
                errors.append(
                    _("%(cell)s: this answer also appears at %(other)s.")
                    % {"cell": where, "other": cells[key][0]}
                )
                continue
            cells[key] = (where, answer_cell.value)
    result = Parsed(header=header, capabilities={}, criteria={}, where={}, errors=errors)
    for cap in capabilities.values():
        parts = [f"level:{cap.code}", f"evidence:{cap.code}"] + [
            f"ind:{i.code}"
            for i in cap.indicator_list  # type: ignore[attr-defined]
        ]
        found = [p for p in parts if p in cells]
        if not found:
            continue  # not in this file: no change
        if len(found) < len(parts):
            missing = ", ".join(p.partition(":")[2] for p in parts if p not in cells)
            errors.append(
                _("%(cell)s: rows of %(code)s are missing (%(missing)s); download a new workbook.")
                % {"cell": cells[found[0]][0], "code": cap.code, "missing": missing}
            )
            continue
        result.where[cap.code] = cells[parts[0]][0]
        response = _choice(cells[f"level:{cap.code}"], levels, errors, level=True)
        evidence = _text(cells[f"evidence:{cap.code}"], EVIDENCE_MAX, errors)
        values = tuple(
            (i.code, _choice(cells[f"ind:{i.code}"], indicator_options(), errors))
            for i in cap.indicator_list  # type: ignore[attr-defined]
        )
        result.capabilities[cap.code] = CapabilityValues(response, evidence, values)
    for code, criterion in criteria.items():
        parts = [f"crit:{code}", f"cite:{code}"]
        found = [p for p in parts if p in cells]
        if not found:
            continue
        if len(found) < len(parts):
            errors.append(
                _("%(cell)s: a row of %(code)s is missing; download a new workbook.")
                % {"cell": cells[found[0]][0], "code": code}
            )
            continue
        result.where[_criterion_key(code)] = cells[parts[0]][0]
        value = _choice(cells[parts[0]], criterion_options(criterion), errors)
        citation = _text(cells[parts[1]], CITATION_MAX, errors)
        result.criteria[code] = CriterionValues(value, citation)
    return result


def _header(book: Workbook) -> dict[str, Any]:
    tampered = _(
        "This workbook's hidden header is missing or was changed, so it cannot be trusted. "
        "Download a new workbook and copy your answers into it."
    )
    if META_SHEET not in book.sheetnames:
        raise WorkbookRejected(tampered)
    token = book[META_SHEET]["A1"].value
    try:
        header = signing.loads(str(token or ""), salt=SALT)
    except signing.BadSignature:
        raise WorkbookRejected(tampered) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise WorkbookRejected(tampered)
    return header


def _check_header(header: Mapping[str, Any], assessment: Assessment) -> None:
    if header["assessment"] != str(assessment.uuid) or header["country"] != assessment.country_id:
        raise WorkbookRejected(
            _("This workbook belongs to another assessment; upload it on that assessment's page.")
        )
    versions = (
        [assessment.mnr_version_id, assessment.mnr_version.sha256],
        [assessment.legislation_version_id, assessment.legislation_version.sha256],
    )
    if (header["mnr"], header["legislation"]) != versions:
        raise WorkbookRejected(
            _("This workbook was made from other framework versions; download a new one.")
        )


def _key_problem(
    kind: str,
    code: str,
    capabilities: Mapping[str, Capability],
    indicators: Mapping[str, Capability],
    criteria: Mapping[str, Criterion],
    in_book: set[str],
) -> str:
    if kind in ("level", "evidence"):
        cap = capabilities.get(code)
        if cap is None:
            return _("unknown capability '%(code)s'.") % {"code": code}
        section = cap.domain.code
    elif kind == "ind":
        cap = indicators.get(code)
        if cap is None:
            return _("unknown indicator '%(code)s'.") % {"code": code}
        section = cap.domain.code
    elif kind in ("crit", "cite"):
        if code not in criteria:
            return _("unknown legislative criterion '%(code)s'.") % {"code": code}
        section = LEGISLATION_SECTION
    else:
        return _("'%(key)s' is not a row of the questionnaire.") % {"key": f"{kind}:{code}"[:60]}
    if section not in in_book:
        return _("%(code)s is in section %(section)s, which this workbook was not made for.") % {
            "code": code,
            "section": section,
        }
    return ""


def _fold(text: str) -> str:
    """Compare labels as a person would: case, spaces and the apostrophe's shape ignored."""
    return " ".join(text.replace("’", "'").replace("‘", "'").split()).casefold()


def _cell_text(value: Any) -> str:
    """A cell's value as text: spreadsheets turn typed numbers and dates into their own types."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return _norm(str(value))


def _choice(
    cell: tuple[str, Any], options: list[tuple[str, str]], errors: list[str], level: bool = False
) -> str:
    where, raw = cell
    text = _cell_text(raw)
    if not text:
        return ""
    folded = _fold(text)
    for value, label in options:
        if folded in (_fold(label), _fold(value)):
            return value
    if level:
        match = LEVEL_TEXT.match(text)
        if match:
            levels = [v for v, _label in options if v.isdigit()]
            if match[1] in levels:
                return match[1]
            errors.append(
                _("%(cell)s: level %(level)s is out of range (%(low)s to %(high)s).")
                % {"cell": where, "level": match[1], "low": levels[0], "high": levels[-1]}
            )
            return ""
    errors.append(
        _("%(cell)s: '%(value)s' is not one of %(choices)s.")
        % {
            "cell": where,
            "value": text[:60],
            "choices": ", ".join(f"“{label}”" for _v, label in options),
        }
    )
    return ""


def _text(cell: tuple[str, Any], limit: int, errors: list[str]) -> str:
    where, raw = cell
    text = _cell_text(raw)
    if len(text) > limit:
        errors.append(
            _("%(cell)s: the text is longer than %(limit)s characters.")
            % {"cell": where, "limit": limit}
        )
    return text


# ---------------------------------------------------------------- the plan


@dataclass
class Change:
    key: str  # capability code, or "L:" + criterion code
    section: str
    title: str
    where: str
    lines: list[tuple[str, str, str]]  # (what, online now, in the workbook), in words
    online_version: int
    conflict: bool
    online_by: str = ""
    online_at: datetime | None = None
    values: CapabilityValues | CriterionValues | None = None


@dataclass
class Plan:
    header: dict[str, Any]
    changes: list[Change]
    unchanged: int
    errors: list[str]

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.conflict]

    def versions(self) -> dict[str, int]:
        return {c.key: c.online_version for c in self.changes}


def workbook_plan(*, parsed: Parsed, assessment: Assessment, editable: frozenset[str]) -> Plan:
    """Every change the workbook would make, in words, and which of them are conflicts."""
    errors = list(parsed.errors)
    if not assessment.is_editable:
        errors.insert(
            0,
            _("This assessment is %(status)s and can no longer be changed.")
            % {"status": assessment.get_status_display().lower()},
        )
    downloaded = parsed.header["answers"]
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    levels = level_options(tree.scale)
    indicators = dict(indicator_options())
    caps = {c.code: c for c in tree.capabilities}
    online = _online_capabilities(assessment, [caps[code] for code in parsed.capabilities])
    changes: list[Change] = []
    unchanged = 0
    for code, values in parsed.capabilities.items():
        version, digest = downloaded.get(code, [0, None])
        if values.digest() == digest:
            unchanged += 1
            continue
        answer, current = online[code]
        cap = caps[code]
        lines = []
        if current.response != values.response:
            lines.append(
                (
                    _("Maturity level"),
                    _label(levels, current.response),
                    _label(levels, values.response),
                )
            )
        for (icode, old), (_c, new) in zip(current.indicators, values.indicators, strict=True):
            if old != new:
                lines.append((icode, indicators.get(old, ""), indicators.get(new, "")))
        if current.evidence != values.evidence:
            lines.append((_("Evidence"), _excerpt(current.evidence), _excerpt(values.evidence)))
        changes.append(
            _change(
                code,
                cap.domain.code,
                f"{cap.code} {cap.name}",
                parsed,
                lines,
                answer,
                version,
                values,
            )
        )
    crit_online = _online_criteria(assessment) if parsed.criteria else {}
    for code, given in parsed.criteria.items():
        key = _criterion_key(code)
        version, digest = downloaded.get(key, [0, None])
        if given.digest() == digest:
            unchanged += 1
            continue
        criterion, c_answer, c_current = crit_online[code]
        options = criterion_options(criterion)
        lines = []
        if c_current.value != given.value:
            lines.append(
                (_("Answer"), _label(options, c_current.value), _label(options, given.value))
            )
        if c_current.citation != given.citation:
            lines.append((_("Citation"), _excerpt(c_current.citation), _excerpt(given.citation)))
        changes.append(
            _change(
                key, LEGISLATION_SECTION, criterion.name, parsed, lines, c_answer, version, given
            )
        )
    for change in changes:
        if change.section not in editable:
            errors.append(
                _("%(cell)s: %(title)s is in a section you may not edit.")
                % {"cell": change.where, "title": change.title}
            )
    return Plan(parsed.header, changes, unchanged, errors)


def _change(
    key: str,
    section: str,
    title: str,
    parsed: Parsed,
    lines: list[tuple[str, str, str]],
    answer: CapabilityAnswer | CriterionAnswer | None,
    downloaded_version: int,
    values: CapabilityValues | CriterionValues,
) -> Change:
    online_version = answer.version if answer else 0
    by = ""
    if answer is not None and answer.updated_by is not None:
        by = answer.updated_by.get_full_name() or answer.updated_by.get_username()
    return Change(
        key=key,
        section=section,
        title=title,
        where=parsed.where[key],
        # Changed online to what the workbook says: nothing left to write, but it is shown.
        lines=lines,
        online_version=online_version,
        conflict=online_version != downloaded_version and bool(lines),
        online_by=by,
        online_at=answer.updated_at if answer else None,
        values=values,
    )


def _excerpt(text: str, n: int = 120) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------- apply


class PlanChanged(Exception):
    """An answer changed online between the preview and the confirmation."""


@transaction.atomic
def workbook_apply(
    *,
    assessment: Assessment,
    user: User,
    plan: Plan,
    replace: set[str],
    seen_versions: Mapping[str, int],
) -> list[Change]:
    """Save the plan's changes (conflicts only when their key is in `replace`) in one
    transaction; each is recorded in the audit trail as the user's edit, from the workbook."""
    if plan.errors:
        raise PlanChanged(plan.errors[0])
    if plan.versions() != dict(seen_versions):
        raise PlanChanged(_("Answers changed online since the preview."))
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    caps = {c.code: c for c in tree.capabilities}
    applied = []
    criterion_inputs = {}
    criteria = {c.code: c for c in frameworks_cache.criteria_of(assessment.legislation_version)}
    for change in plan.changes:
        if not change.lines or (change.conflict and change.key not in replace):
            continue
        values = change.values
        if isinstance(values, CapabilityValues):
            cap = caps[change.key]
            by_code = dict(values.indicators)
            current = CapabilityAnswer.objects.filter(assessment=assessment, capability=cap).first()
            try:
                answering.capability_answers_save(
                    assessment=assessment,
                    capability=cap,
                    user=user,
                    response=values.response,
                    evidence=values.evidence,
                    share_with_peers=current.share_with_peers if current else False,
                    indicator_values={
                        i: by_code[i.code]
                        for i in cap.indicator_list  # type: ignore[attr-defined]
                    },
                    version=change.online_version,
                    via="workbook",
                )
            except answering.StaleAnswer:
                raise PlanChanged(_("Answers changed online since the preview.")) from None
        elif isinstance(values, CriterionValues):
            code = change.key.removeprefix("L:")
            criterion_inputs[criteria[code]] = answering.CriterionInput(
                values.value, values.citation, change.online_version, True
            )
        applied.append(change)
    if criterion_inputs:
        conflicts = answering.criterion_answers_save(
            assessment=assessment, user=user, answers=criterion_inputs, via="workbook"
        )
        if conflicts:
            raise PlanChanged(_("Answers changed online since the preview."))
    return applied
