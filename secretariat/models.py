"""Published legislative reviews (ICMEC's or another source's), imported to compare with what
countries say in their self-assessments. Written only by secretariat.reviews.importer.store().
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment.models import Country


class LegislativeReview(models.Model):
    """One edition of a published review: who published it, the year, and its sufficiency rule."""

    source = models.CharField(_("source"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    # Same shape as a legislation framework file's `sufficiency`:
    # {"required": [criterion codes], "at_least": n, "description": "..."}
    rules = models.JSONField(_("sufficiency rule"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        ordering = ["-year", "source"]
        verbose_name = _("published legislative review")
        constraints = [
            models.UniqueConstraint(fields=["source", "year"], name="one_review_per_source_year"),
            models.CheckConstraint(
                condition=Q(year__gte=1990, year__lte=2100), name="review_year_is_plausible"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} ({self.year})"


class ReviewEntry(models.Model):
    """One country in a published review: each criterion met (True), not met (False) or not
    known (None)."""

    review = models.ForeignKey(LegislativeReview, on_delete=models.CASCADE, related_name="entries")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    legislation = models.BooleanField(null=True, blank=True)
    definition = models.BooleanField(null=True, blank=True)
    technology = models.BooleanField(null=True, blank=True)
    possession = models.BooleanField(null=True, blank=True)
    isp_reporting = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["review", "country"]
        verbose_name = _("published review entry")
        verbose_name_plural = _("published review entries")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "country"], name="one_review_entry_per_country"
            )
        ]

    def __str__(self) -> str:
        return f"{self.review} — {self.country_id}"

    def value(self, criterion: str) -> bool | None:
        return getattr(self, criterion)
