"""Disclosure control: what an "aggregate only" assessment may add to a published figure.

A country that submits for aggregates only is promised that no figure, alone or subtracted from
another, reveals its answers. Published totals sit beside the named rows they count, so
"total minus the named rows" is exactly the aggregate-only part of a figure; and two views whose
aggregate-only parts differ by one assessment give that one by subtraction. Statistical agencies
answer both with tabular disclosure control; we use its simplest sound form, a fixed partition:

- Aggregate-only assessments are grouped into **cells**, one per cycle. A cell contributes to a
  figure whole or not at all, and only if it holds at least ``AGGREGATE_MIN_GROUP`` of them
  (the threshold rule).
- A view whose filter would cut a cell (a region, sub-region, North/South, status or single
  country) counts no aggregate-only assessment at all. A cycle filter selects whole cells; no
  filter selects the union of the cells that pass.
- A figure over a sub-population (the legislative rows count only assessments whose
  legislation section is complete, and the per-criterion rows only those with some law that
  is not sufficient) applies the same rule to each cell's part in that sub-population.

So the aggregate-only part of any published figure is a union of whole blocks of at least the
threshold; the difference of two figures is again such a union, or nothing. Trend figures
(countries present in two cycles) cannot be built from whole cells, so they count named
assessments only. How many a view leaves out is itself a figure: it is said only where it is
safe (`left_out_said`), elsewhere the view says that some may be left out.

This module knows rows and cells only; the comparison decides which rows a view holds, whether
its filter keeps the cells whole, and calls it (no import of the comparison here).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from django.conf import settings


class _Row(Protocol):
    # Read-only, so that frozen dataclasses (comparison.Row) fit.
    @property
    def named(self) -> bool: ...
    @property
    def cycle(self) -> int: ...
    @property
    def uuid(self) -> str: ...


R = TypeVar("R", bound=_Row)


def min_group() -> int:
    return int(settings.AGGREGATE_MIN_GROUP)


@dataclass(frozen=True)
class Counted(Generic[R]):
    """The rows one published figure may count, and what it may say about the aggregate-only
    rows of its population that it leaves out."""

    rows: list[R]
    hidden: frozenset[str]  # uuids of the aggregate-only rows counted
    left_out: int | None  # as published: a number, or None for "some may be" (left_out_said)
    left_out_actual: int = 0  # never published: for the tests of this rule


def left_out_said(left_out: int, whole: bool) -> int | None:
    """What a view may say about the aggregate-only assessments it leaves out: how many only
    where that number is safe, a view of whole cells and at least `min_group()` of them (in
    practice the all-cycles view: one cell is left out only when it is smaller); 0 when a
    view of whole cells leaves none out; otherwise None, "some may be left out". A view that
    cuts cells always says None, whatever its part holds, so that the sentence itself does not
    tell where aggregate-only countries are (a region, North/South, a status)."""
    if not whole:
        return None
    if left_out == 0 or left_out >= min_group():
        return left_out
    return None


def counted(
    rows: Sequence[R],
    whole: bool,
    population: Callable[[R], bool] = lambda r: True,
) -> Counted[R]:
    """Named rows of the population, plus the aggregate-only ones of every cell (cycle) that
    has at least `min_group()` of them in the population, when the view keeps cells `whole`."""
    members = [r for r in rows if population(r)]
    named = [r for r in members if r.named]
    cells: dict[int, list[R]] = defaultdict(list)
    for r in members:
        if not r.named:
            cells[r.cycle].append(r)
    hidden: list[R] = []
    if whole:
        for cell in cells.values():
            if len(cell) >= min_group():
                hidden += cell
    left_out = sum(len(c) for c in cells.values()) - len(hidden)
    return Counted(
        named + hidden,
        frozenset(r.uuid for r in hidden),
        left_out_said(left_out, whole),
        left_out,
    )
