from __future__ import annotations

import uuid
from functools import lru_cache

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from frameworks.models import Capability, Criterion, FrameworkVersion, Indicator


class Country(models.Model):
    """A country that can be assessed: every ISO 3166-1 country, plus fictional demo ones.

    Real rows are synced from django-countries and its M49 extension (see countries.py);
    the name is not stored for them, so the library translates it into the reader's language.
    """

    class Hemisphere(models.TextChoices):
        NORTH = "north", _("Global North")
        SOUTH = "south", _("Global South")
        UNCLASSIFIED = "unclassified", _("Not classified by the report")

    code = models.CharField(max_length=2, primary_key=True)
    region_code = models.PositiveSmallIntegerField(null=True, blank=True)
    region_name = models.CharField(max_length=100, blank=True)
    subregion_code = models.PositiveSmallIntegerField(null=True, blank=True)
    subregion_name = models.CharField(max_length=100, blank=True)
    hemisphere = models.CharField(max_length=12, choices=Hemisphere.choices)
    # Demonstration countries use ISO's user-assigned codes (XA-XZ) and carry their own name.
    is_demo = models.BooleanField(default=False)
    demo_name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_demo=False) | Q(code__regex=r"^X[A-Z]$"),
                name="demo_countries_use_user_assigned_codes",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.is_demo:
            # "(demo)" in the reader's language (issue 24); the stored name may carry the
            # English suffix, as the demo and older databases write it.
            base = self.demo_name.removesuffix(" (demo)")
            return translation.gettext("%(name)s (demo)") % {"name": base}
        return country_names(translation.get_language()).get(self.code) or self.code

    @property
    def region_label(self) -> str:
        """The UN region's name in the active language."""
        from .countries import m49_name

        return m49_name(self.region_code, self.region_name)

    @property
    def subregion_label(self) -> str:
        from .countries import m49_name

        return m49_name(self.subregion_code, self.subregion_name)


@lru_cache(maxsize=len(settings.LANGUAGES) + 1)
def country_names(language: str | None) -> dict[str, str]:
    """ISO code -> the country's name in `language`, from django-countries. Kept per language:
    the library translates a name afresh on every call, and the comparison names 196 countries
    on every page (issue 7)."""
    with translation.override(language):
        return {code: str(name) for code, name in countries}


class Membership(models.Model):
    """What a user is in this app: a member of one country team, or secretariat staff."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Country coordinator")
        CONTRIBUTOR = "contributor", _("Country contributor")
        ANALYST = "analyst", _("Secretariat analyst")
        ADMIN = "admin", _("Secretariat admin")

    COUNTRY_ROLES = (Role.COORDINATOR, Role.CONTRIBUTOR)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=["coordinator", "contributor"], country__isnull=False)
                    | Q(role__in=["analyst", "admin"], country__isnull=True)
                ),
                name="country_roles_have_a_country_secretariat_none",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"

    @property
    def is_country_member(self) -> bool:
        return self.role in self.COUNTRY_ROLES

    @property
    def is_secretariat(self) -> bool:
        return not self.is_country_member


class AssessmentQuerySet(models.QuerySet["Assessment"]):
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

    class Meta:
        verbose_name = _("frozen scores")
        verbose_name_plural = _("frozen scores")

    def __str__(self) -> str:
        return f"{self.assessment} (scores of {self.frozen_at:%Y-%m-%d})"


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
