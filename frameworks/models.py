"""Framework content, loaded from the data files in frameworks/data by `load_frameworks`.

Each load of a changed file creates a new FrameworkVersion with its own rows, so an assessment
pinned to an older version keeps reading exactly the questions it was answered against.
Rows are never edited after loading (the one exception: migration 0002 replaced version 2's
working notes by public citations, changing no question); the admin shows them read-only.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .i18n import TranslatedOnRead


class Framework(models.Model):
    class Kind(models.TextChoices):
        MNR = "mnr", _("Model National Response")
        LEGISLATION = "legislation", _("Legislative criteria")
        RECOMMENDATIONS = "recommendations", _("Recommendations")

    slug = models.SlugField(unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["kind", "slug"]
        verbose_name = _("framework")

    def __str__(self) -> str:
        return self.slug


class FrameworkVersionQuerySet(models.QuerySet["FrameworkVersion"]):
    def latest_of_kind(self, kind: str) -> FrameworkVersion | None:
        """The version a new assessment starts on: the most recently loaded of its kind."""
        return self.filter(framework__kind=kind).order_by("-loaded_at", "-pk").first()


class FrameworkVersion(TranslatedOnRead, models.Model):
    translated_fields = ("title", "edition", "source", "note")
    translated_json = {"rules": frozenset({"name", "meaning", "description", "reason"})}

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    edition = models.CharField(max_length=100)
    source = models.TextField()
    note = models.TextField(blank=True)
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    # Kind-specific rules read by scoring: the maturity scale and thresholds (MNR), or the
    # sufficiency rule (legislation). Kept as loaded, so old versions score by their own rules.
    rules = models.JSONField(default=dict)
    loaded_at = models.DateTimeField(auto_now_add=True)

    objects = FrameworkVersionQuerySet.as_manager()

    class Meta:
        ordering = ["framework", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="unique_version_number")
        ]
        verbose_name = _("framework version")

    def __str__(self) -> str:
        return f"{self.title} — {self.edition} (v{self.number})"

    @property
    def kind(self) -> str:
        return self.framework.kind


class Recommendation(TranslatedOnRead, models.Model):
    translated_fields = ("actor", "text", "source")

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="recommendations"
    )
    code = models.CharField(max_length=20)
    order = models.PositiveIntegerField()
    actor = models.CharField(max_length=200)
    text = models.TextField()
    source = models.TextField()

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_recommendation_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.actor})"


class Domain(TranslatedOnRead, models.Model):
    translated_fields = ("name", "outcome", "source")

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="domains")
    code = models.CharField(max_length=20)
    order = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    outcome = models.TextField()
    source = models.TextField()

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_domain_code")
        ]

    def __str__(self) -> str:
        return self.name


class Capability(TranslatedOnRead, models.Model):
    translated_fields = ("name", "summary", "source")
    translated_json = {
        "level_descriptors": frozenset({"*"}),
        "recommendation_links": frozenset({"reason"}),
    }

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="capabilities"
    )
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="capabilities")
    code = models.CharField(max_length=20)
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    summary = models.TextField()
    foundational = models.BooleanField(default=False)
    priority_weight = models.PositiveSmallIntegerField(default=1)
    source = models.TextField()
    # One descriptor per level of the framework's scale, in level order.
    level_descriptors = models.JSONField()
    # [{"code": "R07", "reason": "..."}], resolved against the recommendations version
    # the assessment is pinned to.
    recommendation_links = models.JSONField(default=list)

    class Meta:
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_capability_code")
        ]
        verbose_name_plural = _("capabilities")

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Indicator(TranslatedOnRead, models.Model):
    translated_fields = ("text",)

    capability = models.ForeignKey(Capability, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(max_length=20)
    order = models.PositiveIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["capability", "order"]
        constraints = [
            models.UniqueConstraint(fields=["capability", "code"], name="unique_indicator_code")
        ]

    def __str__(self) -> str:
        return self.code


class Criterion(TranslatedOnRead, models.Model):
    translated_fields = ("name", "question", "guidance", "source")
    translated_json = {"recommendation_links": frozenset({"reason"})}

    """A legislative question: one of ICMEC's scored criteria, or a further, unscored question."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(max_length=50)
    order = models.PositiveIntegerField()
    scored = models.BooleanField(default=True)
    name = models.TextField()
    question = models.TextField()
    guidance = models.TextField(blank=True)
    source = models.TextField()
    recommendation_links = models.JSONField(default=list)

    class Meta:
        ordering = ["version", "-scored", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_criterion_code")
        ]
        verbose_name_plural = _("criteria")

    def __str__(self) -> str:
        return self.name
