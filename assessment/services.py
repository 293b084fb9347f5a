"""Operations on assessments: start one (copying the previous cycle's answers), and score it.

The framework trees and caches are in `frameworks_cache`, reading and saving answers in
`answering`. Each function does a fixed number of queries whatever the number of answers, so the
pages that call them stay bounded (tests pin the counts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import translation

from frameworks.models import Capability, Criterion, FrameworkVersion, Indicator

from . import audit, scoring
from .answering import AnswerValues, answer_values, answer_values_of_many
from .frameworks_cache import criterion_specs, mnr_tree, sufficiency_rule
from .models import Assessment, CapabilityAnswer, Country, CriterionAnswer, IndicatorAnswer


class FrameworksMissing(Exception):
    """No framework of a needed kind has been loaded yet."""


class AssessmentExists(Exception):
    """The country already has an assessment for this cycle."""


def scores_of(assessment: Assessment, values: AnswerValues) -> scoring.Scores:
    """The one call into `scoring.score`."""
    tree = mnr_tree(assessment.mnr_version)
    return scoring.score(
        domains=tree.specs,
        rules=tree.rules,
        responses=values.responses,
        indicator_answers=values.indicators,
        criteria=criterion_specs(assessment.legislation_version),
        criterion_values=values.criteria,
        sufficiency=sufficiency_rule(assessment.legislation_version),
    )


def assessment_scores(assessment: Assessment) -> scoring.Scores:
    """The one entry point for an assessment's scores (pages, exports and API)."""
    return scores_of(assessment, answer_values(assessment))


def scores_of_many(assessments: Sequence[Assessment]) -> dict[int, scoring.Scores]:
    """Assessment pk -> its scores, by the same path as `assessment_scores`, in one query."""
    values = answer_values_of_many(assessments)
    return {a.pk: scores_of(a, values[a.pk]) for a in assessments}


def _latest_versions() -> dict[str, FrameworkVersion]:
    versions = {
        kind: FrameworkVersion.objects.latest_of_kind(kind)
        for kind in ("mnr", "legislation", "recommendations")
    }
    missing = [kind for kind, v in versions.items() if v is None]
    if missing:
        raise FrameworksMissing(", ".join(missing))
    return versions  # type: ignore[return-value]


def _create(**fields: Any) -> Assessment:
    try:
        # A savepoint, so a clash with a concurrent start leaves the caller's transaction usable.
        with transaction.atomic():
            return Assessment.objects.create(**fields)
    except IntegrityError:
        raise AssessmentExists from None


def copy_answers(source: Assessment, target: Assessment, *, to_confirm: bool) -> None:
    """Copy answers to `target`, matched by code so a newer framework version keeps what still
    exists. Copies marked `to_confirm` count as unanswered until someone confirms them."""
    answers_recreate(
        target=target,
        capability_answers=list(source.capability_answers.select_related("capability")),
        indicator_answers=list(source.indicator_answers.select_related("indicator")),
        criterion_answers=list(source.criterion_answers.select_related("criterion")),
        to_confirm=lambda answer, code: to_confirm,
    )


def answers_recreate(
    *,
    target: Assessment,
    capability_answers: Sequence[CapabilityAnswer],
    indicator_answers: Sequence[IndicatorAnswer],
    criterion_answers: Sequence[CriterionAnswer],
    to_confirm: Callable[[CapabilityAnswer | CriterionAnswer, str], bool],
) -> None:
    """Write the given answers onto `target`'s framework versions, matched by code (what the
    target's versions lack is left out); `to_confirm(answer, code)` marks each copy. Shared by
    a new cycle's copy and the move to a corrected version (assessment/version_move.py)."""
    capabilities = {c.code: c for c in Capability.objects.filter(version=target.mnr_version)}
    indicators = {
        i.code: i for i in Indicator.objects.filter(capability__version=target.mnr_version)
    }
    criteria = {c.code: c for c in Criterion.objects.filter(version=target.legislation_version)}
    CapabilityAnswer.objects.bulk_create(
        CapabilityAnswer(
            assessment=target,
            capability=capabilities[a.capability.code],
            response=a.response,
            evidence=a.evidence,
            share_with_peers=a.share_with_peers,
            to_confirm=to_confirm(a, a.capability.code),
            updated_by_id=a.updated_by_id,  # the id only: no query per answer
        )
        for a in capability_answers
        if a.capability.code in capabilities
    )
    IndicatorAnswer.objects.bulk_create(
        IndicatorAnswer(
            assessment=target,
            indicator=indicators[a.indicator.code],
            value=a.value,
            updated_by_id=a.updated_by_id,
        )
        for a in indicator_answers
        if a.indicator.code in indicators
    )
    CriterionAnswer.objects.bulk_create(
        CriterionAnswer(
            assessment=target,
            criterion=criteria[a.criterion.code],
            value=a.value,
            citation=a.citation,
            to_confirm=to_confirm(a, a.criterion.code),
            updated_by_id=a.updated_by_id,
        )
        for a in criterion_answers
        if a.criterion.code in criteria
    )


@transaction.atomic
def assessment_start(
    *,
    country: Country,
    cycle: int,
    user: User | None,
    versions: Mapping[str, FrameworkVersion] | None = None,
    language: str = "",
) -> Assessment:
    """Start a draft pinned to the latest framework versions (or, for the demo's draft that
    shows the move to a corrected version, to the given ones). When the country has an earlier
    cycle, its answers are copied as a starting point, each marked "to confirm"."""
    versions = versions or _latest_versions()
    assessment = _create(
        country=country,
        cycle=cycle,
        language=language or translation.get_language() or "en",
        mnr_version=versions["mnr"],
        legislation_version=versions["legislation"],
        recommendations_version=versions["recommendations"],
        created_by=user,
    )
    previous = (
        Assessment.objects.filter(country=country, cycle__lt=cycle)
        .order_by("-cycle", "-revision")
        .first()
    )
    if previous:
        assessment.copied_from = previous
        assessment.save(update_fields=["copied_from"])
        copy_answers(previous, assessment, to_confirm=True)
    audit.record(
        actor=user,
        action="assessment.started",
        country=country,
        assessment=assessment,
        after={"cycle": cycle, "copied_from": str(previous) if previous else None},
    )
    return assessment
