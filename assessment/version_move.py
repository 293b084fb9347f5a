"""Moving a draft to a corrected framework version (issue 13).

A country that started on an older version of a framework can move its draft or returned
assessment to the latest one: the coordinator sees what changes, then confirms. Answers are
carried over by code (an indicator whose question changed has a new code, so no answer lands on
another question); capability and criterion answers whose item is new or changed are carried
marked "to confirm"; indicators new in the target version are left unanswered. The move is one
transaction and one audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from frameworks.models import Capability, Criterion, FrameworkVersion, Indicator, Recommendation

from . import audit, frameworks_cache, services
from .models import (
    Action,
    Assessment,
    CapabilityAnswer,
    Comment,
    CriterionAnswer,
    EvidenceFile,
    IndicatorAnswer,
    TargetLevel,
)

KINDS = ("mnr", "legislation", "recommendations")


class MoveRefused(Exception):
    """The assessment cannot move (not editable, or already on the latest versions)."""


@dataclass(frozen=True)
class KindChange:
    kind: str
    before: FrameworkVersion
    after: FrameworkVersion
    added: tuple[str, ...] = ()  # items new in `after`, named as a reader names them, with text
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()  # same code, other text: the items' names
    rule_before: str = ""
    rule_after: str = ""


@dataclass(frozen=True)
class MovePreview:
    changes: tuple[KindChange, ...] = field(default=())
    kept_answers: int = 0
    dropped_answers: int = 0

    @property
    def possible(self) -> bool:
        return bool(self.changes)


def _pinned(assessment: Assessment, kind: str) -> FrameworkVersion:
    return getattr(assessment, f"{kind}_version")


def newer_versions(*, assessment: Assessment) -> dict[str, FrameworkVersion]:
    """Kind -> the latest version of the same framework, where it is newer than the pinned one.

    The frameworks' latest numbers are kept per process for a minute (the overview asks this on
    every visit by a coordinator, and a newer version is rare); the versions themselves are
    read only when one is newer."""
    pinned = {kind: _pinned(assessment, kind) for kind in KINDS}
    latest = frameworks_cache.latest_version_numbers()
    newer = {
        kind: (v.framework_id, latest[v.framework_id])
        for kind, v in pinned.items()
        if latest.get(v.framework_id, 0) > v.number
    }
    if not newer:
        return {}
    rows = FrameworkVersion.objects.filter(
        Q(*(Q(framework_id=f, number=n) for f, n in newer.values()), _connector=Q.OR)
    )
    by_framework = {v.framework_id: v for v in rows}
    return {kind: by_framework[f] for kind, (f, _n) in newer.items()}


def _items(version: FrameworkVersion) -> dict[str, tuple[str, str]]:
    """Code -> (what a reader calls the item, the text a reader sees), for every item of a
    version. MNR and recommendation codes are printed on every page (C05, C05.1, R04); a
    criterion's code is an internal key, so a criterion is named by its name (a further
    question, which has none, by its question)."""
    if version.kind == "mnr":
        items = {
            c.code: (c.code, f"{c.name}: {c.summary} " + " | ".join(c.level_descriptors))
            for c in Capability.objects.filter(version=version)
        }
        items.update(
            (i.code, (i.code, i.text))
            for i in Indicator.objects.filter(capability__version=version)
        )
        return items
    if version.kind == "legislation":
        return {
            c.code: (
                f"{c.order}. {c.name}" if c.scored else c.question,
                f"{c.question} {c.guidance}",
            )
            for c in Criterion.objects.filter(version=version)
        }
    return {r.code: (r.code, r.text) for r in Recommendation.objects.filter(version=version)}


def _rule(version: FrameworkVersion) -> str:
    return str(version.rules.get("sufficiency", {}).get("description", ""))


def _shown(label: str, text: str) -> str:
    return label if text.startswith(label) else f"{label}: {text}"


def _change(kind: str, before: FrameworkVersion, after: FrameworkVersion) -> KindChange:
    old, new = _items(before), _items(after)
    return KindChange(
        kind=kind,
        before=before,
        after=after,
        added=tuple(_shown(*new[code]) for code in new if code not in old),
        removed=tuple(_shown(*old[code]) for code in old if code not in new),
        changed=tuple(new[code][0] for code in new if code in old and old[code][1] != new[code][1]),
        rule_before=_rule(before),
        rule_after=_rule(after),
    )


def version_move_preview(*, assessment: Assessment) -> MovePreview:
    targets = newer_versions(assessment=assessment)
    changes = tuple(_change(k, _pinned(assessment, k), v) for k, v in targets.items())
    if not changes:
        return MovePreview()
    mnr = targets.get("mnr", assessment.mnr_version)
    law = targets.get("legislation", assessment.legislation_version)
    capability_codes = set(Capability.objects.filter(version=mnr).values_list("code", flat=True))
    indicator_codes = set(
        Indicator.objects.filter(capability__version=mnr).values_list("code", flat=True)
    )
    criterion_codes = set(Criterion.objects.filter(version=law).values_list("code", flat=True))
    codes = (
        [a.capability.code in capability_codes for a in assessment.capability_answers.all()]
        + [
            c in indicator_codes
            for c in assessment.indicator_answers.values_list("indicator__code", flat=True)
        ]
        + [
            c in criterion_codes
            for c in assessment.criterion_answers.values_list("criterion__code", flat=True)
        ]
    )
    return MovePreview(changes, kept_answers=sum(codes), dropped_answers=len(codes) - sum(codes))


@transaction.atomic
def version_move(*, assessment: Assessment, user: User | None) -> None:
    """Repin the assessment to the latest versions, carrying its answers over by code."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not assessment.is_editable:
        raise MoveRefused(_("Only a draft or returned assessment can move to a newer version."))
    targets = newer_versions(assessment=assessment)
    if not targets:
        raise MoveRefused(_("This assessment already uses the latest framework versions."))
    changed: dict[str, set[str]] = {
        k: set(_change(k, _pinned(assessment, k), v).changed) for k, v in targets.items()
    }
    before = {k: _pinned(assessment, k).number for k in KINDS}
    # The answers on the old versions, then a fresh copy onto the new ones, matched by code.
    capability_answers = list(assessment.capability_answers.select_related("capability"))
    indicator_answers = list(assessment.indicator_answers.select_related("indicator"))
    criterion_answers = list(assessment.criterion_answers.select_related("criterion"))
    for kind, version in targets.items():
        setattr(assessment, f"{kind}_version", version)
    assessment.save(update_fields=[f"{k}_version" for k in targets])
    CapabilityAnswer.objects.filter(assessment=assessment).delete()
    IndicatorAnswer.objects.filter(assessment=assessment).delete()
    CriterionAnswer.objects.filter(assessment=assessment).delete()

    def to_confirm(answer: CapabilityAnswer | CriterionAnswer, code: str) -> bool:
        # An item whose text changed must be looked at again.
        kind = "mnr" if isinstance(answer, CapabilityAnswer) else "legislation"
        return answer.to_confirm or code in changed.get(kind, set())

    services.answers_recreate(
        target=assessment,
        capability_answers=capability_answers,
        indicator_answers=indicator_answers,
        criterion_answers=criterion_answers,
        to_confirm=to_confirm,
    )
    capabilities = {c.code: c for c in Capability.objects.filter(version=assessment.mnr_version)}
    criteria = {c.code: c for c in Criterion.objects.filter(version=assessment.legislation_version)}
    _repoint(assessment, capabilities, criteria)
    audit.record(
        actor=user,
        action="framework.moved",
        country=assessment.country,
        assessment=assessment,
        before=before,
        after={k: _pinned(assessment, k).number for k in KINDS},
    )


def _repoint(
    assessment: Assessment, capabilities: dict[str, Capability], criteria: dict[str, Criterion]
) -> None:
    """Comments, evidence, targets and actions follow their capability or criterion by code;
    one whose item no longer exists keeps pointing at the old row, which is never deleted."""
    old_capabilities = Capability.objects.in_bulk(
        set(
            pk
            for model in (Comment, EvidenceFile, TargetLevel, Action)
            for pk in model.objects.filter(assessment=assessment).values_list(
                "capability_id", flat=True
            )
            if pk
        )
    )
    for model in (Comment, EvidenceFile, TargetLevel, Action):
        for pk, old in old_capabilities.items():
            new = capabilities.get(old.code)
            if new is not None and new.pk != pk:
                model.objects.filter(assessment=assessment, capability_id=pk).update(capability=new)
    for action in Action.objects.filter(
        assessment=assessment, criterion__isnull=False
    ).select_related("criterion"):
        assert action.criterion is not None  # criterion__isnull=False
        new_criterion = criteria.get(action.criterion.code)
        if new_criterion is not None and new_criterion.pk != action.criterion_id:
            Action.objects.filter(pk=action.pk).update(criterion=new_criterion)
