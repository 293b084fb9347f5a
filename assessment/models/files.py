"""Bytes kept in the database: evidence files (in pieces) and a workbook waiting for its
confirmation."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from frameworks.models import Capability

from .assessments import Assessment


class EvidenceFile(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="evidence_files"
    )
    capability = models.ForeignKey(Capability, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=100, unique=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class EvidenceChunk(models.Model):
    """One piece (at most 1 MiB) of an evidence file's bytes. The bytes are in the database, so
    every app process and the worker read the same ones, and a backup of the database holds
    answers and evidence together (assessment/evidence_store.py, docs/backup.md)."""

    file = models.ForeignKey(EvidenceFile, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["file", "index"], name="evidence_chunk_in_order")
        ]

    def __str__(self) -> str:
        return f"{self.file_id}:{self.index}"


# What each recorded action is called on the pages (the codes stay in the data and the CSV).


class PendingWorkbook(models.Model):
    """An uploaded questionnaire workbook between its preview and its confirmation, one per
    person and assessment (assessment/workbook/preview.py). In the database, not on a disk, so
    the confirmation works on whichever app server it reaches; the session holds `key` only."""

    class Kind(models.TextChoices):
        XLSX = "xlsx", "XLSX"
        ODS = "ods", "ODS"

    key = models.CharField(max_length=32, unique=True)  # secrets.token_urlsafe(24)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    data = models.BinaryField()  # at most WORKBOOK_MAX_UPLOAD_BYTES, checked before it is kept
    versions = models.JSONField(default=dict)  # the answer versions the preview showed
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "assessment"], name="one_pending_workbook")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.assessment_id} until {self.expires_at:%Y-%m-%d %H:%M}"
