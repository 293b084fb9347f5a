"""The change log: who changed what, when, before and after."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .assessments import Assessment
from .countries import Country

AUDIT_ACTION_LABELS = {
    "action.moved": _("Action moved"),
    "action.removed": _("Action removed"),
    "action.saved": _("Action saved"),
    "answer.saved": _("Answer saved"),
    "api_token.issued": _("API token issued"),
    "api_token.revoked": _("API token revoked"),
    "assessment.reopened": _("Assessment reopened"),
    "assessment.started": _("Assessment started"),
    "assignment.changed": _("Assignment changed"),
    "comment.added": _("Comment added"),
    "criterion.saved": _("Criterion answer saved"),
    "evidence.added": _("Evidence file attached"),
    "evidence.removed": _("Evidence file removed"),
    "invitation.sent": _("Invitation sent"),
    "membership.added": _("Member added"),
    "membership.changed": _("Member's role changed"),
    "membership.removed": _("Member removed"),
    "password.changed": _("Password changed"),
    "password.reset": _("Password reset by email"),
    "plan.generated": _("Action plan generated"),
    "section.not_assessed": _("Section marked not assessed"),
    "sharing.changed": _("Sharing changed"),
    "language.changed": _("Working language changed"),
    "status.changed": _("Status changed"),
    "target.changed": _("Target level changed"),
    # Running a cycle (cycles/, issue 26).
    "alliance.member_added": _("Alliance member added"),
    "alliance.member_changed": _("Alliance membership changed"),
    "alliance.focal_point_added": _("Focal point added"),
    "cycle.opened": _("Cycle opened"),
    "cycle.deadline_extended": _("Deadline extended"),
    "reminder.sent": _("Reminder sent"),
}


class AuditEvent(models.Model):
    """Append-only record of every change: who, when, what, before and after.

    Written only by assessment.audit.record(); never updated or deleted by the app.
    """

    # Empty only for changes to secretariat staff, who belong to no country.
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)  # kept if the user is deleted
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=50)
    subject = models.CharField(max_length=100, blank=True)  # e.g. a capability code
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            # One answer's history, newest first (the capability page and its history page):
            # without it, every autosave ever made to the assessment is read and sorted.
            models.Index(
                fields=["assessment", "subject", "-at", "-id"], name="auditevent_subject_latest"
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.subject}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are append-only.")

    @property
    def action_label(self) -> str:
        return str(AUDIT_ACTION_LABELS.get(self.action, self.action))
