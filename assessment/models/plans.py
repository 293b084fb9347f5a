"""Targets, the action plan, and the scores frozen at submission."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from frameworks.models import Capability, Criterion, FrameworkVersion

from .assessments import Assessment
from .stamp import StampingQuerySet


class TargetLevel(models.Model):
    """A target raised above the framework's default for one capability, with the reason."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="targets")
    capability = models.ForeignKey(Capability, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    reason = models.TextField()
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "capability"], name="one_target_each")
        ]

    def __str__(self) -> str:
        return f"{self.capability_id} → {self.level}"


class Action(models.Model):
    """One line of the action plan. Generated from a gap (gap_key set) or added by hand."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    CLOSED = (Status.DONE, Status.DROPPED)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="actions")
    gap_key = models.CharField(max_length=60, blank=True)
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    capability = models.ForeignKey(
        Capability, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recommendations = models.JSONField(default=list, blank=True)  # codes, e.g. ["R07"]
    lead_agency = models.CharField(max_length=200, blank=True)
    supporting_agencies = models.CharField(max_length=500, blank=True)
    start_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    priority = models.PositiveSmallIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(due_date__isnull=True)
                | Q(due_date__gte=models.F("start_date")),
                name="action_due_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "in_progress", "done", "dropped"]),
                name="action_status_is_a_choice",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: object) -> bool:
        return (
            self.due_date is not None and self.status not in self.CLOSED and self.due_date < today  # type: ignore[operator]
        )


class FrozenScores(models.Model):
    """An assessment's scores as computed when it was submitted or validated, with the
    framework versions they used (`assessment.frozen` writes and reads them)."""

    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, primary_key=True, related_name="frozen_scores"
    )
    data = models.JSONField()  # frozen.to_json(scores)
    mnr_version = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="+")
    legislation_version = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="+"
    )
    frozen_at = models.DateTimeField(auto_now=True)

    objects = StampingQuerySet["FrozenScores"].as_manager()

    class Meta:
        verbose_name = _("frozen scores")
        verbose_name_plural = _("frozen scores")

    def __str__(self) -> str:
        return f"{self.assessment} (scores of {self.frozen_at:%Y-%m-%d})"
