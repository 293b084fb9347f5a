"""A country's assessment of a cycle: its answers, assignments, waivers, comments and
invitations."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from frameworks.models import Capability, Criterion, FrameworkVersion, Indicator

from .countries import Country, Membership
from .stamp import StampingQuerySet


class AssessmentQuerySet(StampingQuerySet["Assessment"]):
    def with_frameworks(self) -> AssessmentQuerySet:
        return self.select_related(
            "country",
            "mnr_version__framework",
            "legislation_version__framework",
            "recommendations_version",
        )

    def with_cycle_sharing(self) -> AssessmentQuerySet:
        """Each row with `cycle_sharing`: how its country shares this cycle. A sharing choice
        belongs to the country and cycle, and the latest submitted revision's choice governs
        every revision of the cycle (a returned revision was submitted; a reopened copy not
        yet submitted was not); with none submitted, the row's own field. Every reader's
        rule starts here (docs/security.md, "One choice per country and cycle"). Same query."""
        submitted = (
            Assessment.objects.filter(
                country=OuterRef("country"),
                cycle=OuterRef("cycle"),
                status__in=Assessment.SUBMITTED_ONCE,
            )
            .order_by("-revision")
            .values("sharing")[:1]
        )
        return self.annotate(cycle_sharing=Coalesce(Subquery(submitted), F("sharing")))

    def of_cycles_shared_by_name(self) -> AssessmentQuerySet:
        """Rows whose country shares their cycle by name (`with_cycle_sharing`)."""
        return self.with_cycle_sharing().filter(
            cycle_sharing=Assessment.Sharing.NAMED  # type: ignore[misc]  # the annotation above
        )

    def representing(self) -> AssessmentQuerySet:
        """What the secretariat reads of each country and cycle: one row, the latest revision
        it sees (submitted or validated), with `cycle_sharing`. Superseded revisions are
        history, never a second row. Same query."""
        newer = Assessment.objects.filter(
            country=OuterRef("country"),
            cycle=OuterRef("cycle"),
            revision__gt=OuterRef("revision"),
            status__in=Assessment.SEEN_BY_SECRETARIAT,
        )
        return (
            self.with_cycle_sharing()
            .filter(status__in=Assessment.SEEN_BY_SECRETARIAT)
            .filter(~Exists(newer))
        )


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        VALIDATED = "validated", _("Validated")

    EDITABLE = (Status.DRAFT, Status.RETURNED)
    SEEN_BY_SECRETARIAT = (Status.SUBMITTED, Status.VALIDATED)
    # Revisions whose sharing choice was made at a submission (a returned one was submitted).
    SUBMITTED_ONCE = (Status.SUBMITTED, Status.VALIDATED, Status.RETURNED)

    class Sharing(models.TextChoices):
        NAMED = "named", _("Named: the secretariat may show our results by name")
        AGGREGATE = "aggregate", _("Aggregate only: count our results in anonymised totals only")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="assessments")
    cycle = models.PositiveSmallIntegerField(help_text=_("The year of the assessment cycle."))
    # A validated assessment is never edited again; reopening it makes revision n + 1.
    revision = models.PositiveSmallIntegerField(default=1)
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    sharing = models.CharField(max_length=20, choices=Sharing.choices, default=Sharing.NAMED)
    # The working language: its PDF, XLSX and CSV are produced in it unless another is asked
    # for. People's own interface language is separate (accounts.Profile.language).
    language = models.CharField(
        _("working language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    status_comment = models.TextField(blank=True)  # the secretariat's reason when returning
    # Pinned when the assessment starts; a new framework version never changes them.
    mnr_version = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="+")
    legislation_version = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="+"
    )
    recommendations_version = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["country", "-cycle"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "cycle", "revision"], name="one_assessment_per_cycle_revision"
            ),
            models.CheckConstraint(
                condition=Q(cycle__gte=2000, cycle__lte=2100), name="cycle_is_a_plausible_year"
            ),
        ]

    def __str__(self) -> str:
        if self.revision > 1:
            return f"{self.country} {self.cycle} (revision {self.revision})"
        return f"{self.country} {self.cycle}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class CapabilityAnswer(models.Model):
    class Response(models.TextChoices):
        LEVEL_0 = "0", _("Level 0")
        LEVEL_1 = "1", _("Level 1")
        LEVEL_2 = "2", _("Level 2")
        LEVEL_3 = "3", _("Level 3")
        LEVEL_4 = "4", _("Level 4")
        DONT_KNOW = "dont_know", _("Don't know")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="capability_answers"
    )
    capability = models.ForeignKey(Capability, on_delete=models.PROTECT, related_name="+")
    # Empty until someone chooses; a level is stored as its digit so that one column holds
    # the three kinds of answer (a level, "don't know", "not applicable").
    response = models.CharField(max_length=20, choices=Response.choices, blank=True)
    evidence = models.TextField(blank=True)
    share_with_peers = models.BooleanField(default=False)
    # Copied from the previous cycle and not yet confirmed: counts as not answered.
    to_confirm = models.BooleanField(default=False)
    # Incremented on every save; a save based on an older version is refused.
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "capability"], name="one_answer_per_capability"
            ),
            models.CheckConstraint(
                condition=Q(
                    response__in=["", "0", "1", "2", "3", "4", "dont_know", "not_applicable"]
                ),
                name="capability_response_is_a_choice",
            ),
        ]
        indexes = [
            # The action plan's peers (`peers.peers_for`): the few answers at the top level
            # that a country agreed to share, found without reading every answer.
            models.Index(
                fields=["capability", "assessment"],
                condition=Q(response="4", share_with_peers=True, to_confirm=False),
                name="shared_top_level_answers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}/{self.capability_id}: {self.response}"


class IndicatorAnswer(models.Model):
    class Value(models.TextChoices):
        YES = "yes", _("Yes")
        PARTLY = "partly", _("Partly")
        NO = "no", _("No")
        DONT_KNOW = "dont_know", _("Don't know")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="indicator_answers"
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=20, choices=Value.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "indicator"], name="one_answer_per_indicator"
            ),
            models.CheckConstraint(
                condition=Q(value__in=["yes", "partly", "no", "dont_know"]),
                name="indicator_value_is_a_choice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}/{self.indicator_id}: {self.value}"


class CriterionAnswer(models.Model):
    class Value(models.TextChoices):
        MET = "met", _("Met")
        NOT_MET = "not_met", _("Not met")
        DONT_KNOW = "dont_know", _("Don't know")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="criterion_answers"
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    # Empty while only the citation has been written.
    value = models.CharField(max_length=20, choices=Value.choices, blank=True)
    citation = models.TextField(blank=True)
    to_confirm = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="one_answer_per_criterion"
            ),
            models.CheckConstraint(
                condition=Q(value__in=["", "met", "not_met", "dont_know"]),
                name="criterion_value_is_a_choice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}/{self.criterion_id}: {self.value}"


LEGISLATION_SECTION = "legislation"


class Assignment(models.Model):
    """A contributor may edit a section (a domain code, or "legislation") of one assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    section = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "user", "section"], name="one_assignment_per_section"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.section}"


class SectionWaiver(models.Model):
    """A section the coordinator marks "not assessed", with the reason, so it can be submitted."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="waivers")
    section = models.CharField(max_length=20)
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "section"], name="one_waiver_per_section")
        ]

    def __str__(self) -> str:
        return f"{self.section}: {self.reason[:40]}"


class Comment(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="comments")
    capability = models.ForeignKey(Capability, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class Invitation(models.Model):
    """A coordinator's invitation to join the country team; the emailed link is signed,
    expires, and works once."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Membership.Role.choices[:2])
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return self.email
