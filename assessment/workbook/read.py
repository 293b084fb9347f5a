"""Reading an uploaded workbook: the file's checks (size, shape, macros, the archive limits),
the signed header, and its answer cells, each bad cell named in the errors."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from frameworks.models import Capability, Criterion

from .. import evidence, frameworks_cache
from ..frameworks_cache import MnrTree
from ..models import LEGISLATION_SECTION, Assessment
from . import ods, xlsx
from .values import (
    ANSWER,
    ANSWER_COLUMN,
    CITATION_MAX,
    EVIDENCE_MAX,
    FORMAT,
    GUIDANCE,
    KEY,
    META_SHEET,
    SALT,
    CapabilityValues,
    CriterionValues,
    WorkbookRejected,
    code_order,
    criterion_key,
    criterion_options,
    indicator_options,
    level_options,
    norm,
)

# A filled-in workbook unpacks to a few hundred kB; the evidence checks' other limits apply
# (zip bombs), and each part is then held to the questionnaire's own size (questionnaire_limits).
MAX_UNCOMPRESSED = 50 * 1024 * 1024
# The hidden header sheet: the signed header in A1 and the drop-down lists, a few kB.
HEADER_SHEET_MAX_BYTES = 1024 * 1024
HEADER_MAX_CHARS = 100_000
# Room a person may use around the questions (notes under them or beside them).
SPARE_ROWS = 200
MAX_COLUMN = 26  # Z: the workbook uses A to E
MAX_SHEETS = 32  # the workbook has at most 9
# Markup of a cell with its style, in a sheet or the shared strings (LibreOffice: ~60 bytes).
CELL_BYTES = 300
# A character of an answer in the file: UTF-8 and XML escapes ("&" is "&amp;").
CHAR_BYTES = 6
XLSX, ODS = "xlsx", "ods"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
ODS_MACROS = re.compile(r"(Basic|Scripts)/", re.I)  # where LibreOffice keeps a file's macros
MACRO_PART = re.compile(r"vbaProject\.bin$|vbaData\.xml$", re.I)
FORMULA = object()  # an answer cell holding a formula (already reported)
LEVEL_TEXT = re.compile(r"^\s*(\d+)\s*(?:[—–\-:.)]|$)")


Book = xlsx.Book | ods.OdsBook

# ---------------------------------------------------------------- upload: the file


def max_bytes() -> int:
    return int(settings.WORKBOOK_MAX_UPLOAD_BYTES)


def check_size(size: int) -> None:
    if size > max_bytes():
        raise WorkbookRejected(
            _("The file is larger than %(mb)s MB; a workbook is much smaller.")
            % {"mb": max(1, max_bytes() // (1024 * 1024))}
        )


def check_file(data: bytes) -> str:
    """Refuse what is not a small, macro-free XLSX or ODS before any XML is parsed; its kind
    (XLSX or ODS) otherwise. The archive limits (zip bombs) and the type by content are the
    evidence upload's own checks."""
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
            mimetype = archive.open("mimetype").read(256) if "mimetype" in names else b""
        if mimetype.strip() == ODS_MIMETYPE:
            # LibreOffice's own format, kept when a person saves without choosing (issue 25 §3).
            if any(ODS_MACROS.match(name) for name in names):
                raise WorkbookRejected(macros)
            return ODS
        with zipfile.ZipFile(file) as archive:
            try:
                content_types = archive.open("[Content_Types].xml").read(1 << 20)
            except KeyError:  # no content types at all: some other zip
                raise WorkbookRejected(not_xlsx) from None
        if b"macroenabled" in content_types.lower():
            raise WorkbookRejected(macros)
        raise WorkbookRejected(not_xlsx)
    return XLSX


# ---------------------------------------------------------------- upload: the cells


@dataclass
class Parsed:
    header: dict[str, Any]
    capabilities: dict[str, CapabilityValues]  # only capabilities found in the file
    criteria: dict[str, CriterionValues]
    where: dict[str, str]  # answer key -> "Sheet!D14" of its first cell, for messages
    errors: list[str] = field(default_factory=list)


def workbook_read(data: bytes, assessment: Assessment) -> Parsed:
    """Check the file and its header, and read its answer cells; errors list every bad cell.
    The header is verified before any sheet is read, and every sheet is checked against the
    questionnaire's size before it is parsed (see xlsx.py)."""
    kind = check_file(data)
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    criteria = {c.code: c for c in frameworks_cache.criteria_of(assessment.legislation_version)}
    limits = questionnaire_limits(tree, len(criteria))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            book: Book = (
                xlsx.Book(archive)
                if kind == XLSX
                # One part holds every sheet: it may be as large as they and the texts together.
                else ods.OdsBook(archive, 2 * limits.sheet_bytes + limits.strings_bytes)
            )
            header = _header(book, limits)
            _check_header(header, assessment)
            rows = _answer_rows(book, limits)
    except (xlsx.Unreadable, *evidence.ARCHIVE_ERRORS):
        raise WorkbookRejected(
            _("The workbook could not be read. Upload the workbook you downloaded.")
        ) from None
    capabilities = {c.code: c for c in tree.capabilities}
    indicators = {i.code: c for c in tree.capabilities for i in c.indicator_list}  # type: ignore[attr-defined]
    # The drop-downs are read in the language the workbook was written in (its header says),
    # whatever the uploader's page is in now (issue 25 §1); messages stay in the page's.
    with translation.override(_language(header)):
        levels = level_options(frameworks_cache.mnr_tree(assessment.mnr_version).scale)
        indicator_labels = indicator_options()
        criterion_labels = {code: criterion_options(c) for code, c in criteria.items()}
    in_book = set(header["sections"])
    cells: dict[str, tuple[str, Any]] = {}  # "level:C01" -> (where, value)
    errors: list[str] = []
    formula = _("%(cell)s: a formula; only values are accepted.")
    for row in rows:
        where = f"{row.sheet}!{row.answer_ref}"
        if row.key_formula:
            errors.append(formula % {"cell": f"{row.sheet}!{row.key_ref}"})
            continue
        key = _cell_text(row.key)
        if not key:
            if row.answer_formula:
                errors.append(formula % {"cell": where})
            continue
        kind, _sep, code = key.partition(":")
        problem = _key_problem(kind, code, capabilities, indicators, criteria, in_book)
        if problem:
            errors.append(f"{row.sheet}!{row.key_ref}: {problem}")
            continue
        if key in cells:
            errors.append(
                _("%(cell)s: this answer also appears at %(other)s.")
                % {"cell": where, "other": cells[key][0]}
            )
            continue
        if row.answer_formula:
            # Its own error, and the row still counts as present: the capability's other cells
            # are read and their problems reported too (issue 25 §4).
            errors.append(formula % {"cell": where})
            cells[key] = (where, FORMULA)
            continue
        cells[key] = (where, row.answer)
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
            absent = sorted((p.partition(":")[2] for p in parts if p not in cells), key=code_order)
            missing = ", ".join(dict.fromkeys(absent))  # "C01" once, for its level and evidence
            errors.append(
                _("%(cell)s: rows of %(code)s are missing (%(missing)s); download a new workbook.")
                % {"cell": cells[found[0]][0], "code": cap.code, "missing": missing}
            )
            continue
        result.where[cap.code] = cells[parts[0]][0]
        response = _choice(cells[f"level:{cap.code}"], levels, errors, level=True)
        evidence_text = _text(cells[f"evidence:{cap.code}"], EVIDENCE_MAX, errors)
        values = tuple(
            (i.code, _choice(cells[f"ind:{i.code}"], indicator_labels, errors))
            for i in cap.indicator_list  # type: ignore[attr-defined]
        )
        result.capabilities[cap.code] = CapabilityValues(response, evidence_text, values)
    for code in criteria:
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
        result.where[criterion_key(code)] = cells[parts[0]][0]
        value = _choice(cells[parts[0]], criterion_labels[code], errors)
        citation = _text(cells[parts[1]], CITATION_MAX, errors)
        result.criteria[code] = CriterionValues(value, citation)
    return result


def _language(header: Mapping[str, Any]) -> str:
    """The workbook's language from its header; the site's default for an unknown one."""
    language = header.get("language")
    known = {code for code, _name in settings.LANGUAGES}
    return language if language in known else settings.LANGUAGE_CODE


def questionnaire_limits(tree: MnrTree, n_criteria: int) -> xlsx.Limits:
    """How large a sheet of this questionnaire could be: every section on one sheet, each
    answer at its longest, and room for notes. Anything larger is not a workbook of ours."""
    rows = 3 + 3 * n_criteria + SPARE_ROWS
    for cap in tree.capabilities:
        rows += 4 + len(tree.scale) + len(cap.indicator_list)  # type: ignore[attr-defined]
    cells = rows * (GUIDANCE + 1)
    chars = EVIDENCE_MAX * len(tree.capabilities) + CITATION_MAX * n_criteria
    size = cells * CELL_BYTES + chars * CHAR_BYTES + 64 * 1024 * (1 + len(tree.domains))
    return xlsx.Limits(
        rows=rows, columns=MAX_COLUMN, cells=cells, sheet_bytes=size, strings_bytes=size
    )


@dataclass
class _Row:
    sheet: str
    key_ref: str
    key: Any
    key_formula: bool
    answer_ref: str
    answer: Any
    answer_formula: bool


def _answer_rows(book: Book, limits: xlsx.Limits) -> list[_Row]:
    """Columns A and D of every sheet but the header's, once every sheet's size is within the
    limits: declared sizes first (nothing parsed), then rows, columns and cells as it streams."""
    sheets = [s for s in book.sheets if s.name != META_SHEET]
    if len(sheets) > MAX_SHEETS:
        raise WorkbookRejected(
            _("The workbook has %(n)s sheets; the questionnaire has at most %(max)s.")
            % {"n": len(sheets), "max": MAX_SHEETS}
        )
    strings_size = book.part_size(book.strings_part)
    if strings_size > limits.strings_bytes:
        raise _too_large("", "bytes", limits.strings_bytes)
    # Every text is written once, in its sheet or in the shared strings: the sheets together
    # hold no more than one questionnaire's budget beyond what the shared strings hold.
    total = strings_size
    for sheet in sheets:
        size = book.part_size(sheet.part)
        total += size
        if size > limits.sheet_bytes or total > 2 * limits.sheet_bytes:
            raise _too_large(sheet.name, "bytes", limits.sheet_bytes)
    found: list[tuple[str, dict[int, xlsx.Cell]]] = []
    for sheet in sheets:
        try:
            found.extend((sheet.name, cells) for cells in book.rows(sheet, {KEY, ANSWER}, limits))
        except xlsx.TooLarge as large:
            raise _too_large(large.sheet or sheet.name, large.what, large.limit) from None
    wanted = {
        int(c.raw)
        for _name, cells in found
        for c in cells.values()
        if c.kind == "s" and c.raw.isdigit()
    }
    try:
        strings = book.strings(wanted, limits.strings_bytes)
    except xlsx.TooLarge as large:
        raise _too_large("", large.what, large.limit) from None
    rows = []
    for name, cells in found:
        key, answer = cells.get(KEY), cells.get(ANSWER)
        row_number = int(xlsx.REF.match((key or answer).ref)[2])  # type: ignore[index, union-attr]
        rows.append(
            _Row(
                sheet=name,
                key_ref=key.ref if key else f"A{row_number}",
                key=book.value(key, strings) if key else None,
                key_formula=bool(key and key.formula),
                answer_ref=answer.ref if answer else f"{ANSWER_COLUMN}{row_number}",
                answer=book.value(answer, strings) if answer else None,
                answer_formula=bool(answer and answer.formula),
            )
        )
    return rows


def _too_large(sheet: str, what: str, limit: int) -> WorkbookRejected:
    if what == "rows":
        detail = _("more than %(n)s rows") % {"n": limit}
    elif what == "columns":
        detail = _("values beyond column %(column)s") % {"column": get_column_letter(limit)}
    elif what == "cells":
        detail = _("more than %(n)s cells with values") % {"n": limit}
    else:
        detail = _("more than %(mb)s MB of data") % {"mb": round(limit / (1024 * 1024), 1)}
    if not sheet:  # the shared strings, the texts of every sheet
        return WorkbookRejected(
            _(
                "The workbook's texts are larger than the questionnaire's could be "
                "(%(detail)s). Upload the workbook you downloaded, with only your answers added."
            )
            % {"detail": detail}
        )
    return WorkbookRejected(
        _(
            "The sheet “%(sheet)s” is larger than the questionnaire could be (%(detail)s). "
            "Upload the workbook you downloaded, with only your answers added."
        )
        % {"sheet": sheet, "detail": detail}
    )


def _header(book: Book, limits: xlsx.Limits) -> dict[str, Any]:
    """The signed header, read from its one cell straight from the zip, before anything else."""
    tampered = _(
        "This workbook's hidden header is missing or was changed, so it cannot be trusted. "
        "Download a new workbook and copy your answers into it."
    )
    meta = book.sheet(META_SHEET)
    if meta is None:
        raise WorkbookRejected(tampered)
    try:
        cell = book.first_cell(meta, "A1", HEADER_SHEET_MAX_BYTES)
        wanted = {int(cell.raw)} if cell and cell.kind == "s" and cell.raw.isdigit() else set()
        strings = book.strings(wanted, limits.strings_bytes)
    except xlsx.TooLarge:
        raise WorkbookRejected(tampered) from None
    if cell is None or cell.formula or cell.kind not in ("s", "text"):
        raise WorkbookRejected(tampered)
    token = book.value(cell, strings)
    try:
        header = signing.loads(str(token or "")[:HEADER_MAX_CHARS], salt=SALT)
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
    return norm(str(value))


def _choice(
    cell: tuple[str, Any], options: list[tuple[str, str]], errors: list[str], level: bool = False
) -> str:
    where, raw = cell
    text = _cell_text(raw)
    if not text or raw is FORMULA:  # a formula is reported where it was found
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
    if raw is FORMULA:
        return ""
    text = _cell_text(raw)
    if len(text) > limit:
        errors.append(
            _("%(cell)s: the text is longer than %(limit)s characters.")
            % {"cell": where, "limit": limit}
        )
    return text
