"""Operations on assessments: start one, read its framework and answers, save answers, score.

Each function does a fixed number of queries whatever the number of answers, so the pages that
call them stay bounded (tests pin the counts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import prefetch_related_objects
from django.utils import translation

from frameworks.models import Capability, Criterion, Domain, FrameworkVersion, Indicator

from . import audit, scoring
from .models import Assessment, CapabilityAnswer, Country, CriterionAnswer, IndicatorAnswer

T = TypeVar("T")


class FrameworksMissing(Exception):
    """No framework of a needed kind has been loaded yet."""


class AssessmentExists(Exception):
    """The country already has an assessment for this cycle."""


@dataclass(frozen=True)
class MnrTree:
    domains: list[Domain]  # each with .capability_list, each capability with .indicator_list
    rules: scoring.MnrRules
    scale: list[dict[str, Any]]

    # A tree never changes once built (see below), so what is derived from it is kept with it.
    @cached_property
    def capabilities(self) -> list[Capability]:
        return [c for d in self.domains for c in d.capability_list]  # type: ignore[attr-defined]

    @cached_property
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

    @cached_property
    def capability_codes(self) -> dict[int, str]:
        """Capability id -> code, for reading answers without a join."""
        return {c.pk: c.code for c in self.capabilities}

    @cached_property
    def indicator_codes(self) -> dict[int, str]:
        """Indicator id -> code, for reading answers without a join."""
        return {i.pk: i.code for c in self.capabilities for i in c.indicator_list}  # type: ignore[attr-defined]


# Framework versions never change once loaded (a changed file is a new version), so their
# trees are kept per process, keyed by the version's id and content hash, and by language:
# framework texts are translated as they are read (frameworks/i18n.py). The loader and the
# tests clear them (`clear_framework_cache`), since a test database may reuse ids.
_Key = tuple[int, str, str]
_TREES: dict[_Key, MnrTree] = {}
_CRITERIA: dict[_Key, list[Criterion]] = {}
_CRITERION_SPECS: dict[_Key, list[scoring.CriterionSpec]] = {}
_SUFFICIENCY: dict[_Key, scoring.SufficiencyRule] = {}
_VERSIONS: dict[tuple[int, str], FrameworkVersion] = {}
_CACHES = (_TREES, _CRITERIA, _CRITERION_SPECS, _SUFFICIENCY, _VERSIONS)


def _language() -> str:
    return translation.get_language() or "en"


def clear_framework_cache() -> None:
    for cache in _CACHES:
        cache.clear()
    from frameworks import i18n

    i18n.clear_cache()


def attach_versions(assessment: Assessment) -> Assessment:
    """Give the assessment its pinned framework versions from the per-process cache (one
    query the first time a version is seen, none after), instead of joining them each time."""
    ids = [
        assessment.mnr_version_id,
        assessment.legislation_version_id,
        assessment.recommendations_version_id,
    ]
    lang = _language()
    missing = [pk for pk in ids if (pk, lang) not in _VERSIONS]
    if missing:
        for version in FrameworkVersion.objects.select_related("framework").filter(pk__in=missing):
            _VERSIONS[version.pk, lang] = version
    assessment.mnr_version = _VERSIONS[ids[0], lang]
    assessment.legislation_version = _VERSIONS[ids[1], lang]
    assessment.recommendations_version = _VERSIONS[ids[2], lang]
    return assessment


def _kept(
    cache: dict[_Key, T],
    version: FrameworkVersion,
    build: Callable[[FrameworkVersion], T],
) -> T:
    """`build(version)`, computed once per version (by id and content hash) and language, and
    kept."""
    key = (version.pk, version.sha256, _language())
    if key not in cache:
        cache[key] = build(version)
    return cache[key]


def mnr_tree(version: FrameworkVersion) -> MnrTree:
    """Domains, capabilities and indicators of one MNR version: 2 queries, then none."""
    return _kept(_TREES, version, _load_mnr_tree)


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
    return _kept(_CRITERIA, version, lambda v: list(Criterion.objects.filter(version=v)))


def criterion_specs(version: FrameworkVersion) -> list[scoring.CriterionSpec]:
    """The scored criteria of a legislation version, as scoring reads them."""
    return _kept(
        _CRITERION_SPECS,
        version,
        lambda v: [scoring.CriterionSpec(c.code, c.name) for c in criteria_of(v) if c.scored],
    )


def sufficiency_rule(version: FrameworkVersion) -> scoring.SufficiencyRule:
    return _kept(
        _SUFFICIENCY, version, lambda v: scoring.SufficiencyRule.from_version_rules(v.rules)
    )


@dataclass(frozen=True)
class AnswerValues:
    """An assessment's answers as plain values, reduced to what scoring counts: answers copied
    from a previous cycle count only once confirmed, so those still "to confirm" are left out."""

    responses: dict[str, str]  # capability code -> "0".."4", "dont_know", "not_applicable"
    indicators: dict[str, str]  # indicator code -> "yes", "partly", "no"
    criteria: dict[str, str]  # criterion code -> "met", "not_met", "dont_know"


ANSWER_VALUES_CHUNK = 1000  # 3 parameters each, well within PostgreSQL's and SQLite's limits


def answer_values_of_many(assessments: Sequence[Assessment]) -> dict[int, AnswerValues]:
    """Assessment pk -> its answer values: one query per 1,000 assessments (so the statement
    stays within the databases' limits on parameters). Codes come from the cached framework
    trees rather than from joins."""
    ids = [a.pk for a in assessments]
    capability_codes: dict[int, str] = {}
    indicator_codes: dict[int, str] = {}
    criterion_codes: dict[int, str] = {}
    for version in {a.mnr_version for a in assessments}:
        tree = mnr_tree(version)
        capability_codes.update(tree.capability_codes)
        indicator_codes.update(tree.indicator_codes)
    for version in {a.legislation_version for a in assessments}:
        criterion_codes.update((c.pk, c.code) for c in criteria_of(version))
    values = {pk: AnswerValues({}, {}, {}) for pk in ids}
    targets = {  # kind -> (item id -> code, assessment id -> its answers of that kind)
        "c": (capability_codes, {pk: v.responses for pk, v in values.items()}),
        "i": (indicator_codes, {pk: v.indicators for pk, v in values.items()}),
        "r": (criterion_codes, {pk: v.criteria for pk, v in values.items()}),
    }
    with connection.cursor() as cursor:
        for start in range(0, len(ids), ANSWER_VALUES_CHUNK):
            chunk = ids[start : start + ANSWER_VALUES_CHUNK]
            cursor.execute(_answer_values_sql(len(chunk)), chunk * 3)
            for kind, aid, item_id, value in cursor.fetchall():
                codes, answers = targets[kind]
                code = codes.get(item_id)
                if code is not None:
                    answers[aid][code] = value
    return values


def _answer_values_sql(n: int) -> str:
    """The three answer tables in one round trip. Written as SQL because this is the read
    behind every questionnaire page and the comparison: through the ORM it was three queries
    and 1.3 ms of query building on the reference machine, as one statement 0.2 ms (issue 7).
    Plain SQL that PostgreSQL and SQLite both run; `tests/test_answer_values.py` checks it
    against the ORM."""
    ids = ", ".join(["%s"] * n)
    tables = {
        "cap": CapabilityAnswer._meta.db_table,
        "ind": IndicatorAnswer._meta.db_table,
        "crit": CriterionAnswer._meta.db_table,
    }
    return (
        "SELECT 'c', assessment_id, capability_id, response FROM {cap} "
        f"WHERE assessment_id IN ({ids}) AND NOT to_confirm "
        "UNION ALL SELECT 'i', assessment_id, indicator_id, value FROM {ind} "
        f"WHERE assessment_id IN ({ids}) "
        "UNION ALL SELECT 'r', assessment_id, criterion_id, value FROM {crit} "
        f"WHERE assessment_id IN ({ids}) AND NOT to_confirm"
    ).format(**tables)


def answer_values(assessment: Assessment) -> AnswerValues:
    return answer_values_of_many([assessment])[assessment.pk]


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


def criterion_answers(assessment: Assessment) -> dict[str, CriterionAnswer]:
    """Criterion code -> the stored answer (to confirm or not) of the assessment's version."""
    criteria = {c.pk: c for c in criteria_of(assessment.legislation_version)}
    answers: dict[str, CriterionAnswer] = {}
    for a in CriterionAnswer.objects.filter(assessment=assessment).select_related("updated_by"):
        if a.criterion_id in criteria:
            a.criterion = criteria[a.criterion_id]
            answers[a.criterion.code] = a
    return answers


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
            updated_by_id=a.updated_by_id,  # the id only: no query per answer
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
            updated_by_id=a.updated_by_id,  # the id only: no query per answer
        )
        for a in source.criterion_answers.select_related("criterion")
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


def _indicators_of(capability: Capability) -> list[Indicator]:
    """The capability's indicators: from the cached framework tree when it came from there."""
    if hasattr(capability, "indicator_list"):
        return capability.indicator_list
    return list(Indicator.objects.filter(capability=capability))


@transaction.atomic
def capability_answers_save(
    *,
    assessment: Assessment,
    capability: Capability,
    user: User | None,
    response: str,
    evidence: str,
    indicator_values: Mapping[Indicator, str],
    version: int,
    share_with_peers: bool = False,
    via: str = "",
) -> CapabilityAnswer:
    """Store one capability's answer (level, evidence, indicators) as one unit.

    `version` is the answer's version the user's page was built from (0: no answer yet); if
    someone saved since, StaleAnswer is raised and nothing is written.
    """
    # At most one row (a unique constraint), locked until the end of the transaction.
    answer = next(
        iter(
            CapabilityAnswer.objects.select_for_update().filter(
                assessment=assessment, capability=capability
            )
        ),
        None,
    )
    codes = {i.pk: i.code for i in _indicators_of(capability)}
    current_indicators = {
        codes[pk]: value
        for pk, value in IndicatorAnswer.objects.filter(
            assessment=assessment, indicator_id__in=list(codes)
        ).values_list("indicator_id", "value")
    }
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
    if answer.pk is not None:
        answer.save()  # the row is locked: no one else can write it meanwhile
    else:
        try:
            with transaction.atomic():  # a savepoint, only for the insert that may collide
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
            # `via` names where the edit came from when not the online page ("workbook").
            after=after | {"via": via} if via else after,
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
    user: User | None,
    answers: Mapping[Criterion, CriterionInput],
    via: str = "",
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
        # The page names each criterion and who saved it: from what is at hand, and the people
        # in one query (not select_related: PostgreSQL cannot lock the nullable outer join).
        for answer in conflicts:
            answer.criterion = next(c for c in answers if c.pk == answer.criterion_id)
        prefetch_related_objects(conflicts, "updated_by")
        return conflicts
    for criterion, given in changed.items():
        stored = current.get(criterion.pk)
        before = (
            {"value": stored.value, "citation": stored.citation, "to_confirm": stored.to_confirm}
            if stored
            else None
        )
        if stored is None:
            stored = CriterionAnswer(assessment=assessment, criterion=criterion, version=0)
        stored.value, stored.citation = given.value, given.citation
        stored.to_confirm = False
        stored.updated_by = user
        stored.version += 1
        stored.save()
        after = {"value": stored.value, "citation": stored.citation, "to_confirm": False}
        if after != before:
            audit.record(
                actor=user,
                action="criterion.saved",
                country=assessment.country,
                assessment=assessment,
                subject=criterion.code,
                before=before,
                after=after | {"via": via} if via else after,
            )
    return []


@transaction.atomic
def section_confirm(*, assessment: Assessment, section: str, user: User | None) -> int:
    """Confirm, as they are, every answer of one section still marked "to confirm" (copied
    from the previous cycle): each one counts from now on, and each confirmation is recorded
    in the change log as its own entry. Returns how many were confirmed."""
    from .models import LEGISLATION_SECTION

    if section == LEGISLATION_SECTION:
        answers: list[CapabilityAnswer | CriterionAnswer] = list(
            CriterionAnswer.objects.select_for_update()
            .filter(assessment=assessment, to_confirm=True)
            .select_related("criterion")
        )
    else:
        answers = list(
            CapabilityAnswer.objects.select_for_update()
            .filter(assessment=assessment, to_confirm=True, capability__domain__code=section)
            .select_related("capability")
        )
    indicators: dict[int, dict[str, str]] = {}
    for pk, code, value in IndicatorAnswer.objects.filter(
        assessment=assessment,
        indicator__capability__in=[
            a.capability_id for a in answers if isinstance(a, CapabilityAnswer)
        ],
    ).values_list("indicator__capability_id", "indicator__code", "value"):
        indicators.setdefault(pk, {})[code] = value
    for answer in answers:
        if isinstance(answer, CapabilityAnswer):
            before = _capability_snapshot(answer, indicators.get(answer.capability_id, {}))
            action, subject = "answer.saved", answer.capability.code
        else:
            before = {"value": answer.value, "citation": answer.citation, "to_confirm": True}
            action, subject = "criterion.saved", answer.criterion.code
        answer.to_confirm = False
        answer.updated_by = user
        answer.version += 1
        answer.save(update_fields=["to_confirm", "updated_by", "version", "updated_at"])
        after = dict(before) | {"to_confirm": False}
        audit.record(
            actor=user,
            action=action,
            country=assessment.country,
            assessment=assessment,
            subject=subject,
            before=before,
            after=after | {"via": "section"},
        )
    return len(answers)


def to_confirm_by_section(assessment: Assessment) -> dict[str, int]:
    """Section (domain code, or the legislation section) -> answers still to confirm."""
    from django.db.models import Count

    from .models import LEGISLATION_SECTION

    counts = dict(
        CapabilityAnswer.objects.filter(assessment=assessment, to_confirm=True)
        .values_list("capability__domain__code")
        .annotate(n=Count("pk"))
        .values_list("capability__domain__code", "n")
    )
    law = CriterionAnswer.objects.filter(assessment=assessment, to_confirm=True).count()
    if law:
        counts[LEGISLATION_SECTION] = law
    return counts
