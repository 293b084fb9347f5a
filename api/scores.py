"""Scores of many assessments with a fixed number of queries, for the API's list.

The same path as `services.assessment_scores` (its tree, criteria and `Answers`, scored by
`services.scores_from`), only with the answers of every assessment loaded at once: 3 queries
for the answers, then 2 per distinct MNR version and 1 per distinct legislation version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from assessment import scoring, services
from assessment.models import Assessment, CapabilityAnswer, CriterionAnswer, IndicatorAnswer
from frameworks.models import Criterion


def scores_of(assessments: Sequence[Assessment]) -> dict[int, scoring.Scores]:
    """Assessment pk -> its scores. The assessments need `with_frameworks()`."""
    ids = [a.pk for a in assessments]
    capabilities: dict[int, dict[str, CapabilityAnswer]] = defaultdict(dict)
    for answer in CapabilityAnswer.objects.filter(assessment__in=ids).select_related("capability"):
        capabilities[answer.assessment_id][answer.capability.code] = answer
    indicators: dict[int, dict[str, str]] = defaultdict(dict)
    for aid, code, value in IndicatorAnswer.objects.filter(assessment__in=ids).values_list(
        "assessment", "indicator__code", "value"
    ):
        indicators[aid][code] = value
    criteria: dict[int, dict[str, CriterionAnswer]] = defaultdict(dict)
    for answer in CriterionAnswer.objects.filter(assessment__in=ids).select_related("criterion"):
        criteria[answer.assessment_id][answer.criterion.code] = answer

    trees: dict[int, services.MnrTree] = {}
    laws: dict[int, list[Criterion]] = {}
    out = {}
    for a in assessments:
        if a.mnr_version_id not in trees:
            trees[a.mnr_version_id] = services.mnr_tree(a.mnr_version)
        if a.legislation_version_id not in laws:
            laws[a.legislation_version_id] = services.criteria_of(a.legislation_version)
        answers = services.Answers(
            capabilities=capabilities[a.pk], indicators=indicators[a.pk], criteria=criteria[a.pk]
        )
        out[a.pk] = services.scores_from(
            a, trees[a.mnr_version_id], laws[a.legislation_version_id], answers
        )
    return out
