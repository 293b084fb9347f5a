"""The one rule for every CSV the app writes: no cell a spreadsheet would run as a formula.

A spreadsheet reads a text cell that starts with = + - @ (or a tab or carriage return, which
some strip before looking) as a formula: OWASP "CSV injection". Such text gets a leading
apostrophe, which spreadsheets hide. Numbers the app writes as numbers stay numbers (-1 is
not a formula); the text "-1" that someone typed is text and gets the apostrophe. An empty
cell stays empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, dt.date):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    return [safe_cell(v) for v in values]


def write_csv(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    """The header and rows as CSV text, every cell made safe (the caller encodes it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(row) for row in rows)
    return out.getvalue()
