"""What the API reads: the assessments a user may read, and a framework version's tree."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from assessment import access, services
from assessment.models import Assessment
from frameworks.models import FrameworkVersion


def readable_assessments(user: access.User) -> list[Assessment]:
    """Every assessment `user` may read, newest cycle first within each country.

    `access.may_read` decides for each assessment. The query only narrows the candidates, and
    never further than may_read would (fails closed if the rules change): a country member's
    own country, or what the secretariat sees at all.
    """
    membership = access.membership_of(user)
    if membership is None:
        return []
    candidates = (
        Assessment.objects.with_frameworks()
        .select_related("recommendations_version__framework")
        .order_by("country", "-cycle", "-revision")
    )
    if membership.is_country_member:
        candidates = candidates.filter(country=membership.country_id)
    else:
        candidates = candidates.filter(status__in=Assessment.SEEN_BY_SECRETARIAT)
    return [a for a in candidates if access.may_read(membership, a)]


def framework_tree(slug: str, number: int) -> FrameworkVersion:
    """One framework version with its content attached (404 if there is none), in 3 queries
    at most: `domain_list` (MNR), `criterion_list` (legislation) or `recommendation_list`."""
    version = get_object_or_404(
        FrameworkVersion.objects.select_related("framework"), framework__slug=slug, number=number
    )
    kind = version.kind
    version.domain_list = services.mnr_tree(version).domains if kind == "mnr" else []  # type: ignore[attr-defined]
    version.criterion_list = services.criteria_of(version) if kind == "legislation" else []  # type: ignore[attr-defined]
    version.recommendation_list = (  # type: ignore[attr-defined]
        list(version.recommendations.all()) if kind == "recommendations" else []
    )
    return version
