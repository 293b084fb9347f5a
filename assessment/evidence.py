"""Evidence files: type checked by content, stored outside static under a generated name,
served only through a view that applies the assessment's access rules."""

from __future__ import annotations

import struct
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedET
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from frameworks.models import Capability

from . import audit
from .evidence_store import evidence_store
from .models import Assessment, EvidenceFile

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", DOCX: "docx", XLSX: "xlsx", ODT: "odt"}
# Extensions a user's file name may keep for each type (EXTENSIONS' is used when it has none).
NAME_EXTENSIONS = {kind: {ext} for kind, ext in EXTENSIONS.items()} | {JPEG: {"jpg", "jpeg"}}
NAME_MAX_LENGTH = 255  # EvidenceFile.original_name


class EvidenceRejected(Exception):
    """The upload is refused; the message says why, for the user."""


# Limits on ZIP-based uploads (DOCX, XLSX, ODT), checked on the sizes the archive *declares*
# before anything is inflated. Python's zipfile never returns more than a member's declared
# size, so bounding the declared sizes bounds what any later reader (this module, openpyxl)
# can be made to unpack, however the compressed bytes were crafted.
#
# Real documents hold tens to a few hundred members; 5,000 leaves room for a report with
# thousands of images while refusing archives built only to exhaust memory.
MAX_ARCHIVE_MEMBERS = 5_000
# zipfile builds one object (~500 bytes) per central-directory entry before we can count them,
# and its loop follows the directory's byte size, not the declared entry count; so the size is
# checked first. 1 MiB is ~5,000 entries with 150-character names.
MAX_CENTRAL_DIRECTORY_BYTES = 1024 * 1024
# Office XML compresses about 5-20 times, so a 20 MB upload unpacks to well under this.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
# Apache POI's zip-bomb guard refuses members inflating more than 100 times; real documents stay
# far below, runs of zeros reach 1,000. Small members are exempt: they cannot hurt, and a tiny
# file of repeated characters legitimately compresses well.
MAX_COMPRESSION_RATIO = 100
RATIO_EXEMPT_BYTES = 1024 * 1024
# What we read of the member that proves the type; real ones are a few KB.
CONTENT_TYPES_MAX_BYTES = 1024 * 1024
ODT_MIMETYPE_MAX_BYTES = 256

# Errors zipfile raises on damaged, encrypted or unsupported archives (it has no common base).
ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    KeyError,
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    struct.error,
    zlib.error,
)

OPC_CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
# The main part's content type is what makes a package a Word document or a workbook; the
# macro-enabled (docm/xlsm) and template types are deliberately not here.
OFFICE_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}

Archive = UploadedFile | BinaryIO


def max_bytes() -> int:
    return int(settings.EVIDENCE_MAX_UPLOAD_BYTES)


def _refused(reason: str) -> EvidenceRejected:
    return EvidenceRejected(_("The archive is refused: %(reason)s") % {"reason": reason})


def _check_central_directory(file: Archive) -> None:
    # zipfile has no public way to read the end record before it parses the whole directory.
    end = zipfile._EndRecData(file)  # type: ignore[attr-defined]
    if end is None:
        raise zipfile.BadZipFile("no end of central directory")
    if (
        end[zipfile._ECD_ENTRIES_TOTAL] > MAX_ARCHIVE_MEMBERS  # type: ignore[attr-defined]
        or end[zipfile._ECD_SIZE] > MAX_CENTRAL_DIRECTORY_BYTES  # type: ignore[attr-defined]
    ):
        raise _refused(_("it holds more than %(n)s files.") % {"n": MAX_ARCHIVE_MEMBERS})


def _check_members(archive: zipfile.ZipFile, max_unpacked_bytes: int) -> None:
    members = archive.infolist()
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise _refused(_("it holds more than %(n)s files.") % {"n": MAX_ARCHIVE_MEMBERS})
    too_big = _refused(
        _("its contents would unpack to more than %(mb)s MB.")
        % {"mb": max_unpacked_bytes // (1024 * 1024)}
    )
    total = 0
    for member in members:
        total += member.file_size
        if total > max_unpacked_bytes:
            raise too_big
        if (
            member.file_size > RATIO_EXEMPT_BYTES
            and member.file_size > member.compress_size * MAX_COMPRESSION_RATIO
        ):
            raise _refused(
                _(
                    "a file inside it is compressed more than %(ratio)s times, "
                    "which real documents never are."
                )
                % {"ratio": MAX_COMPRESSION_RATIO}
            )


@contextmanager
def open_checked_archive(
    file: Archive, *, max_unpacked_bytes: int = MAX_UNPACKED_BYTES
) -> Iterator[zipfile.ZipFile]:
    """The upload opened as a ZIP archive, once its declared member count, sizes and compression
    ratios are within the limits above. Raises EvidenceRejected (message for the user) if not,
    and zipfile's own errors (see ARCHIVE_ERRORS) if it is not a readable archive. Reading a
    member then inflates at most its declared size; read with a cap anyway."""
    file.seek(0)
    try:
        _check_central_directory(file)
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            _check_members(archive, max_unpacked_bytes)
            yield archive
    finally:
        file.seek(0)


def check_archive(file: Archive, *, max_unpacked_bytes: int = MAX_UNPACKED_BYTES) -> None:
    """Refuse an uploaded ZIP-based file (DOCX, XLSX, ODT) that is not a readable archive or
    that could unpack into far more than it weighs: raises EvidenceRejected with the reason,
    for the user. Call it before handing the file to a parser such as openpyxl."""
    try:
        with open_checked_archive(file, max_unpacked_bytes=max_unpacked_bytes):
            pass
    except ARCHIVE_ERRORS as error:
        raise _refused(_("it is damaged or not a ZIP file.")) from error


def _read_capped(archive: zipfile.ZipFile, name: str, cap: int) -> bytes | None:
    """The member's bytes, or None if it is longer than the cap."""
    with archive.open(name) as member:
        data = member.read(cap + 1)
    return data if len(data) <= cap else None


def _office_type(archive: zipfile.ZipFile) -> str | None:
    # Part names are case-insensitive in Office packages; ZIP names are not.
    names = {name.lower(): name for name in archive.namelist()}
    if "[content_types].xml" in names:
        data = _read_capped(archive, names["[content_types].xml"], CONTENT_TYPES_MAX_BYTES)
        if data is None:
            return None
        try:
            # No DTD has any business in this file; refusing them also stops entity expansion.
            root = DefusedET.fromstring(data, forbid_dtd=True)
        except (DefusedET.ParseError, DefusedXmlException):
            return None
        if root.tag != f"{OPC_CONTENT_TYPES}Types":
            return None
        for override in root.iter(f"{OPC_CONTENT_TYPES}Override"):
            kind = OFFICE_MAIN_PARTS.get(override.get("ContentType", "").strip().lower())
            part = override.get("PartName", "").lstrip("/").lower()
            if kind and part in names:
                return kind
        return None
    if "mimetype" in names:
        data = _read_capped(archive, names["mimetype"], ODT_MIMETYPE_MAX_BYTES)
        if data is not None and data.strip() == ODT.encode():
            return ODT
    return None


def sniff(upload: Archive) -> str | None:
    """The file's type from its bytes (never its name), or None if not an accepted type.
    Raises EvidenceRejected for a ZIP archive outside the limits above (a likely zip bomb)."""
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
            with open_checked_archive(upload) as archive:
                return _office_type(archive)
        except ARCHIVE_ERRORS:
            return None
    return None


def download_name(name: str, content_type: str) -> str:
    """The name to offer the file under: its extension is the detected type's, so a PDF named
    "report.html" is saved as "report.pdf" (a matching extension, in any case, is kept)."""
    allowed = NAME_EXTENSIONS.get(content_type)
    if not allowed:
        return name
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and suffix.lower() in allowed and len(name) <= NAME_MAX_LENGTH:
        return name
    base = (stem if dot else name) or "evidence"
    extension = f".{EXTENSIONS[content_type]}"
    return base[: NAME_MAX_LENGTH - len(extension)] + extension


@transaction.atomic
def evidence_add(
    *, assessment: Assessment, capability: Capability, upload: UploadedFile, user: User
) -> EvidenceFile:
    size = upload.size or 0  # None only for a file object that cannot tell its size
    if size > max_bytes():
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
    record = EvidenceFile.objects.create(
        assessment=assessment,
        capability=capability,
        original_name=download_name(Path(upload.name or "evidence").name, content_type),
        # The name the bytes were kept under on disk before they moved to the database; kept
        # unique, as exports and the migration command (evidence_to_database) name files by it.
        stored_name=f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}",
        content_type=content_type,
        size=size,
        sha256="",
        uploaded_by=user,
    )
    # In the same transaction: a failure here leaves neither the record nor any of its bytes.
    record.sha256 = evidence_store(record=record, pieces=upload.chunks())
    record.save(update_fields=["sha256"])
    audit.record(
        actor=user,
        action="evidence.added",
        country=assessment.country,
        assessment=assessment,
        subject=capability.code,
        after={"file": record.original_name, "sha256": record.sha256, "size": record.size},
    )
    return record


@transaction.atomic
def evidence_remove(*, record: EvidenceFile, user: User) -> None:
    audit.record(
        actor=user,
        action="evidence.removed",
        country=record.assessment.country,
        assessment=record.assessment,
        subject=record.capability.code,
        before={"file": record.original_name, "sha256": record.sha256},
    )
    record.delete()  # its stored bytes with it (EvidenceChunk, on_delete CASCADE)
