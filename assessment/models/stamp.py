"""The stamp that every write to the data kept between requests replaces (`assessment.stamp`
reads it and says who keeps what under it), and the querysets whose signal-less writes replace
it too."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models, transaction

M = TypeVar("M", bound=models.Model)


class WriteStamp(models.Model):
    """One row, whose token every write to an assessment, a country, stored scores or a
    framework version replaces in the writer's transaction: the key under which the peers and
    the secretariat's comparison keep what they read between requests. A random token rather
    than a counter, so that a write rolled back never leaves its key to be found again by the
    next one."""

    token = models.BigIntegerField()

    def __str__(self) -> str:
        return str(self.token)

    @staticmethod
    def replace(using: str) -> None:
        """A new token (the row again if a test's flush took it: until then nothing is kept)."""
        token = secrets.randbits(63)
        stamps = WriteStamp.objects.using(using)
        if not stamps.filter(pk=1).update(token=token):
            stamps.bulk_create([WriteStamp(pk=1, token=token)], ignore_conflicts=True)


class StampingQuerySet(models.QuerySet[M]):
    """Writes that send no signal replace the stamp as a save or a delete does (`stamp.connect`):
    in the writer's transaction, since each is one statement."""

    def update(self, **kwargs: Any) -> int:
        with transaction.atomic(using=self.db, savepoint=False):
            count = super().update(**kwargs)
            WriteStamp.replace(self.db)
        return count

    def bulk_create(self, objs: Iterable[M], *args: Any, **kwargs: Any) -> list[M]:
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            WriteStamp.replace(self.db)
        return created

    def bulk_update(self, objs: Iterable[M], *args: Any, **kwargs: Any) -> int:
        with transaction.atomic(using=self.db, savepoint=False):
            count = super().bulk_update(objs, *args, **kwargs)
            WriteStamp.replace(self.db)
        return count
