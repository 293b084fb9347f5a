"""The comparison matrix's rows as HTML, kept per assessment and language until it changes.

A row of the matrix says what an assessment's frozen scores say (`assessment.frozen`): they
change only when the assessment is frozen again (submitted or validated: a new `frozen_at`) or
dropped (returned: then the row is scored live and never kept here). So a row's HTML is kept,
per process, under the assessment's id and the time its scores were frozen, with everything
else the HTML is drawn from: the language, the country's name, the columns and whether the
name is a link. A change of any of them is another key; an old entry is simply never asked for
again, and the oldest go first when the store is full.

Which rows are shown at all (status, sharing, which revision stands for a country's cycle,
aggregate-only rules) is decided before, by the comparison; this module only draws, or
recalls, a row it is given.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.utils.translation import get_language

from . import kept
from .comparison import Column, Row, cell

# 196 countries x 3 cycles, in a few languages, on the page (links) and in its PDF (plain).
MAX_ROWS = 8192

_KEPT: OrderedDict[Hashable, str] = OrderedDict()
_LOCK = threading.Lock()


def row_html(
    *,
    assessment_uuid: str,
    frozen_at: datetime | None,
    country_name: str,
    columns: Sequence[Hashable],
    plain: bool,
    draw: Callable[[], str],
) -> str:
    """The row's HTML: kept from an earlier request when the assessment's frozen scores, the
    language, the country's name, the columns and `plain` are the same; else `draw()`n (and
    kept if the scores are frozen)."""
    if frozen_at is None:  # scored live: its answers may change under it
        return draw()
    key = (assessment_uuid, frozen_at, get_language(), country_name, tuple(columns), plain)
    with _LOCK:
        html = _KEPT.get(key)
        if html is not None:
            _KEPT.move_to_end(key)
            return html
    html = draw()
    with _LOCK:
        _KEPT[key] = html
        while len(_KEPT) > MAX_ROWS:
            _KEPT.popitem(last=False)
    return html


# Whole tables, under `Comparison.order_key` (every row frozen: each row's key, the language,
# the columns and the order) and `plain`: a page of the same rows in the same order recalls
# its rows at once rather than one by one (the page keeps its whole body: this serves its PDF
# and a new body of the same rows). A few, as each holds up to 588 rows.
_TABLES: kept.Store[str] = kept.Store(8)


def table_html(order_key: Hashable | None, plain: bool, draw: Callable[[], str]) -> str:
    """The table's rows' HTML: kept from an earlier request of the same `order_key` and
    `plain`; else `draw()`n (and kept if there is a key: no row is scored live)."""
    if order_key is None:
        return draw()
    key = (order_key, plain)
    html = _TABLES.get(key)
    return html if html is not None else _TABLES.put(key, draw())


class Cells:
    """A row's (column, value) cells, worked out when first read: a row recalled from the store
    never reads them, while the exports, which write every cell, do."""

    def __init__(self, row: Row, columns: Sequence[Column]) -> None:
        self.row, self.columns = row, columns
        self._cells: list[tuple[Column, Any]] | None = None

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    def _all(self) -> list[tuple[Column, Any]]:
        if self._cells is None:
            self._cells = [(c, cell(self.row, c)) for c in self.columns]
        return self._cells

    def __iter__(self) -> Iterator[tuple[Column, Any]]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self.columns)

    def __getitem__(self, index: int) -> tuple[Column, Any]:
        return self._all()[index]


def clear() -> None:
    """Forget the rows' HTML, and everything else the comparison keeps (`kept.py`)."""
    with _LOCK:
        _KEPT.clear()
    kept.clear()


def size() -> int:
    return len(_KEPT)
