"""An uploaded workbook waiting for its confirmation, kept on the server (issue 22 §4).

Kept in the session, a big preview made the session row 6.6 MB and every page of that person
2.6 times slower. The file now waits in WORKBOOK_PREVIEW_ROOT under a random key, with the
person, the assessment and the answer versions the preview showed; the session holds the key
only. A preview older than PREVIEW_MAX_AGE_SECONDS is refused and deleted (each new upload
sweeps the old ones). With several app servers the folder is shared, as EVIDENCE_ROOT is.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User

from ..models import Assessment

PREVIEW_MAX_AGE_SECONDS = 3600
KEY = re.compile(r"^[A-Za-z0-9_-]{32}$")  # secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Pending:
    key: str
    data: bytes
    versions: dict[str, int]


def _root() -> Path:
    return Path(settings.WORKBOOK_PREVIEW_ROOT)


def _write(path: Path, data: bytes) -> None:
    # Whole or not at all: a reader never sees half a file.
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)


def _delete(key: str) -> None:
    for suffix in (".json", ".xlsx"):
        (_root() / f"{key}{suffix}").unlink(missing_ok=True)


def _sweep() -> None:
    limit = time.time() - PREVIEW_MAX_AGE_SECONDS
    for path in _root().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:  # swept by another worker meanwhile
            pass


def preview_save(
    *, user: User, assessment: Assessment, data: bytes, versions: dict[str, int]
) -> str:
    """Keep the file until it is confirmed; the key to give the session."""
    _root().mkdir(parents=True, exist_ok=True)
    _sweep()
    key = secrets.token_urlsafe(24)
    _write(_root() / f"{key}.xlsx", data)
    meta = {"user": user.pk, "assessment": str(assessment.uuid), "versions": versions}
    _write(_root() / f"{key}.json", json.dumps(meta).encode())  # last: the file is complete
    return key


def preview_load(key: object, *, user: User, assessment: Assessment) -> Pending | None:
    """The pending file of this key if it is this person's, for this assessment, and not
    expired; None otherwise (an expired one is deleted)."""
    if not isinstance(key, str) or not KEY.match(key):
        return None
    meta_path = _root() / f"{key}.json"
    try:
        age = time.time() - meta_path.stat().st_mtime
        meta = json.loads(meta_path.read_bytes())
        data = (_root() / f"{key}.xlsx").read_bytes()
    except (OSError, ValueError):
        return None
    if age > PREVIEW_MAX_AGE_SECONDS:
        _delete(key)
        return None
    if meta.get("user") != user.pk or meta.get("assessment") != str(assessment.uuid):
        return None
    return Pending(key, data, dict(meta["versions"]))


def preview_update(pending: Pending, versions: dict[str, int]) -> None:
    """The versions a new preview of the same file showed (after an online change)."""
    meta_path = _root() / f"{pending.key}.json"
    meta = json.loads(meta_path.read_bytes())
    meta["versions"] = versions
    _write(meta_path, json.dumps(meta).encode())


def preview_delete(key: object) -> None:
    if isinstance(key, str) and KEY.match(key):
        _delete(key)
