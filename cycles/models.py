"""Running a cycle: which countries are alliance members, their focal points, the cycle with
its deadline (extended per country, with a reason), the reminders sent and the bulk exports."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessment.models import Country, Invitation
from frameworks.models import FrameworkVersion


class AllianceMemberQuerySet(models.QuerySet["AllianceMember"]):
    def current(self) -> AllianceMemberQuerySet:
        return self.filter(left_on__isnull=True)


class AllianceMember(models.Model):
    """A member country of the alliance, since when (and until when, if it left)."""

    country = models.OneToOneField(Country, on_delete=models.PROTECT, related_name="alliance")
    member_since = models.DateField(_("member since"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = AllianceMemberQuerySet.as_manager()

    class Meta:
        ordering = ["country"]

    def __str__(self) -> str:
        return str(self.country)


class FocalPoint(models.Model):
    """A member's government focal point, invited from the app to become its coordinator."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey(
        AllianceMember, on_delete=models.CASCADE, related_name="focal_points"
    )
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email"))
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    # The latest invitation sent (a re-sent invitation replaces it); accepted: the account.
    invitation = models.ForeignKey(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["member", "name"]
        constraints = [
            models.UniqueConstraint(fields=["member", "email"], name="one_focal_point_per_email")
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Cycle(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    opens_on = models.DateField(_("opening date"))
    deadline = models.DateField(_("submission deadline"))
    mnr_version = models.ForeignKey(
        FrameworkVersion, models.PROTECT, related_name="+", verbose_name=_("MNR framework version")
    )
    legislation_version = models.ForeignKey(
        FrameworkVersion,
        models.PROTECT,
        related_name="+",
        verbose_name=_("legislative criteria version"),
    )
    recommendations_version = models.ForeignKey(
        FrameworkVersion,
        models.PROTECT,
        related_name="+",
        verbose_name=_("recommendations version"),
    )
    message = models.TextField(_("message to the countries"), blank=True, max_length=5000)
    # Days before the deadline on which the coordinator is reminded, e.g. [14, 7, 1].
    reminder_days = models.JSONField(default=list)
    opened_at = models.DateTimeField(null=True, blank=True)  # invitations sent
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("opens_on")), name="deadline_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="cycle_year_is_plausible"
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)


class DeadlineExtension(models.Model):
    """A country's own deadline in a cycle; the latest one recorded is in force."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="extensions")
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+")
    deadline = models.DateField(_("new deadline"))
    reason = models.TextField(_("reason"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "country", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.country} {self.cycle}: {self.deadline}"


class ReminderRecord(models.Model):
    """One reminder email sent. `key` says which (cycle, person, deadline, step): it is unique,
    so the same reminder is never sent twice; (person, day) is unique too, so nobody gets more
    than one reminder a day, whichever worker or tick tries."""

    key = models.CharField(max_length=200, unique=True)
    # None for a contributors' reminder of an assessment whose year has no cycle row.
    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=40)
    day = models.DateField()
    sent_by = models.ForeignKey(  # the coordinator who clicked, for contributors' reminders
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="one_reminder_a_day_per_person")
        ]

    def __str__(self) -> str:
        return self.key


class ReminderOptOut(models.Model):
    """The person asked for no reminder emails."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_opt_out"
    )
    since = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.user)


class BulkExport(models.Model):
    """A cycle's validated plans and scores as one ZIP, built by the worker."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.cycle} export {self.created_at:%Y-%m-%d %H:%M}"
