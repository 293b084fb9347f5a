"""Countries (ISO codes; fictional demo ones) and who belongs to which, in what role."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .stamp import StampingQuerySet


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

    objects = StampingQuerySet["Country"].as_manager()

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
        from assessment.countries import m49_name

        return m49_name(self.region_code, self.region_name)

    @property
    def subregion_label(self) -> str:
        from assessment.countries import m49_name

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
