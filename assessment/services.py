"""Operations on assessments: start one, read its framework and answers, save answers, score.

Each function does a fixed number of queries whatever the number of answers, so the pages that
call them stay bounded (tests pin the counts).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from frameworks.models import Capability, Criterion, Domain, FrameworkVersion, Indicator

from . import audit, scoring
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


# Framework versions never change once loaded (a changed file is a new version), so their
# trees are kept per process, keyed by the version's id and content hash. The loader and the
# tests clear them (`clear_framework_cache`), since a test database may reuse ids.
_TREES: dict[tuple[int, str], MnrTree] = {}
_CRITERIA: dict[tuple[int, str], list[Criterion]] = {}
_VERSIONS: dict[int, FrameworkVersion] = {}


def clear_framework_cache() -> None:
    _TREES.clear()
    _CRITERIA.clear()
    _VERSIONS.clear()


def attach_versions(assessment: Assessment) -> Assessment:
    """Give the assessment its pinned framework versions from the per-process cache (one
    query the first time a version is seen, none after), instead of joining them each time."""
    ids = [
        assessment.mnr_version_id,
        assessment.legislation_version_id,
        assessment.recommendations_version_id,
    ]
    missing = [pk for pk in ids if pk not in _VERSIONS]
    if missing:
        for version in FrameworkVersion.objects.select_related("framework").filter(pk__in=missing):
            _VERSIONS[version.pk] = version
    assessment.mnr_version = _VERSIONS[ids[0]]
    assessment.legislation_version = _VERSIONS[ids[1]]
    assessment.recommendations_version = _VERSIONS[ids[2]]
    return assessment


def mnr_tree(version: FrameworkVersion) -> MnrTree:
    """Domains, capabilities and indicators of one MNR version: 2 queries, then none."""
    key = (version.pk, version.sha256)
    if key not in _TREES:
        _TREES[key] = _load_mnr_tree(version)
    return _TREES[key]


def _load_mnr_tree(version: FrameworkVersion) -> MnrTree:
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
    key = (version.pk, version.sha256)
    if key not in _CRITERIA:
        _CRITERIA[key] = list(Criterion.objects.filter(version=version))
    return _CRITERIA[key]


@dataclass(frozen=True)
class Answers:
    capabilities: dict[str, CapabilityAnswer]  # by capability code, "to confirm" ones included
    indicators: dict[str, str]  # indicator code -> value
    criteria: dict[str, CriterionAnswer]  # by criterion code, "to confirm" ones included

    @property
    def responses(self) -> dict[str, str]:
        """What scoring counts: answers copied from a previous cycle count once confirmed."""
        return {code: a.response for code, a in self.capabilities.items() if not a.to_confirm}

    @property
    def criterion_values(self) -> dict[str, str]:
        return {code: a.value for code, a in self.criteria.items() if not a.to_confirm}


def answers_of(assessment: Assessment) -> Answers:
    """All answers of an assessment, in 3 queries. Capabilities, indicators and criteria come
    from the cached framework version rather than from joins."""
    tree = mnr_tree(assessment.mnr_version)
    capabilities = {c.pk: c for c in tree.capabilities}
    indicator_codes = {i.pk: i.code for c in tree.capabilities for i in c.indicator_list}  # type: ignore[attr-defined]
    criteria = {c.pk: c for c in criteria_of(assessment.legislation_version)}
    by_capability: dict[str, CapabilityAnswer] = {}
    for a in CapabilityAnswer.objects.filter(assessment=assessment).select_related("updated_by"):
        if a.capability_id in capabilities:
            a.capability = capabilities[a.capability_id]
            by_capability[a.capability.code] = a
    by_criterion: dict[str, CriterionAnswer] = {}
    for c in CriterionAnswer.objects.filter(assessment=assessment).select_related("updated_by"):
        if c.criterion_id in criteria:
            c.criterion = criteria[c.criterion_id]
            by_criterion[c.criterion.code] = c
    return Answers(
        capabilities=by_capability,
        indicators={
            indicator_codes[pk]: value
            for pk, value in IndicatorAnswer.objects.filter(assessment=assessment).values_list(
                "indicator_id", "value"
            )
            if pk in indicator_codes
        },
        criteria=by_criterion,
    )


def scores_from(
    assessment: Assessment, tree: MnrTree, criteria: list[Criterion], answers: Answers
) -> scoring.Scores:
    return score_values(
        assessment,
        tree,
        criteria,
        answers.responses,
        answers.indicators,
        answers.criterion_values,
    )


def score_values(
    assessment: Assessment,
    tree: MnrTree,
    criteria: list[Criterion],
    responses: Mapping[str, str],
    indicators: Mapping[str, str],
    criterion_values: Mapping[str, str],
) -> scoring.Scores:
    """The one call into `scoring.score` (answers already reduced to what counts: copies still
    "to confirm" left out)."""
    return scoring.score(
        domains=tree.specs(),
        rules=tree.rules,
        responses=responses,
        indicator_answers=indicators,
        criteria=[scoring.CriterionSpec(c.code, c.name) for c in criteria if c.scored],
        criterion_values=criterion_values,
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


def scores_of_many(assessments: Sequence[Assessment]) -> dict[int, scoring.Scores]:
    """Assessment pk -> its scores, by the same path as `assessment_scores`, with the answers
    of every assessment read at once as plain values: 3 queries, whatever the number of
    assessments (codes come from the cached framework trees, not from joins)."""
    ids = [a.pk for a in assessments]
    codes: dict[int, str] = {}  # capability, indicator and criterion ids -> codes
    indicator_codes: dict[int, str] = {}
    criterion_codes: dict[int, str] = {}
    for a in assessments:
        for c in mnr_tree(a.mnr_version).capabilities:
            codes[c.pk] = c.code
            indicator_codes.update((i.pk, i.code) for i in c.indicator_list)  # type: ignore[attr-defined]
        criterion_codes.update((c.pk, c.code) for c in criteria_of(a.legislation_version))
    responses: dict[int, dict[str, str]] = defaultdict(dict)
    for aid, cid, response in CapabilityAnswer.objects.filter(
        assessment__in=ids, to_confirm=False
    ).values_list("assessment_id", "capability_id", "response"):
        responses[aid][codes[cid]] = response
    indicators: dict[int, dict[str, str]] = defaultdict(dict)
    for aid, iid, value in IndicatorAnswer.objects.filter(assessment__in=ids).values_list(
        "assessment_id", "indicator_id", "value"
    ):
        indicators[aid][indicator_codes[iid]] = value
    criteria: dict[int, dict[str, str]] = defaultdict(dict)
    for aid, cid, value in CriterionAnswer.objects.filter(
        assessment__in=ids, to_confirm=False
    ).values_list("assessment_id", "criterion_id", "value"):
        criteria[aid][criterion_codes[cid]] = value
    return {
        a.pk: score_values(
            a,
            mnr_tree(a.mnr_version),
            criteria_of(a.legislation_version),
            responses[a.pk],
            indicators[a.pk],
            criteria[a.pk],
        )
        for a in assessments
    }


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
            to_confirm=to_confirm,
            updated_by=a.updated_by,
        )
        for a in source.capability_answers.select_related("capability")
        if a.capability.code in capabilities
    )
    IndicatorAnswer.objects.bulk_create(
        IndicatorAnswer(assessment=target, indicator=indicators[code], value=value)
        for code, value in source.indicator_answers.values_list("indicator__code", "value")
        if code in indicators
    )
    CriterionAnswer.objects.bulk_create(
        CriterionAnswer(
            assessment=target,
            criterion=criteria[a.criterion.code],
            value=a.value,
            citation=a.citation,
            to_confirm=to_confirm,
            updated_by=a.updated_by,
        )
        for a in source.criterion_answers.select_related("criterion")
        if a.criterion.code in criteria
    )


@transaction.atomic
def assessment_start(*, country: Country, cycle: int, user: AbstractBaseUser | None) -> Assessment:
    """Start a draft pinned to the latest framework versions. When the country has an earlier
    cycle, its answers are copied as a starting point, each marked "to confirm"."""
    versions = _latest_versions()
    assessment = _create(
        country=country,
        cycle=cycle,
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


class StaleAnswer(Exception):
    """Someone saved this answer after the version the user started from."""

    def __init__(self, current: CapabilityAnswer | CriterionAnswer):
        self.current = current
        super().__init__(str(current))


def _capability_snapshot(answer: CapabilityAnswer | None, indicators: Mapping[str, str]) -> Any:
    if answer is None:
        return None
    return {
        "response": answer.response,
        "evidence": answer.evidence,
        "share_with_peers": answer.share_with_peers,
        "to_confirm": answer.to_confirm,
        "indicators": dict(sorted(indicators.items())),
    }


@transaction.atomic
def capability_answers_save(
    *,
    assessment: Assessment,
    capability: Capability,
    user: AbstractBaseUser | None,
    response: str,
    evidence: str,
    indicator_values: Mapping[Indicator, str],
    version: int,
    share_with_peers: bool = False,
) -> CapabilityAnswer:
    """Store one capability's answer (level, evidence, indicators) as one unit.

    `version` is the answer's version the user's page was built from (0: no answer yet); if
    someone saved since, StaleAnswer is raised and nothing is written.
    """
    answer = (
        CapabilityAnswer.objects.select_for_update()
        .filter(assessment=assessment, capability=capability)
        .first()
    )
    current_indicators = dict(
        IndicatorAnswer.objects.filter(
            assessment=assessment, indicator__capability=capability
        ).values_list("indicator__code", "value")
    )
    if answer is not None and answer.version != version:
        raise StaleAnswer(answer)
    before = _capability_snapshot(answer, current_indicators)
    if answer is None:
        answer = CapabilityAnswer(assessment=assessment, capability=capability, version=0)
    answer.response = response
    answer.evidence = evidence
    answer.share_with_peers = share_with_peers
    answer.to_confirm = False
    answer.updated_by = user
    answer.version += 1
    try:
        with transaction.atomic():
            answer.save()
    except IntegrityError:  # created by someone else between our read and our insert
        raise StaleAnswer(
            CapabilityAnswer.objects.get(assessment=assessment, capability=capability)
        ) from None
    new_indicators = dict(current_indicators)
    for indicator, value in indicator_values.items():
        if value == current_indicators.get(indicator.code, ""):
            continue  # unchanged: the autosave sends the whole page each time
        if value:
            IndicatorAnswer.objects.update_or_create(
                assessment=assessment,
                indicator=indicator,
                defaults={"value": value, "updated_by": user},
            )
            new_indicators[indicator.code] = value
        else:
            IndicatorAnswer.objects.filter(assessment=assessment, indicator=indicator).delete()
            new_indicators.pop(indicator.code, None)
    after = _capability_snapshot(answer, new_indicators)
    if after != before:
        audit.record(
            actor=user,
            action="answer.saved",
            country=assessment.country,
            assessment=assessment,
            subject=capability.code,
            before=before,
            after=after,
        )
    return answer


@dataclass(frozen=True)
class CriterionInput:
    value: str
    citation: str
    version: int  # of the stored answer when the page was built; 0 when there was none
    changed: bool  # the user changed this row, or confirmed a copied answer


@transaction.atomic
def criterion_answers_save(
    *,
    assessment: Assessment,
    user: AbstractBaseUser | None,
    answers: Mapping[Criterion, CriterionInput],
) -> list[CriterionAnswer]:
    """Store the rows the user changed. Rows saved by someone else since the page was built
    are conflicts: all are returned and nothing is written."""
    current = {
        a.criterion_id: a
        for a in CriterionAnswer.objects.select_for_update().filter(
            assessment=assessment, criterion__in=list(answers)
        )
    }
    changed = {c: i for c, i in answers.items() if i.changed}
    conflicts = [
        current[c.pk]
        for c, i in changed.items()
        if c.pk in current and current[c.pk].version != i.version
    ]
    if conflicts:
        return conflicts
    for criterion, given in changed.items():
        answer = current.get(criterion.pk)
        before = (
            {"value": answer.value, "citation": answer.citation, "to_confirm": answer.to_confirm}
            if answer
            else None
        )
        if answer is None:
            answer = CriterionAnswer(assessment=assessment, criterion=criterion, version=0)
        answer.value, answer.citation = given.value, given.citation
        answer.to_confirm = False
        answer.updated_by = user
        answer.version += 1
        answer.save()
        after = {"value": answer.value, "citation": answer.citation, "to_confirm": False}
        if after != before:
            audit.record(
                actor=user,
                action="criterion.saved",
                country=assessment.country,
                assessment=assessment,
                subject=criterion.code,
                before=before,
                after=after,
            )
    return []
