"""An uploaded workbook waiting for its confirmation, kept on the server (issue 22 §4).

Kept in the session, a big preview made the session row 6.6 MB and every page of that person
2.6 times slower. The file now waits in the database (PendingWorkbook) under a random key, with
the person, the assessment and the answer versions the preview showed; the session holds the
key only. In the database rather than on a disk because the app runs on several servers: the
confirmation may reach another one than the upload did (evidence files are there for the same
reason). One per person and assessment: a new upload replaces it. A preview older than
PREVIEW_MAX_AGE_SECONDS is refused and deleted, and each new upload deletes everyone's expired
ones.
"""

from __future__ import annotations

import datetime
import io
import secrets
import zipfile
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone

from ..models import Assessment, PendingWorkbook
from .read import ODS, ODS_MIMETYPE, XLSX, check_size

PREVIEW_MAX_AGE_SECONDS = 3600


@dataclass(frozen=True)
class Pending:
    key: str
    data: bytes
    versions: dict[str, int]


def _expiry(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(seconds=PREVIEW_MAX_AGE_SECONDS)


def _kind(data: bytes) -> str:
    """XLSX or ODS, of a file read.check_file accepted: an ODS names its type in `mimetype`."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if "mimetype" in archive.namelist():
            if archive.open("mimetype").read(256).strip() == ODS_MIMETYPE:
                return ODS
    return XLSX


def preview_save(
    *, user: User, assessment: Assessment, data: bytes, versions: dict[str, int]
) -> str:
    """Keep the file until it is confirmed, in place of this person's earlier one for this
    assessment; the key to give the session."""
    check_size(len(data))  # read already did; the row is never larger than an upload may be
    now = timezone.now()
    PendingWorkbook.objects.filter(expires_at__lte=now).delete()
    key = secrets.token_urlsafe(24)
    PendingWorkbook.objects.update_or_create(
        user=user,
        assessment=assessment,
        defaults={
            "key": key,
            "kind": _kind(data),
            "data": data,
            "versions": versions,
            "created_at": now,
            "expires_at": _expiry(now),
        },
    )
    return key


def preview_load(key: object, *, user: User, assessment: Assessment) -> Pending | None:
    """The pending file of this key if it is this person's, for this assessment, and not
    expired; None otherwise (an expired one is deleted)."""
    if not isinstance(key, str) or not key:
        return None
    row = PendingWorkbook.objects.filter(key=key, user=user, assessment=assessment).first()
    if row is None:
        return None
    if row.expires_at <= timezone.now():
        row.delete()
        return None
    return Pending(row.key, bytes(row.data), dict(row.versions))  # PostgreSQL: a memoryview


def preview_update(pending: Pending, versions: dict[str, int]) -> None:
    """The versions a new preview of the same file showed (after an online change); the person
    has a new hour to confirm it."""
    now = timezone.now()
    PendingWorkbook.objects.filter(key=pending.key, expires_at__gt=now).update(
        versions=versions, expires_at=_expiry(now)
    )


def preview_delete(key: object, *, user: User) -> None:
    if isinstance(key, str) and key:
        PendingWorkbook.objects.filter(key=key, user=user).delete()
