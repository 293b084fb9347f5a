"""What is kept between requests under the write stamp (`models.WriteStamp`), and the writes
that replace it.

Two readers keep what they read per process under the stamp, and read only the stamp (one
row) while it holds: the plan page's peers (`assessment.peers`) and the secretariat's
comparison (`secretariat.comparison`: which rows the matrix shows and their keys, and the
filters' choices). Both are drawn from assessments, countries, stored scores and framework
versions alone, and every write to those replaces the stamp in its own transaction:

- a save or a delete (the signals `connect` connects, from the app's `ready`), and an
  `update`, `bulk_create` or `bulk_update` of their querysets, which send no signal
  (`models.StampingQuerySet`); a framework version is written only by the loader, one save
  per version;
- a save outside a transaction (autocommit) commits a moment before its stamp does: a page
  read in that moment may keep what it read before it, until the stamp commits; the
  workflow's changes are each one transaction;
- a reader reads the stamp before what it keeps, so what is kept is never older than its
  stamp (a write committed in between is in what was read, and its new stamp makes the next
  request read again);
- the token is random: a write rolled back leaves the previous stamp, whose data are the ones
  kept before it, and its own token is never met again.

With no stamp row (a test's flush), nothing is kept and every call reads afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Protocol, TypeVar

from django.db import connections, router
from django.db.models.signals import post_delete, post_save

from frameworks.models import FrameworkVersion

from .models import Assessment, Country, FrozenScores, WriteStamp

WATCHED = (Assessment, Country, FrozenScores, FrameworkVersion)


def current(using: str) -> int | None:
    """The stamp's token (None: no row, keep nothing)."""
    # A plain statement: the ORM's compilation cost more than the query.
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT token FROM {WriteStamp._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    return None if row is None else int(row[0])


V = TypeVar("V")


class Store(Protocol[V]):
    """Where a reader keeps what it read: `(token, value)` by key (a dict, or
    `secretariat.kept.Store`, bounded)."""

    def get(self, key: Hashable, /) -> tuple[int, V] | None: ...

    def __setitem__(self, key: Hashable, value: tuple[int, V], /) -> None: ...


def read_kept(store: Store[V], key: Hashable, read: Callable[[str], V]) -> V:
    """`read(using)` on the assessments' database, or what `store` kept of it under `key`
    while the stamp is the one it was read under. The stamp is read first, so what is kept is
    never older than its stamp; with no stamp row, nothing is kept."""
    using = router.db_for_read(Assessment)
    token = current(using)
    found = store.get((using, key)) if token is not None else None
    if found is not None and found[0] == token:
        return found[1]
    value = read(using)
    if token is not None:
        store[(using, key)] = (token, value)
    return value


def _replace(sender: type[Any], using: str, **kwargs: Any) -> None:
    WriteStamp.replace(using)


def connect() -> None:
    """Every save and delete of the watched models replaces the stamp."""
    for model in WATCHED:
        name = model.__name__
        post_save.connect(_replace, sender=model, dispatch_uid=f"stamp-{name}")
        post_delete.connect(_replace, sender=model, dispatch_uid=f"stamp-d-{name}")
