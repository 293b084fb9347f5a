"""What the comparison keeps per process between requests (issue 27), and its keys.

A comparison row is drawn from its assessment, the cycle's sharing choice, the scores stored
when it was frozen and its country. Stored scores never change in place (freezing again writes
a new `frozen_at`, returning the assessment deletes them), so a row of stored scores is kept
under every value it is drawn from (`ROW_KEY`; the assessment's id stands for its uuid, which
never changes), read in the query that selects the rows: any change (a status, a sharing
choice, a new freezing, a renamed demo country) is another key, and the old entry is simply
never asked for again. Rows scored live are never kept. What is derived from the rows
(aggregates, the matrix's HTML) is kept under the comparison's key, made of its rows' keys
(`comparison.Comparison.key`). The least recently used entries go first when a store is full.

A new field of Assessment, Country or FrozenScores that a row shows must be added to ROW_KEY.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast

from assessment.models import Assessment

ROW_KEY = (
    "pk",
    "cycle",
    "revision",
    "status",
    "cycle_sharing",
    "mnr_version_id",
    "legislation_version_id",
    "frozen_stamp",  # `stamped`
    "frozen_scores__mnr_version_id",
    "frozen_scores__legislation_version_id",
    "country__code",
    "country__region_code",
    "country__region_name",
    "country__subregion_code",
    "country__subregion_name",
    "country__hemisphere",
    "country__is_demo",
    "country__demo_name",
)


def stamped(assessments: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """With `frozen_stamp`: when the stored scores were frozen, as the database writes it in
    text (None: none stored). Text, as Django's reading of a time with its time zone cost a
    tenth of the matrix's time at 588 rows; read alike for the keys and for the rows."""
    return assessments.annotate(frozen_stamp=Cast("frozen_scores__frozen_at", CharField()))


def key_of(a: Assessment) -> tuple[Any, ...]:
    """ROW_KEY's values of an assessment read from a `stamped` query, as
    `values_list(*ROW_KEY)` reads them (no stored scores: None)."""
    values = []
    for path in ROW_KEY:
        value: Any = a
        for name in path.split("__"):
            value = getattr(value, name, None)  # RelatedObjectDoesNotExist is an AttributeError
        values.append(value)
    return tuple(values)


V = TypeVar("V")


class Store(Generic[V]):
    """At most `size` values by key, the least recently used dropped first; safe across
    threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: dict[Hashable, V] = {}
        self._lock = threading.Lock()
        _STORES.append(self)

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._values.pop(key, None)
            if value is not None:
                self._values[key] = value  # now the most recent
        return value

    def put(self, key: Hashable, value: V) -> V:
        with self._lock:
            while len(self._values) >= self.size:
                del self._values[next(iter(self._values))]
            self._values[key] = value
        return value

    def __setitem__(self, key: Hashable, value: V) -> None:
        self.put(key, value)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


_STORES: list[Store[Any]] = []


def clear() -> None:
    """Forget everything kept (tests; nothing kept is ever wrong, only unused)."""
    for store in _STORES:
        store.clear()
