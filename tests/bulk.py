"""Many fully answered assessments, fast (bulk inserts), for scale and comparison tests."""

from __future__ import annotations

import random

from assessment import frameworks_cache
from assessment.models import (
    Assessment,
    CapabilityAnswer,
    Country,
    CriterionAnswer,
    IndicatorAnswer,
)
from frameworks.models import FrameworkVersion

from .factories import make_country


def real_country_codes(n: int) -> list[str]:
    return list(
        Country.objects.filter(is_demo=False).order_by("code").values_list("code", flat=True)[:n]
    )


def answered_assessments(
    codes: list[str],
    cycles: list[int],
    *,
    status: str = "validated",
    sharing: str = "named",
    seed: int = 1,
) -> list[Assessment]:
    """One assessment per country and cycle, every capability, indicator and criterion answered.
    Test data only: the rows live in a test database that is thrown away."""
    rng = random.Random(seed)
    versions = {
        k: FrameworkVersion.objects.latest_of_kind(k)
        for k in ("mnr", "legislation", "recommendations")
    }
    for code in codes:
        if not Country.objects.filter(pk=code).exists():
            make_country(code, f"Country {code}")
    tree = frameworks_cache.mnr_tree(versions["mnr"])
    criteria = [c for c in frameworks_cache.criteria_of(versions["legislation"]) if c.scored]
    assessments = Assessment.objects.bulk_create(
        Assessment(
            country_id=code,
            cycle=cycle,
            status=status,
            sharing=sharing,
            mnr_version=versions["mnr"],
            legislation_version=versions["legislation"],
            recommendations_version=versions["recommendations"],
        )
        for code in codes
        for cycle in cycles
    )
    caps, inds, crits = [], [], []
    for a in assessments:
        for cap in tree.capabilities:
            response = str(rng.randint(0, 4))
            # Some countries at the top level agree to share their experience (the plan
            # page's peers), without drawing another number.
            share = response == "4" and (cap.number + len(caps)) % 3 == 0
            caps.append(
                CapabilityAnswer(
                    assessment=a, capability=cap, response=response, share_with_peers=share
                )
            )
            inds += [
                IndicatorAnswer(
                    assessment=a, indicator=i, value=rng.choice(["yes", "partly", "no"])
                )
                for i in cap.indicator_list
            ]
        crits += [
            CriterionAnswer(assessment=a, criterion=c, value=rng.choice(["met", "met", "not_met"]))
            for c in criteria
        ]
    CapabilityAnswer.objects.bulk_create(caps, batch_size=2000)
    IndicatorAnswer.objects.bulk_create(inds, batch_size=2000)
    CriterionAnswer.objects.bulk_create(crits, batch_size=2000)
    return assessments
