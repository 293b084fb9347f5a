"""Evidence files: type checked by content, stored outside static under a generated name,
served only through a view that applies the assessment's access rules."""

from __future__ import annotations

import hashlib
import uuid
import zipfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from frameworks.models import Capability

from . import audit
from .models import Assessment, EvidenceFile

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", DOCX: "docx", XLSX: "xlsx", ODT: "odt"}


class EvidenceRejected(Exception):
    """The upload is refused; the message says why, for the user."""


def max_bytes() -> int:
    return int(settings.EVIDENCE_MAX_UPLOAD_BYTES)


def storage_dir() -> Path:
    return Path(settings.EVIDENCE_ROOT)


def sniff(upload: UploadedFile) -> str | None:
    """The file's type from its bytes (never its name), or None if not an accepted type."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
                if "[Content_Types].xml" in names and "word/document.xml" in names:
                    return DOCX
                if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                    return XLSX
                if "mimetype" in names and archive.read("mimetype").strip() == ODT.encode():
                    return ODT
        except (zipfile.BadZipFile, KeyError, OSError):
            return None
        finally:
            upload.seek(0)
    return None


@transaction.atomic
def evidence_add(
    *, assessment: Assessment, capability: Capability, upload: UploadedFile, user: AbstractBaseUser
) -> EvidenceFile:
    if upload.size > max_bytes():
        raise EvidenceRejected(
            _("The file is larger than %(mb)s MB.") % {"mb": max_bytes() // (1024 * 1024)}
        )
    content_type = sniff(upload)
    if content_type is None:
        raise EvidenceRejected(
            _(
                "Only PDF, Word (DOCX), Excel (XLSX), OpenDocument text (ODT), PNG and JPEG "
                "files are accepted; this file's content is none of them."
            )
        )
    stored_name = f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}"
    directory = storage_dir()
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    path = directory / stored_name
    with path.open("xb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    try:
        record = EvidenceFile.objects.create(
            assessment=assessment,
            capability=capability,
            original_name=Path(upload.name or "evidence").name[:255],
            stored_name=stored_name,
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=user,
        )
        audit.record(
            actor=user,
            action="evidence.added",
            country=assessment.country,
            assessment=assessment,
            subject=capability.code,
            after={"file": record.original_name, "sha256": record.sha256, "size": record.size},
        )
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return record


@transaction.atomic
def evidence_remove(*, record: EvidenceFile, user: AbstractBaseUser) -> None:
    audit.record(
        actor=user,
        action="evidence.removed",
        country=record.assessment.country,
        assessment=record.assessment,
        subject=record.capability.code,
        before={"file": record.original_name, "sha256": record.sha256},
    )
    path = storage_dir() / record.stored_name
    record.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


def evidence_path(record: EvidenceFile) -> Path:
    return storage_dir() / record.stored_name
