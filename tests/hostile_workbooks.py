"""Hostile questionnaire workbooks (issue 22 §4), built from a real downloaded one so that they
carry a valid signed header, as a team member's would. Used by tests/test_workbook_limits.py
(small sizes, fast) and bench/workbook_upload.py (the sizes of the issue)."""

from __future__ import annotations

import io
import random
import re
import zipfile

from django.core import signing
from openpyxl.utils import get_column_letter

# openpyxl writes the sheets in order: the instructions, the hidden header, then the sections.
HEADER_PART = "xl/worksheets/sheet2.xml"
FIRST_SECTION_PART = "xl/worksheets/sheet3.xml"
SHARED_STRINGS_PART = "xl/sharedStrings.xml"

SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_END = b"</sheetData></worksheet>"


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


VOCABULARY = ("3f2a", "91c0", "b7e4", "05d9", "e86b", "7a13")


def _words(rng: random.Random, n: int) -> str:
    # Six words drawn at random: the sheet deflates ~8.9 times, as the file (8.7), under
    # every ratio check, so that the whole 40 MB really reaches the parser.
    return " ".join(rng.choice(VOCABULARY) for _ in range(n))


def wide_sheet(unpacked_bytes: int, *, columns: int = 60, seed: int = 0) -> bytes:
    """A section sheet of about `unpacked_bytes` of XML: rows of `columns` short text cells."""
    rng = random.Random(seed)
    letters = [get_column_letter(c) for c in range(1, columns + 1)]
    rows, size, r = [SHEET_START], len(SHEET_START), 0
    while size < unpacked_bytes:
        r += 1
        cells = "".join(
            f'<c r="{letter}{r}" t="inlineStr"><is><t>{_words(rng, 4)}</t></is></c>'
            for letter in letters
        )
        row = f'<row r="{r}">{cells}</row>'.encode()
        rows.append(row)
        size += len(row)
    rows.append(SHEET_END)
    return b"".join(rows)


def bomb_sheet(unpacked_bytes: int, *, seed: int = 0) -> bytes:
    """A sheet of about `unpacked_bytes` built fast, for the tests: one 256 kB block of
    wide_sheet's rows repeated (farther apart than deflate's 32 kB window, so the ratio stays
    the block's, ~11). Refused by its declared size before anything parses it."""
    block = wide_sheet(256 * 1024, seed=seed)[len(SHEET_START) : -len(SHEET_END)]
    return SHEET_START + block * max(1, unpacked_bytes // len(block)) + SHEET_END


def text_sheet(unpacked_bytes: int, *, words: int = 1000, seed: int = 0) -> bytes:
    """A sheet of about `unpacked_bytes` within the questionnaire's rows and columns: long
    texts in columns C and E, as a person's notes would be. The most a sheet may make the
    reader parse."""
    rng = random.Random(seed)
    rows, size, r = [SHEET_START], len(SHEET_START), 2
    while size < unpacked_bytes:
        r += 1
        row = (
            f'<row r="{r}"><c r="C{r}" t="inlineStr"><is><t>{_words(rng, words)}</t></is></c>'
            f'<c r="E{r}" t="inlineStr"><is><t>{_words(rng, words)}</t></is></c></row>'
        ).encode()
        rows.append(row)
        size += len(row)
    rows.append(SHEET_END)
    return b"".join(rows)


def long_sheet(n_rows: int, *, seed: int = 0) -> bytes:
    """A section sheet of `n_rows` short rows (numbers, so that it compresses like a real one)."""
    rng = random.Random(seed)
    rows = [SHEET_START]
    for r in range(1, n_rows + 1):
        rows.append(
            f'<row r="{r}"><c r="B{r}"><v>{rng.getrandbits(24)}</v></c>'
            f'<c r="D{r}"><v>{rng.getrandbits(24)}</v></c></row>'.encode()
        )
    rows.append(SHEET_END)
    return b"".join(rows)


SST_START = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
SST_REL = (
    b'<Relationship Id="rIdSst" Target="sharedStrings.xml" Type="http://schemas.openxmlformats'
    b'.org/officeDocument/2006/relationships/sharedStrings"/>'
)
SST_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sharedStrings+xml"/>'
)


def big_shared_strings(data: bytes, unpacked_bytes: int, *, seed: int = 0) -> bytes:
    """The workbook with a shared-string table of about `unpacked_bytes` (openpyxl writes
    none; LibreOffice keeps every text in one), declared so that a reader loads it."""
    parts = parts_of(data)
    rng = random.Random(seed)
    items, size = [SST_START], len(SST_START)
    while size < unpacked_bytes:
        item = f"<si><t>{_words(rng, 200)}</t></si>".encode()
        items.append(item)
        size += len(item)
    items.append(b"</sst>")
    parts[SHARED_STRINGS_PART] = b"".join(items)
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(b"</Relationships>", SST_REL + b"</Relationships>")
    types = "[Content_Types].xml"
    parts[types] = parts[types].replace(b"</Types>", SST_TYPE + b"</Types>")
    return zipped(parts)


def with_sheet(data: bytes, sheet: bytes, *more: bytes) -> bytes:
    """The workbook with its first section sheet replaced by `sheet` (and the next ones by
    `more`)."""
    parts = parts_of(data)
    for n, content in enumerate((sheet, *more)):
        parts[f"xl/worksheets/sheet{3 + n}.xml"] = content
    return zipped(parts)


def forged(data: bytes, *, salt: str = "not the app's salt") -> bytes:
    """The workbook with its header changed (every section claimed) and signed with a key
    that is not the app's: what someone editing the hidden sheet could produce."""
    parts = parts_of(data)
    sheet = parts[HEADER_PART].decode()
    token = re.findall(r"<t>(\.[\w\-]+:[\w\-]+:[\w\-]+)</t>", sheet)[0]  # signing's shape
    header = signing.loads(token, salt="assessment.workbook")
    header["sections"] = header["sections"] + ["D9"]
    forged_token = signing.dumps(header, salt=salt, compress=True)
    parts[HEADER_PART] = sheet.replace(token, forged_token).encode()
    return zipped(parts)


ODS_START = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content'
    ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
    "<office:body><office:spreadsheet>"
)


def header_token(data: bytes) -> str:
    """The signed header of a workbook the app wrote."""
    sheet = parts_of(data)[HEADER_PART].decode()
    return re.findall(r"<t>(\.[\w\-]+:[\w\-]+:[\w\-]+)</t>", sheet)[0]


def ods(data: bytes, rows: str) -> bytes:
    """An .ods file with the header of the workbook `data` and one section sheet of `rows`
    (content.xml markup), as a hand-made file would be."""
    content = (
        ODS_START + '<table:table table:name="_workbook"><table:table-row>'
        '<table:table-cell office:value-type="string">'
        f"<text:p>{header_token(data)}</text:p></table:table-cell></table:table-row></table:table>"
        f'<table:table table:name="D1">{rows}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()
