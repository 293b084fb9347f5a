"""Operations on assessments: start one, read its framework and answers, save answers, score.

Each function does a fixed number of queries whatever the number of answers, so the pages that
call them stay bounded (tests pin the counts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from frameworks.models import Capability, Criterion, Domain, FrameworkVersion, Indicator

from . import scoring
from .models import Assessment, CapabilityAnswer, Country, CriterionAnswer, IndicatorAnswer


class FrameworksMissing(Exception):
    """No framework of a needed kind has been loaded yet."""


class AssessmentExists(Exception):
    """The country already has an assessment for this cycle."""


@dataclass(frozen=True)
class MnrTree:
    domains: list[Domain]  # each with .capability_list, each capability with .indicator_list
    rules: scoring.MnrRules
    scale: list[dict[str, Any]]

    @property
    def capabilities(self) -> list[Capability]:
        return [c for d in self.domains for c in d.capability_list]  # type: ignore[attr-defined]

    def specs(self) -> list[scoring.DomainSpec]:
        return [
            scoring.DomainSpec(
                d.code,
                d.name,
                tuple(
                    scoring.CapabilitySpec(
                        c.code, c.number, c.name, tuple(i.code for i in c.indicator_list)
                    )
                    for c in d.capability_list  # type: ignore[attr-defined]
                ),
            )
            for d in self.domains
        ]


def mnr_tree(version: FrameworkVersion) -> MnrTree:
    """Domains, capabilities and indicators of one MNR version, in 2 queries."""
    capabilities = list(
        Capability.objects.filter(version=version)
        .select_related("domain")
        .order_by("domain__order", "number")
    )
    indicators: dict[int, list[Indicator]] = {c.pk: [] for c in capabilities}
    for indicator in Indicator.objects.filter(capability__version=version).order_by("order"):
        indicators[indicator.capability_id].append(indicator)
    domains: dict[int, Domain] = {}
    for c in capabilities:
        c.indicator_list = indicators[c.pk]  # type: ignore[attr-defined]
        domain = domains.setdefault(c.domain_id, c.domain)
        if not hasattr(domain, "capability_list"):
            domain.capability_list = []  # type: ignore[attr-defined]
        domain.capability_list.append(c)  # type: ignore[attr-defined]
    return MnrTree(
        domains=list(domains.values()),
        rules=scoring.MnrRules.from_version_rules(version.rules),
        scale=version.rules["scale"],
    )


def criteria_of(version: FrameworkVersion) -> list[Criterion]:
    return list(Criterion.objects.filter(version=version))


@dataclass(frozen=True)
class Answers:
    capabilities: dict[str, CapabilityAnswer]  # by capability code
    indicators: dict[str, str]  # indicator code -> value
    criteria: dict[str, CriterionAnswer]  # by criterion code

    @property
    def responses(self) -> dict[str, str]:
        return {code: a.response for code, a in self.capabilities.items()}

    @property
    def criterion_values(self) -> dict[str, str]:
        return {code: a.value for code, a in self.criteria.items()}


def answers_of(assessment: Assessment) -> Answers:
    """All answers of an assessment, in 3 queries."""
    return Answers(
        capabilities={
            a.capability.code: a for a in assessment.capability_answers.select_related("capability")
        },
        indicators={
            code: value
            for code, value in assessment.indicator_answers.values_list("indicator__code", "value")
        },
        criteria={
            a.criterion.code: a for a in assessment.criterion_answers.select_related("criterion")
        },
    )


def scores_from(
    assessment: Assessment, tree: MnrTree, criteria: list[Criterion], answers: Answers
) -> scoring.Scores:
    return scoring.score(
        domains=tree.specs(),
        rules=tree.rules,
        responses=answers.responses,
        indicator_answers=answers.indicators,
        criteria=[scoring.CriterionSpec(c.code, c.name) for c in criteria if c.scored],
        criterion_values=answers.criterion_values,
        sufficiency=scoring.SufficiencyRule.from_version_rules(
            assessment.legislation_version.rules
        ),
    )


def assessment_scores(assessment: Assessment) -> scoring.Scores:
    """The one entry point for an assessment's scores (pages, exports and API)."""
    tree = mnr_tree(assessment.mnr_version)
    return scores_from(
        assessment, tree, criteria_of(assessment.legislation_version), answers_of(assessment)
    )


def assessment_start(*, country: Country, cycle: int, user: AbstractBaseUser | None) -> Assessment:
    """Start a draft pinned to the latest version of each framework."""
    versions = {
        kind: FrameworkVersion.objects.latest_of_kind(kind)
        for kind in ("mnr", "legislation", "recommendations")
    }
    missing = [kind for kind, v in versions.items() if v is None]
    if missing:
        raise FrameworksMissing(", ".join(missing))
    try:
        # A savepoint, so a clash with a concurrent start leaves the caller's transaction usable.
        with transaction.atomic():
            return Assessment.objects.create(
                country=country,
                cycle=cycle,
                mnr_version=versions["mnr"],
                legislation_version=versions["legislation"],
                recommendations_version=versions["recommendations"],
                created_by=user,
            )
    except IntegrityError:
        raise AssessmentExists from None


@transaction.atomic
def capability_answers_save(
    *,
    assessment: Assessment,
    capability: Capability,
    user: AbstractBaseUser,
    response: str,
    evidence: str,
    indicator_values: Mapping[Indicator, str],
) -> None:
    """Store the maturity answer, evidence and indicator answers of one capability together."""
    CapabilityAnswer.objects.update_or_create(
        assessment=assessment,
        capability=capability,
        defaults={"response": response, "evidence": evidence, "updated_by": user},
    )
    for indicator, value in indicator_values.items():
        if value:
            IndicatorAnswer.objects.update_or_create(
                assessment=assessment,
                indicator=indicator,
                defaults={"value": value, "updated_by": user},
            )
        else:
            IndicatorAnswer.objects.filter(assessment=assessment, indicator=indicator).delete()


@transaction.atomic
def criterion_answers_save(
    *,
    assessment: Assessment,
    user: AbstractBaseUser,
    answers: Mapping[Criterion, tuple[str, str]],
) -> None:
    """Store each criterion's (value, citation); both empty removes the answer."""
    for criterion, (value, citation) in answers.items():
        if value or citation:
            CriterionAnswer.objects.update_or_create(
                assessment=assessment,
                criterion=criterion,
                defaults={"value": value, "citation": citation, "updated_by": user},
            )
        else:
            CriterionAnswer.objects.filter(assessment=assessment, criterion=criterion).delete()
