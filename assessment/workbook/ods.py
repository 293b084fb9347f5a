"""A streaming reader of an OpenDocument spreadsheet (.ods, LibreOffice's own format) for the
uploaded workbook (issue 25 §3), with the same interface and limits as xlsx.Book.

Every sheet of an ODS file is in one part, content.xml; its cells carry their values in
attributes (`office:value`, `office:date-value`…) or in `text:p` paragraphs, a formula in
`table:formula`. Runs of identical cells or rows are written once with a repeat count: empty
runs (LibreOffice ends every row and sheet with one of about a million) only move the position;
a run of cells with a value counts as that many cells against the limits before it is expanded.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from openpyxl.utils import get_column_letter

from .xlsx import Cell, Limits, Sheet, StopParsing, TooLarge, Unreadable, parse_part

CONTENT = "content.xml"
CELL_MAX_CHARS = 100_000  # five times the longest answer


class OdsBook:
    strings_part = None  # ODS has no shared strings: every text is in its cell

    def __init__(self, archive: zipfile.ZipFile, max_bytes: int):
        self.archive = archive
        self.max_bytes = max_bytes
        if CONTENT not in archive.namelist():
            raise Unreadable("no content")
        names: list[str] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == "table":
                names.append(attrs.get("name", ""))

        parse_part(archive, CONTENT, max_bytes, start, lambda name: None)
        self.sheets = [Sheet(name, CONTENT, "visible") for name in names]
        self._tables: dict[str, list[dict[int, Cell]]] | None = None

    def part_size(self, part: str | None) -> int:
        return 0  # all sheets are in content.xml, bounded as a whole by max_bytes

    def sheet(self, name: str) -> Sheet | None:
        return next((s for s in self.sheets if s.name == name), None)

    def first_cell(self, sheet: Sheet, ref: str, cap: int) -> Cell | None:
        """The header's A1: the first cell of the sheet's first row."""
        found: list[Cell] = []

        def on_row(table: str, _number: int, cells: dict[int, Cell]) -> None:
            if table == sheet.name:
                found.extend(c for c in cells.values() if c.ref == ref)
                raise StopParsing

        self._rows({1}, None, on_row)
        return found[0] if found else None

    def rows(self, sheet: Sheet, columns: set[int], limits: Limits) -> Iterator[dict[int, Cell]]:
        """As xlsx.Book.rows. Every sheet is in the one part: it is parsed once, for all of
        them, and a sheet past a limit raises TooLarge naming it (`sheet`)."""
        if self._tables is None:
            tables: dict[str, list[dict[int, Cell]]] = {}

            def on_row(table: str, _number: int, cells: dict[int, Cell]) -> None:
                if cells:
                    tables.setdefault(table, []).append(cells)

            self._rows(columns, limits, on_row)
            self._tables = tables
        yield from self._tables.get(sheet.name, [])

    def strings(self, wanted: set[int], cap: int) -> dict[int, str]:
        return {}

    def value(self, cell: Cell, strings: dict[int, str]) -> Any:
        if cell.kind == "text":
            return cell.raw
        if cell.kind == "b":
            return cell.raw == "true"
        if cell.kind == "d":
            try:
                return datetime.fromisoformat(cell.raw)
            except ValueError:
                return cell.raw
        try:
            number = float(cell.raw)
        except ValueError:
            return cell.raw
        return int(number) if number.is_integer() else number

    def _rows(
        self,
        columns: set[int],
        limits: Limits | None,
        on_row: Callable[[str, int, dict[int, Cell]], None],
    ) -> None:
        state: dict[str, Any] = {
            "table": None,
            "row": 0,
            "row_repeat": 1,
            "column": 0,
            "cells": {},
            "cell": None,
            "repeat": 1,
            "count": 0,
            "valued": 0,
            "last_valued": 0,
            "in_p": 0,
            "paragraphs": [],
        }

        def check(row: int, column: int, n: int) -> None:
            if limits is None:
                return
            state["count"] += n
            table = state["table"]
            if row > limits.rows:
                raise TooLarge("rows", limits.rows, table)
            if column > limits.columns:
                raise TooLarge("columns", limits.columns, table)
            if state["count"] > limits.cells:
                raise TooLarge("cells", limits.cells, table)

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == "table":
                state["table"], state["row"], state["count"] = attrs.get("name", ""), 0, 0
            elif name == "table-row":
                state["row_repeat"] = _count(attrs.get("number-rows-repeated"))
                state["row"] += 1
                state["column"] = 0
                state["cells"] = {}
                state["valued"] = 0  # cells with a value in this row, in any column
            elif name in ("table-cell", "covered-table-cell"):
                kind = attrs.get("value-type", "")
                raw = {
                    "float": attrs.get("value", ""),
                    "percentage": attrs.get("value", ""),
                    "currency": attrs.get("value", ""),
                    "date": attrs.get("date-value", ""),
                    "boolean": attrs.get("boolean-value", ""),
                    "time": attrs.get("time-value", ""),
                }.get(kind, "")
                state["cell"] = Cell(
                    "",
                    "formula" in attrs,
                    {"float": "n", "percentage": "n", "currency": "n", "date": "d"}.get(
                        kind, "b" if kind == "boolean" else "text"
                    ),
                    raw,
                    0,
                )
                state["typed"] = kind in ("float", "percentage", "currency", "date", "boolean")
                state["repeat"] = _count(attrs.get("number-columns-repeated"))
                state["paragraphs"] = []
                state["chars"] = 0
            elif name == "p" and state["cell"] is not None:
                state["in_p"] += 1
                state["paragraphs"].append([])
            elif name == "s" and state["in_p"]:
                add(" " * min(_count(attrs.get("c")), 1000))  # no text has more in a row
            elif name == "tab" and state["in_p"]:
                add("\t")
            elif name == "line-break" and state["in_p"]:
                add("\n")

        def end(name: str) -> None:
            if name == "p" and state["in_p"]:
                state["in_p"] -= 1
            elif name in ("table-cell", "covered-table-cell") and state["cell"] is not None:
                cell: Cell = state["cell"]
                state["cell"] = None
                first = state["column"] + 1
                state["column"] += state["repeat"]
                if not state["typed"]:
                    cell.raw = "\n".join("".join(p) for p in state["paragraphs"])
                if not (cell.raw or cell.formula):
                    return  # an empty run: only the position moves
                row = state["row"]
                check(row, state["column"], state["repeat"])
                state["valued"] += state["repeat"]
                state["last_valued"] = state["column"]
                # Only the wanted columns of a run: a run of a million is not expanded.
                for column in sorted(c for c in columns if first <= c <= state["column"]):
                    ref = f"{get_column_letter(column)}{row}"
                    state["cells"][column] = Cell(ref, cell.formula, cell.kind, cell.raw, 0)
            elif name == "table-row":
                cells = state["cells"]
                if state["valued"] and state["row_repeat"] > 1:
                    # A run of identical rows with values: as many rows against the limits.
                    last = state["row"] + state["row_repeat"] - 1
                    check(last, state["last_valued"], state["valued"] * (state["row_repeat"] - 1))
                if state["table"] is not None:
                    on_row(state["table"], state["row"], cells)
                state["row"] += state["row_repeat"] - 1
            elif name == "table":
                state["table"] = None

        def add(text: str) -> None:
            # `<text:s text:c="100000"/>` is 100,000 spaces in 24 bytes: a cell's text is cut at
            # CELL_MAX_CHARS (the upload then says it is too long), whatever the markup says.
            room = CELL_MAX_CHARS - state["chars"]
            if room > 0:
                state["paragraphs"][-1].append(text[:room])
                state["chars"] += min(len(text), room)

        def text(data: str) -> None:
            if state["in_p"] and state["cell"] is not None:
                add(data)

        parse_part(self.archive, CONTENT, self.max_bytes, start, end, text)


def _count(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 1
