"""An assessment's answers: read as plain values (what scoring counts), saved (a capability's,
the legislation criteria's) with a check that no one saved since the page was built, and those
copied from the previous cycle confirmed section by section.

Each function does a fixed number of queries whatever the number of answers, so the pages that
call them stay bounded (tests pin the counts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from frameworks.models import Capability, Criterion, Indicator

from . import audit, progress
from .activity import db_datetime
from .frameworks_cache import criteria_of, mnr_tree
from .models import Assessment, CapabilityAnswer, CriterionAnswer, IndicatorAnswer
from .scoring import Scores


@dataclass(frozen=True)
class AnswerValues:
    """An assessment's answers as plain values, reduced to what scoring counts: answers copied
    from a previous cycle count only once confirmed, so those still "to confirm" are left out
    of the answers and listed apart."""

    responses: dict[str, str]  # capability code -> "0".."4", "dont_know", "not_applicable"
    indicators: dict[str, str]  # indicator code -> "yes", "partly", "no"
    criteria: dict[str, str]  # criterion code -> "met", "not_met", "dont_know"
    # Codes of the capabilities and criteria whose copied answer is not yet confirmed.
    to_confirm: set[str] = field(default_factory=set)


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
            for kind, aid, item_id, value, to_confirm in cursor.fetchall():
                codes, answers = targets[kind]
                code = codes.get(item_id)
                if code is None:
                    continue
                if to_confirm:
                    values[aid].to_confirm.add(code)
                else:
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
        "SELECT 'c', assessment_id, capability_id, response, to_confirm FROM {cap} "
        f"WHERE assessment_id IN ({ids}) "
        "UNION ALL SELECT 'i', assessment_id, indicator_id, value, FALSE FROM {ind} "
        f"WHERE assessment_id IN ({ids}) "
        "UNION ALL SELECT 'r', assessment_id, criterion_id, value, to_confirm FROM {crit} "
        f"WHERE assessment_id IN ({ids})"
    ).format(**tables)


def answer_values(assessment: Assessment) -> AnswerValues:
    return answer_values_of_many([assessment])[assessment.pk]


def criterion_answers(
    assessment: Assessment, *, authors: bool = True
) -> dict[str, CriterionAnswer]:
    """Criterion code -> the stored answer (to confirm or not) of the assessment's version,
    with who saved it last unless `authors` is false (the legislation page does not show it,
    and joining the users was a third of the query's time)."""
    criteria = {c.pk: c for c in criteria_of(assessment.legislation_version)}
    answers: dict[str, CriterionAnswer] = {}
    rows = CriterionAnswer.objects.filter(assessment=assessment)
    for a in rows.select_related("updated_by") if authors else rows:
        if a.criterion_id in criteria:
            a.criterion = criteria[a.criterion_id]
            answers[a.criterion.code] = a
    return answers


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


def _stored_capability(
    assessment: Assessment, capability: Capability, indicators: Sequence[Indicator]
) -> tuple[CapabilityAnswer | None, dict[str, str]]:
    """The capability's stored answer and its indicators' values (code -> value), in one
    statement: the autosave's reads, written as SQL as `answer_values_of_many` is (through the
    ORM they were two queries and 0.8 ms of the save's query building, issue 27).
    `tests/test_answer_values.py` checks it against the ORM."""
    codes = {i.pk: i.code for i in indicators}
    tables = (CapabilityAnswer._meta.db_table, IndicatorAnswer._meta.db_table)
    listed = ", ".join(["%s"] * len(codes)) or "NULL"
    sql = (
        "SELECT 'a', id, response, evidence, share_with_peers, to_confirm, version, "
        "updated_by_id, updated_at FROM {0} WHERE assessment_id = %s AND capability_id = %s "
        "UNION ALL SELECT 'i', indicator_id, value, NULL, NULL, NULL, NULL, NULL, NULL "
        f"FROM {{1}} WHERE assessment_id = %s AND indicator_id IN ({listed})"
    ).format(*tables)
    with connection.cursor() as cursor:
        cursor.execute(sql, [assessment.pk, capability.pk, assessment.pk, *codes])
        rows = cursor.fetchall()
    answer, values = None, {}
    for kind, pk, text, evidence, shared, to_confirm, number, by, at in rows:
        if kind == "i":
            values[codes[pk]] = text
            continue
        answer = CapabilityAnswer(
            pk=pk,
            assessment=assessment,
            capability=capability,
            response=text,
            evidence=evidence,
            share_with_peers=bool(shared),
            to_confirm=bool(to_confirm),
            version=number,
            updated_by_id=by,
            updated_at=db_datetime(at),
        )
        answer._state.adding, answer._state.db = False, connection.alias
    return answer, values


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
    indicators = _indicators_of(capability)
    answer, current_indicators = _stored_capability(assessment, capability, indicators)
    if answer is not None and answer.version != version:
        raise StaleAnswer(answer)
    before = _capability_snapshot(answer, current_indicators)
    written: dict[str, Any] = {
        "response": response,
        "evidence": evidence,
        "share_with_peers": share_with_peers,
        "to_confirm": False,
        "updated_by": user,
    }
    if answer is None:
        answer = CapabilityAnswer(assessment=assessment, capability=capability, **written)
        try:
            with transaction.atomic():  # a savepoint, only for the insert that may collide
                answer.save()
        except IntegrityError:  # created by someone else between our read and our insert
            raise StaleAnswer(
                CapabilityAnswer.objects.get(assessment=assessment, capability=capability)
            ) from None
    else:
        # Written only if it is still the version read: a save that came in between (its
        # row lock is waited for) leaves nothing to update, and this one is refused.
        written |= {"version": answer.version + 1, "updated_at": timezone.now()}
        if not CapabilityAnswer.objects.filter(pk=answer.pk, version=answer.version).update(
            **written
        ):
            raise StaleAnswer(CapabilityAnswer.objects.get(pk=answer.pk))
        for name, value in written.items():
            setattr(answer, name, value)
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
def section_confirm(
    *, assessment: Assessment, section: str, user: User | None, code: str = ""
) -> int:
    """Confirm, as they are, every answer of one section still marked "to confirm" (copied
    from the previous cycle), or only the one of capability or criterion `code` in it: each
    one counts from now on, and each confirmation is recorded in the change log as its own
    entry. Returns how many were confirmed (0 for a code not in the section)."""
    from .models import LEGISLATION_SECTION

    if section == LEGISLATION_SECTION:
        answers: list[CapabilityAnswer | CriterionAnswer] = list(
            CriterionAnswer.objects.select_for_update()
            .filter(assessment=assessment, to_confirm=True)
            .filter(**({"criterion__code": code} if code else {}))
            .select_related("criterion")
        )
    else:
        answers = list(
            CapabilityAnswer.objects.select_for_update()
            .filter(assessment=assessment, to_confirm=True, capability__domain__code=section)
            .filter(**({"capability__code": code} if code else {}))
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


def copied_cycle(assessment: Assessment) -> int | None:
    """The cycle the assessment's answers were copied from, when it still exists."""
    if assessment.copied_from_id is None:
        return None
    return (
        type(assessment)
        .objects.filter(pk=assessment.copied_from_id)
        .values_list("cycle", flat=True)
        .first()
    )


def copied_progress(
    assessment: Assessment, scores: Scores, to_confirm: set[str]
) -> tuple[progress.Overall, frozenset[str]]:
    """The progress line of a draft, its copied answers to confirm (`AnswerValues.to_confirm`)
    counted apart, and their codes (none once the assessment is no longer editable)."""
    if not assessment.is_editable:
        return progress.overall(scores), frozenset()
    codes = frozenset(to_confirm)
    cycle = copied_cycle(assessment) if codes else None
    return progress.overall(scores, codes, cycle), codes
