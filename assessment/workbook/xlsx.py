"""A small streaming reader of XLSX parts, straight from the zip, for the uploaded workbook.

openpyxl loads a whole workbook into objects before anything can be checked: a 4 MB upload
whose sheet unpacks to 40 MB held a worker for 30 s and 140 MB (issue 22 §4). This reader lets
the upload verify the signed header first (one cell of one small part), then refuse any sheet
larger than the questionnaire could be by its declared size, and read the others with expat
in 64 kB pieces, keeping only the cells it is asked for and stopping at the first row or column
past the limits. Shared strings are read last, and only those the wanted cells point at.

No DTD is accepted in any part (that also stops entity expansion). Every part is read with a
cap on top of its declared size, which zipfile never exceeds anyway.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

CHUNK = 64 * 1024
SMALL_PART = 1024 * 1024  # workbook.xml, its relations, styles: a few kB in a real file
REF = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")


class Unreadable(Exception):
    """The part is not what an XLSX holds there (damaged, a DTD, too large)."""


class TooLarge(Exception):
    """A sheet passes one of the limits; `what` says which, for the message."""

    def __init__(self, what: str, limit: int, sheet: str = ""):
        super().__init__(what)
        self.what = what
        self.limit = limit
        self.sheet = sheet  # when the part holds several sheets (ODS)


class StopParsing(Exception):
    """Raised by a handler to stop parsing a part early."""


@dataclass(frozen=True)
class Limits:
    rows: int  # the highest row number that holds a value
    columns: int  # the highest column number that holds a value
    cells: int  # cells that hold a value, in one sheet
    sheet_bytes: int  # a sheet's unpacked size
    strings_bytes: int  # the shared-string table's unpacked size


@dataclass
class Cell:
    ref: str  # "D14"
    formula: bool
    kind: str  # "s" (shared string index), "text", "n", "b", "e", "d" (ISO date)
    raw: str
    style: int


@dataclass(frozen=True)
class Sheet:
    name: str
    part: str
    state: str  # "visible", "hidden", "veryHidden"


def column_number(letters: str) -> int:
    n = 0
    for char in letters:
        n = n * 26 + ord(char) - 64
    return n


def _local(name: str) -> str:
    return name.rpartition(" ")[2]


def parse_part(
    archive: zipfile.ZipFile,
    part: str,
    cap: int,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    text: Callable[[str], None] | None = None,
) -> None:
    """Stream `part` through expat (namespaces resolved, local names to the handlers); a
    handler raising StopParsing ends it early. Raises Unreadable for bad XML or a DTD, and
    TooLarge past `cap`."""
    try:
        info = archive.getinfo(part)
    except KeyError:
        raise Unreadable(part) from None
    if info.file_size > cap:
        raise TooLarge("bytes", cap)
    parser = expat.ParserCreate(namespace_separator=" ")

    def refuse(*_args: Any) -> None:
        raise Unreadable("a DTD")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = lambda name, attrs: start(
        _local(name), {_local(k): v for k, v in attrs.items()}
    )
    parser.EndElementHandler = lambda name: end(_local(name))
    if text is not None:
        parser.CharacterDataHandler = text
    read = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                read += len(chunk)
                if read > cap:
                    raise TooLarge("bytes", cap)
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except StopParsing:
        return
    except (expat.ExpatError, zipfile.BadZipFile, EOFError, ValueError) as error:
        raise Unreadable(part) from error


def _small(archive: zipfile.ZipFile, part: str) -> list[tuple[str, dict[str, str]]]:
    """The elements of a small part (workbook, relations): (local name, attributes)."""
    found: list[tuple[str, dict[str, str]]] = []
    parse_part(archive, part, SMALL_PART, lambda n, a: found.append((n, a)), lambda n: None)
    return found


class Book:
    """An XLSX package opened for streaming: the sheets' names and parts are known, nothing
    else is read until asked."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        names = {n.lower(): n for n in archive.namelist()}
        workbook_part = names.get("xl/workbook.xml")
        if workbook_part is None:
            raise Unreadable("no workbook part")
        rels_part = names.get("xl/_rels/workbook.xml.rels")
        targets: dict[str, tuple[str, str]] = {}
        if rels_part is not None:
            for name, attrs in _small(archive, rels_part):
                if name == "Relationship":
                    kind = attrs.get("Type", "").rpartition("/")[2]
                    target = attrs.get("Target", "")
                    if target.startswith("/"):
                        path = target.lstrip("/")
                    else:
                        path = posixpath.normpath(posixpath.join("xl", target))
                    targets[attrs.get("Id", "")] = (kind, names.get(path.lower(), path))
        self.sheets: list[Sheet] = []
        self.date1904 = False
        for name, attrs in _small(archive, workbook_part):
            if name == "sheet":
                kind, path = targets.get(attrs.get("id", ""), ("", ""))
                if kind == "worksheet":
                    self.sheets.append(
                        Sheet(attrs.get("name", ""), path, attrs.get("state", "visible"))
                    )
            elif name == "workbookPr":
                self.date1904 = attrs.get("date1904", "0").lower() in ("1", "true")
        by_kind = {kind: path for kind, path in targets.values()}
        self.strings_part = by_kind.get("sharedStrings")
        self.styles_part = by_kind.get("styles")
        self._date_styles: set[int] | None = None

    def part_size(self, part: str | None) -> int:
        """A part's declared unpacked size (0 if absent): what reading it may inflate to."""
        if part is None:
            return 0
        try:
            return self.archive.getinfo(part).file_size
        except KeyError:
            return 0

    def sheet(self, name: str) -> Sheet | None:
        return next((s for s in self.sheets if s.name == name), None)

    def first_cell(self, sheet: Sheet, ref: str, cap: int) -> Cell | None:
        """One cell, read from the start of its sheet up to it (the header's A1)."""
        row_number = int(REF.match(ref)[2]) if REF.match(ref) else 1  # type: ignore[index]
        found: list[Cell] = []

        def on_row(number: int, cells: dict[int, Cell]) -> None:
            if number >= row_number:
                found.extend(c for c in cells.values() if c.ref == ref)
                raise StopParsing

        self._rows(sheet.part, None, None, on_row, cap)
        return found[0] if found else None

    def rows(self, sheet: Sheet, columns: set[int], limits: Limits) -> Iterator[dict[int, Cell]]:
        """The cells of `columns` in each row that has any, in order, once the whole sheet is
        within `limits` (TooLarge otherwise): the sheet is parsed completely before the first
        row is returned, so a refusal never follows half a reading."""
        kept: list[dict[int, Cell]] = []

        def on_row(_number: int, cells: dict[int, Cell]) -> None:
            if cells:
                kept.append(cells)

        self._rows(sheet.part, columns, limits, on_row, limits.sheet_bytes)
        yield from kept

    def _rows(
        self,
        part: str,
        columns: set[int] | None,
        limits: Limits | None,
        on_row: Callable[[int, dict[int, Cell]], None],
        cap: int,
    ) -> None:
        state: dict[str, Any] = {
            "row": 0,
            "cells": {},
            "cell": None,
            "text": None,
            "phonetic": False,
            "count": 0,
            "next_column": 1,
        }
        parts: list[str] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == "row":
                state["row"] = int(attrs.get("r") or state["row"] + 1)
                state["cells"] = {}
                state["next_column"] = 1
            elif name == "c":
                match = REF.match(attrs.get("r", ""))
                column = column_number(match[1]) if match else state["next_column"]
                state["next_column"] = column + 1
                ref = match[0] if match else ""
                kind = {"s": "s", "inlineStr": "text", "str": "text", "b": "b", "e": "e"}.get(
                    attrs.get("t", "n"), "n"
                )
                if attrs.get("t") == "d":
                    kind = "d"
                state["cell"] = Cell(ref, False, kind, "", int(attrs.get("s") or 0))
                state["column"] = column
                parts.clear()
            elif name == "f" and state["cell"] is not None:
                state["cell"].formula = True
            elif name in ("v", "t") and state["cell"] is not None:
                state["text"] = not state["phonetic"]
            elif name == "rPh":  # phonetic hints are not the cell's text
                state["phonetic"] = True

        def end(name: str) -> None:
            if name in ("v", "t"):
                state["text"] = None
            elif name == "rPh":
                state["phonetic"] = False
            elif name == "c" and state["cell"] is not None:
                cell: Cell = state["cell"]
                cell.raw = "".join(parts)
                state["cell"] = None
                if not (cell.raw or cell.formula):
                    return  # an empty, styled cell
                row, column = state["row"], state["column"]
                if not cell.ref:
                    cell.ref = f"{get_column_letter(column)}{row}"
                if limits is not None:
                    state["count"] += 1
                    if row > limits.rows:
                        raise TooLarge("rows", limits.rows)
                    if column > limits.columns:
                        raise TooLarge("columns", limits.columns)
                    if state["count"] > limits.cells:
                        raise TooLarge("cells", limits.cells)
                if columns is None or column in columns:
                    state["cells"][column] = cell
            elif name == "row":
                on_row(state["row"], state["cells"])

        def text(data: str) -> None:
            if state["text"]:
                parts.append(data)

        parse_part(self.archive, part, cap, start, end, text)

    def strings(self, wanted: set[int], cap: int) -> dict[int, str]:
        """The shared strings of the indexes in `wanted`, and no others."""
        if not wanted:
            return {}
        if self.strings_part is None:
            raise Unreadable("no shared strings")
        last = max(wanted)
        found: dict[int, str] = {}
        state: dict[str, Any] = {"index": -1, "in_t": False, "phonetic": False}
        parts: list[str] = []

        def start(name: str, _attrs: dict[str, str]) -> None:
            if name == "si":
                state["index"] += 1
                parts.clear()
            elif name == "t":
                state["in_t"] = state["index"] in wanted and not state["phonetic"]
            elif name == "rPh":
                state["phonetic"] = True

        def end(name: str) -> None:
            if name == "t":
                state["in_t"] = False
            elif name == "rPh":
                state["phonetic"] = False
            elif name == "si":
                if state["index"] in wanted:
                    found[state["index"]] = "".join(parts)
                if state["index"] >= last:
                    raise StopParsing

        def text(data: str) -> None:
            if state["in_t"]:
                parts.append(data)

        parse_part(self.archive, self.strings_part, cap, start, end, text)
        return found

    def value(self, cell: Cell, strings: dict[int, str]) -> Any:
        """The cell's value as openpyxl would give it: text, int, float, bool, datetime."""
        if cell.kind == "s":
            return strings.get(int(cell.raw), "") if cell.raw.isdigit() else ""
        if cell.kind in ("text", "e"):
            return cell.raw
        if cell.kind == "b":
            return cell.raw.strip() in ("1", "true")
        if cell.kind == "d":
            try:
                return datetime.fromisoformat(cell.raw.strip())
            except ValueError:
                return cell.raw
        raw = cell.raw.strip()
        try:
            number: int | float = int(raw) if re.fullmatch(r"-?\d+", raw) else float(raw)
        except ValueError:
            return raw
        if cell.style in self.date_styles():
            epoch = CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900
            try:
                return from_excel(number, epoch)
            except (ValueError, OverflowError):
                return number
        return number

    def date_styles(self) -> set[int]:
        """The cell style indexes whose number format shows a date (a typed date is a number)."""
        if self._date_styles is not None:
            return self._date_styles
        formats: dict[int, str] = dict(BUILTIN_FORMATS)
        styles: list[int] = []
        state = {"xfs": False}

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == "numFmt" and attrs.get("numFmtId", "").isdigit():
                formats[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
            elif name == "cellXfs":
                state["xfs"] = True
            elif name == "xf" and state["xfs"]:
                value = attrs.get("numFmtId", "0")
                styles.append(int(value) if value.isdigit() else 0)

        def end(name: str) -> None:
            if name == "cellXfs":
                state["xfs"] = False

        if self.styles_part is not None:
            parse_part(self.archive, self.styles_part, SMALL_PART, start, end)
        self._date_styles = {
            i for i, fmt in enumerate(styles) if is_date_format(formats.get(fmt, "") or "")
        }
        return self._date_styles
