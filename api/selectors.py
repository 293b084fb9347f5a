"""What the API reads: the assessments a user may read (`access.readable_assessments`) and a
framework version's tree."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from assessment import frameworks_cache
from frameworks.models import FrameworkVersion


def framework_tree(slug: str, number: int) -> FrameworkVersion:
    """One framework version with its content attached (404 if there is none), in 3 queries
    at most: `domain_list` (MNR), `criterion_list` (legislation) or `recommendation_list`."""
    version = get_object_or_404(
        FrameworkVersion.objects.select_related("framework"), framework__slug=slug, number=number
    )
    kind = version.kind
    version.domain_list = frameworks_cache.mnr_tree(version).domains if kind == "mnr" else []  # type: ignore[attr-defined]
    version.criterion_list = frameworks_cache.criteria_of(version) if kind == "legislation" else []  # type: ignore[attr-defined]
    version.recommendation_list = (  # type: ignore[attr-defined]
        list(version.recommendations.all()) if kind == "recommendations" else []
    )
    return version
