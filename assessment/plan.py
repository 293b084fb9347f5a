"""Gaps of an assessment and its action plan: the database side of gaps.py.

Queries are fixed in number whatever the number of answers, gaps or actions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from frameworks.models import Capability, FrameworkVersion, Recommendation

from . import audit, frameworks_cache, gaps, peers, scoring, services
from .compiled import CompiledQuery
from .gaps import Change, Gap
from .models import Action, Assessment, CriterionAnswer, TargetLevel


@dataclass(frozen=True)
class GapAnalysis:
    scores: services.scoring.Scores
    gaps: list[Gap]  # (the field's name hides the module's in this class)
    targets: dict[str, int]  # capability code -> target in force
    raised: dict[str, TargetLevel]  # capability code -> the raised target, with its reason
    default_target: int
    max_level: int
    changes: list[Change]
    previous: Assessment | None


# Their SQL compiled once per process: Django compiled these querysets in twice to three times
# the time the database took to run them, on every plan page (`compiled.CompiledQuery`).
_PREVIOUS = CompiledQuery(
    Assessment.objects.filter(country="X~", cycle__lt=32001, status=Assessment.Status.VALIDATED)
    .order_by("-cycle", "-revision")
    .only(*[f.name for f in Assessment._meta.concrete_fields])[:1],
    "X~",
    32001,
)
_TARGETS = CompiledQuery(TargetLevel.objects.filter(assessment=-7).order_by(), -7)
# What the plan page's rows show, and no more (a deferred field read in a row would be a
# query), in the order within one assessment (the model's ordering by "assessment" would join
# the assessment and its country, to sort by them).
_ACTION_ROWS = CompiledQuery(
    Action.objects.filter(assessment=-7)
    .order_by("position", "pk")
    .only(
        "uuid",
        "title",
        "recommendations",
        "lead_agency",
        "supporting_agencies",
        "start_date",
        "due_date",
        "status",
    ),
    -7,
)


def previous_validated(assessment: Assessment) -> Assessment | None:
    """The country's latest validated assessment of an earlier cycle. Its framework versions
    come from the per-process cache and its country is the assessment's own, rather than
    joined (three version rows with their rules were most of this query's time)."""
    found = _PREVIOUS.run(assessment.country_id, assessment.cycle)
    previous = found[0] if found else None
    if previous is not None:
        previous.country = assessment.country
        frameworks_cache.attach_versions(previous)
    return previous


def action_rows(assessment: Assessment) -> list[Action]:
    """The action plan's rows as its page shows them."""
    return _ACTION_ROWS.run(assessment.pk)


def _recommendation_texts(version: FrameworkVersion) -> dict[str, tuple[str, str, str]]:
    """Code -> (actor, text, source) of a recommendations version, as read in the active
    language. A framework version never changes once loaded, so they are kept on the
    version's instance, which `frameworks_cache` keeps per process and language and drops
    when its caches are cleared (`clear_framework_cache`: a framework loaded, a test); by
    language on it too, as an instance read in one language may serve another (a page
    exporting a PDF in another language). A query the first time, none after."""
    kept: dict[str, dict[str, tuple[str, str, str]]]
    kept = version.__dict__.setdefault("_plan_recommendation_texts", {})
    language = get_language()
    texts = kept.get(language)
    if texts is None:
        texts = kept[language] = {
            r.code: (r.actor, r.text, r.source)
            for r in Recommendation.objects.filter(version=version)
        }
    return texts


def _raised_targets(
    assessment: Assessment, capabilities: list[Capability]
) -> dict[str, TargetLevel]:
    """Capability code -> the raised target. Each target's capability is taken from the cached
    tree rather than joined; one left on an older version's capability by a version move
    (`version_move._repoint`: its code no longer exists) is read with any others, in one
    query."""
    targets = _TARGETS.run(assessment.pk)
    known = {c.pk: c for c in capabilities}
    missing = {t.capability_id for t in targets if t.capability_id not in known}
    if missing:
        known.update(Capability.objects.in_bulk(missing))
    for t in targets:
        t.capability = known[t.capability_id]
    return {t.capability.code: t for t in targets}


# The previous cycle's scores, kept per process: a validated assessment's answers never change
# (validation is final; reopening makes a new revision), so its scores are a function of its
# uuid (never reused), framework versions (never changed once loaded) and the language (the
# scores carry names; `previous_validated` returns only validated ones). Reading and scoring
# its answers was a tenth of the plan page's work. At most _PREVIOUS_KEEP, then forgotten.
_PREVIOUS_SCORES: dict[tuple[str, int, int, str], scoring.Scores] = {}
_PREVIOUS_KEEP = 1024


def _previous_key(previous: Assessment) -> tuple[str, int, int, str]:
    return (
        str(previous.uuid),
        previous.mnr_version_id,
        previous.legislation_version_id,
        get_language(),
    )


def _previous_scores(previous: Assessment) -> scoring.Scores | None:
    return _PREVIOUS_SCORES.get(_previous_key(previous))


def _keep_previous_scores(previous: Assessment, scores: scoring.Scores) -> scoring.Scores:
    if len(_PREVIOUS_SCORES) >= _PREVIOUS_KEEP:
        _PREVIOUS_SCORES.clear()
    _PREVIOUS_SCORES[_previous_key(previous)] = scores
    return scores


def gap_analysis(assessment: Assessment) -> GapAnalysis:
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    criteria = frameworks_cache.criteria_of(assessment.legislation_version)
    previous = previous_validated(assessment)
    before = _previous_scores(previous) if previous else None
    # The previous validated cycle's answers, unless kept, are read with this one's, in one query.
    scored = services.scores_of_many(
        [assessment, previous] if previous and not before else [assessment]
    )
    scores = scored[assessment.pk]
    if previous and not before:
        before = _keep_previous_scores(previous, scored[previous.pk])
    default = int(assessment.mnr_version.rules["scoring"]["default_target"])
    raised = _raised_targets(assessment, tree.capabilities)
    targets = {
        c.code: raised[c.code].level if c.code in raised else default for c in tree.capabilities
    }
    metas = [
        gaps.CapabilityMeta(
            code=c.code,
            number=c.number,
            name=c.name,
            domain=c.domain.name,
            domain_order=c.domain.order,
            foundational=c.foundational,
            weight=c.priority_weight,
            links=tuple((link["code"], link["reason"]) for link in c.recommendation_links),
        )
        for c in tree.capabilities
    ]
    texts = _recommendation_texts(assessment.recommendations_version)
    law_cap = next((m for m in metas if m.code == tree.rules.legislation_capability), None)
    below = [c.code for c in scores.capabilities if c.counts and c.level < targets[c.code]]
    found = gaps.compute_gaps(
        scores=scores,
        capabilities=metas,
        criteria=[
            gaps.CriterionMeta(
                c.code, c.name, tuple((x["code"], x["reason"]) for x in c.recommendation_links)
            )
            for c in criteria
            if c.scored
        ],
        targets=targets,
        recommendations=texts,
        peers=peers.peers_for(assessment, below),
        legislation_weight=law_cap.weight if law_cap else 1,
        legislation_domain_order=law_cap.domain_order if law_cap else 0,
    )
    changes = gaps.changes_since(scores, before) if before else []
    answer_words = dict(CriterionAnswer.Value.choices)
    changes = [
        replace(c, before=str(answer_words[c.before]), after=str(answer_words[c.after]))
        if c.criterion
        else c
        for c in changes
    ]
    return GapAnalysis(
        scores, found, targets, raised, default, tree.rules.max_level, changes, previous
    )


class PlanError(Exception):
    """The change is refused; the message says why, for the user."""


def target_levels(assessment: Assessment) -> range:
    """The levels a target may take: from the version's default up to the top of its scale
    (a target is raised, never lowered)."""
    rules = assessment.mnr_version.rules
    default = int(rules["scoring"]["default_target"])
    return range(default, max(int(s["level"]) for s in rules["scale"]) + 1)


@transaction.atomic
def target_set(
    *,
    assessment: Assessment,
    capability: Capability,
    level: int,
    reason: str,
    user: User,
) -> None:
    """Raise a capability's target above the default (with a reason), or reset it."""
    levels = target_levels(assessment)
    default = levels[0]
    if level not in levels:
        raise PlanError(
            _("A target can be raised from %(low)s up to %(high)s, not lowered.")
            % {"low": default, "high": levels[-1]}
        )
    existing = TargetLevel.objects.filter(assessment=assessment, capability=capability).first()
    before = (
        {"level": existing.level, "reason": existing.reason} if existing else {"level": default}
    )
    if level == default:
        if existing:
            existing.delete()
        after: dict[str, Any] = {"level": default}
    else:
        if not reason.strip():
            raise PlanError(_("Say why the target is raised."))
        TargetLevel.objects.update_or_create(
            assessment=assessment,
            capability=capability,
            defaults={"level": level, "reason": reason.strip(), "set_by": user},
        )
        after = {"level": level, "reason": reason.strip()}
    if before != after:
        audit.record(
            actor=user,
            action="target.changed",
            country=assessment.country,
            assessment=assessment,
            subject=capability.code,
            before=before,
            after=after,
        )


def _proposal(gap: gaps.Gap) -> tuple[str, str]:
    lead = gap.recommendations[0] if gap.recommendations else None
    if gap.kind == gaps.GapKind.FIND_OUT:
        title = _("Find out the current level of “%(item)s”") % {"item": gap.item}
    elif gap.kind == gaps.GapKind.LAW:
        title = _("Change the law so that it meets: %(item)s") % {"item": gap.item}
    else:
        title = _("Raise “%(item)s” from level %(current)s to %(target)s") % {
            "item": gap.item,
            "current": gap.current,
            "target": gap.target,
        }
    description = ""
    if lead:
        description = _("Recommended (%(code)s, %(actor)s): %(text)s") % {
            "code": lead.code,
            "actor": lead.actor,
            "text": lead.text,
        }
    return title[:300], description


@transaction.atomic
def actions_generate(*, assessment: Assessment, analysis: GapAnalysis, user: User) -> int:
    """One proposed action per gap that has none yet. Existing actions, edited or not, are
    never changed or removed. Returns how many were added."""
    Assessment.objects.select_for_update().filter(pk=assessment.pk).first()  # one at a time
    existing = set(
        Action.objects.filter(assessment=assessment)
        .exclude(gap_key="")
        .values_list("gap_key", flat=True)
    )
    capabilities = {c.code: c for c in Capability.objects.filter(version=assessment.mnr_version)}
    from frameworks.models import Criterion

    criteria = {c.code: c for c in Criterion.objects.filter(version=assessment.legislation_version)}
    position = Action.objects.filter(assessment=assessment).aggregate(m=Max("position"))["m"] or 0
    new = []
    for gap in analysis.gaps:
        if gap.key in existing:
            continue
        position += 1
        title, description = _proposal(gap)
        law = gap.key.removeprefix("law:") if gap.kind == gaps.GapKind.LAW else None
        new.append(
            Action(
                assessment=assessment,
                gap_key=gap.key,
                position=position,
                title=title,
                description=description,
                capability=capabilities.get(gap.key) if not law else None,
                criterion=criteria.get(law) if law else None,
                recommendations=[r.code for r in gap.recommendations],
                priority=gap.priority,
                updated_by=user,
            )
        )
    Action.objects.bulk_create(new)
    if new:
        audit.record(
            actor=user,
            action="plan.generated",
            country=assessment.country,
            assessment=assessment,
            after={"added": [a.title for a in new]},
        )
    return len(new)


ACTION_FIELDS = (
    "title",
    "description",
    "capability",
    "criterion",
    "recommendations",
    "lead_agency",
    "supporting_agencies",
    "start_date",
    "due_date",
    "status",
    "priority",
)


def _snapshot(action: Action) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ACTION_FIELDS:
        value = getattr(action, name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif hasattr(value, "code"):
            value = value.code
        out[name] = value
    return out


@transaction.atomic
def action_save(
    *,
    assessment: Assessment,
    action: Action | None,
    values: Mapping[str, Any],
    user: User,
) -> Action:
    before = _snapshot(action) if action else None
    if action is None:
        last = Action.objects.filter(assessment=assessment).aggregate(m=Max("position"))["m"]
        action = Action(assessment=assessment, position=(last or 0) + 1)
    for name in ACTION_FIELDS:
        if name in values:
            setattr(action, name, values[name])
    action.updated_by = user
    action.save()
    after = _snapshot(action)
    if after != before:
        audit.record(
            actor=user,
            action="action.saved",
            country=assessment.country,
            assessment=assessment,
            subject=str(action.uuid),
            before=before,
            after=after,
        )
    return action


@transaction.atomic
def action_delete(*, action: Action, user: User) -> None:
    audit.record(
        actor=user,
        action="action.removed",
        country=action.assessment.country,
        assessment=action.assessment,
        subject=str(action.uuid),
        before=_snapshot(action),
    )
    action.delete()


@transaction.atomic
def action_move(*, action: Action, up: bool, user: User) -> None:
    """Swap the action with its neighbour above or below; positions stay 1..n."""
    actions = list(Action.objects.select_for_update().filter(assessment=action.assessment_id))
    for index, a in enumerate(actions, start=1):  # normalise positions
        a.position = index
    i = next(i for i, a in enumerate(actions) if a.pk == action.pk)
    j = i - 1 if up else i + 1
    if not 0 <= j < len(actions):
        return  # already first or last: nothing moves, nothing is recorded
    actions[i].position, actions[j].position = actions[j].position, actions[i].position
    Action.objects.bulk_update(actions, ["position"])
    audit.record(
        actor=user,
        action="action.moved",
        country=action.assessment.country,
        assessment=action.assessment,
        subject=str(action.uuid),
        after={"position": actions[i].position},
    )
