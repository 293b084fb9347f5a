"""Scores frozen at submission: `scoring.Scores` as JSON and back, exactly.

A submitted assessment cannot change until it is returned, so its scores are computed once
when it is submitted (and again when validated), stored with the framework versions they used
(`models.FrozenScores`), and read by the comparison, its exports and the API instead of
re-scoring ~130 answers per country on every request. A returned assessment's stored scores
are dropped; a reopened revision gets its own when it is submitted.

Flag messages are stored as *which* message (a key of `_MESSAGES`) and its level, never as
text: they are translated when shown, in the reader's language, as a fresh score's are. The
message texts are the msgids of `scoring.py`; `to_json` refuses a flag whose message it does
not recognise, so a change of wording there fails the round-trip tests instead of freezing a
wrong text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import frameworks_cache, scoring, services
from .models import Assessment, FrozenScores

FORMAT = 2


def _level_message(message: Promise) -> Callable[[int], Any]:
    return lambda level: scoring._interpolated(message, {"level": level})


# key -> message (a function of the level for those that say it), as scoring.py words them.
_MESSAGES: dict[str, Callable[[int], Any]] = {
    "dont_know_level": lambda level: _(
        "The maturity level is not known: counted as 0 until someone finds out."
    ),
    "too_high": _level_message(
        _("Level %(level)s is claimed, but most indicators are answered “no”.")
    ),
    "too_low": _level_message(
        _("Level %(level)s is claimed, but most indicators are answered “yes”.")
    ),
    "law_not_sufficient": _level_message(
        _("Level %(level)s is claimed, but the legislative criteria are not sufficient.")
    ),
    "dont_know_criterion": lambda level: _(
        "Not known whether the law meets this criterion: counted as not met."
    ),
}


class UnknownFlag(ValueError):
    """A flag whose message `_MESSAGES` does not know (scoring.py changed its wording)."""


def _message_key(flag: scoring.Flag, level: int) -> str:
    text = str(flag.message)
    for key, message in _MESSAGES.items():
        if str(message(level)) == text:
            return key
    raise UnknownFlag(f"no stored form for the flag message {text!r}")


_STATES = list(scoring.State)
_PROGRESS = list(scoring.Progress)
_VERDICTS = list(scoring.Verdict)
_KINDS = list(scoring.FlagKind)
_KEYS = list(_MESSAGES)


@dataclass(frozen=True)
class Specs:
    """What the stored scores leave to the framework versions they name (which never change
    once loaded): codes, numbers and names, in scoring order, and the sufficiency rule."""

    domains: Sequence[scoring.DomainSpec]
    criteria: Sequence[scoring.CriterionSpec]
    rule: scoring.SufficiencyRule
    max_level: int


def specs_of(assessment: Assessment) -> Specs:
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    return Specs(
        tree.specs,
        frameworks_cache.criterion_specs(assessment.legislation_version),
        frameworks_cache.sufficiency_rule(assessment.legislation_version),
        tree.rules.max_level,
    )


def _flags_to_json(flags: Sequence[scoring.Flag], level: int = 0) -> list[list[int]]:
    return [[_KINDS.index(f.kind), _KEYS.index(_message_key(f, level))] for f in flags]


def _flags_from_json(
    data: Sequence[Sequence[int]], code: str, subject: str, level: int = 0
) -> tuple[scoring.Flag, ...]:
    return tuple(
        scoring.Flag(_KINDS[kind], code, subject, _MESSAGES[_KEYS[key]](level))
        for kind, key in data
    )


def to_json(scores: scoring.Scores) -> dict[str, Any]:
    """Compact JSON (issue 17: the comparison reads 588 of them a request, so names, codes
    and the rule, which the framework versions hold, are left out; floats are kept exactly,
    as JSON writes their shortest repr). A flag is stored only when it is about its own
    capability or criterion, which is all `scoring` makes."""
    law = scores.legislation
    domains = []
    for d in scores.domains:
        caps = []
        for c in d.capabilities:
            if any(f.code != c.code for f in c.flags):
                raise UnknownFlag(f"a flag of {c.code} is about another item")
            cap: list[Any] = [_STATES.index(c.state), c.level]
            if c.flags:
                cap.append(_flags_to_json(c.flags, c.level))
            caps.append(cap)
        domains.append([d.score, _PROGRESS.index(d.progress), caps])
    flags_by_code = {r.code: [f for f in law.flags if f.code == r.code] for r in law.criteria}
    if sum(len(v) for v in flags_by_code.values()) != len(law.flags):
        raise UnknownFlag("a legislation flag is about no criterion")
    return {
        "format": FORMAT,
        "overall": scores.overall,
        "progress": _PROGRESS.index(scores.progress),
        "domains": domains,
        "law": [
            law.met,
            _VERDICTS.index(law.verdict),
            _PROGRESS.index(law.progress),
            [r.value for r in law.criteria],
            [_flags_to_json(flags_by_code[r.code]) for r in law.criteria],
        ],
    }


def from_json(data: Mapping[str, Any], specs: Specs) -> scoring.Scores:
    """The `scoring.Scores` that `to_json` was given, equal to it field by field. ValueError
    when the data does not fit the specs (another version's, or another format)."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown frozen scores format {data.get('format')!r}")
    if len(data["domains"]) != len(specs.domains):
        raise ValueError("stored scores of another framework version")
    max_level = specs.max_level
    domains = []
    for spec, (score, progress, caps) in zip(specs.domains, data["domains"], strict=True):
        if len(caps) != len(spec.capabilities):
            raise ValueError("stored scores of another framework version")
        capabilities = []
        for c, cap in zip(spec.capabilities, caps, strict=True):
            level = cap[1]
            flags = (
                _flags_from_json(cap[2], c.code, f"{c.number}. {c.name}", level)
                if len(cap) > 2
                else ()
            )
            capabilities.append(
                scoring.CapabilityScore(c.code, c.number, c.name, _STATES[cap[0]], level, flags)
            )
        domains.append(
            scoring.DomainScore(
                spec.code, spec.name, tuple(capabilities), _PROGRESS[progress], score, max_level
            )
        )
    met, verdict, progress, values, law_flags = data["law"]
    if len(values) != len(specs.criteria):
        raise ValueError("stored scores of another framework version")
    legislation = scoring.LegislationResult(
        criteria=tuple(
            scoring.CriterionResult(c.code, c.name, v)
            for c, v in zip(specs.criteria, values, strict=True)
        ),
        met=met,
        total=len(specs.criteria),
        verdict=_VERDICTS[verdict],
        progress=_PROGRESS[progress],
        rule=specs.rule,
        flags=tuple(
            f
            for c, flags in zip(specs.criteria, law_flags, strict=True)
            if flags
            for f in _flags_from_json(flags, c.code, c.name)
        ),
    )
    flags = tuple(f for d in domains for c in d.capabilities for f in c.flags)
    return scoring.Scores(
        domains=tuple(domains),
        overall=data["overall"],
        progress=_PROGRESS[data["progress"]],
        max_level=max_level,
        legislation=legislation,
        flags=flags + legislation.flags,
    )


# --- storing ------------------------------------------------------------------------------


def freeze(assessment: Assessment, scores: scoring.Scores | None = None) -> FrozenScores:
    """Store the assessment's scores now (replacing any stored before), with its versions."""
    frameworks_cache.attach_versions(assessment)
    scores = scores or services.assessment_scores(assessment)
    frozen, _created = FrozenScores.objects.update_or_create(
        assessment=assessment,
        defaults={
            "data": to_json(scores),
            "mnr_version_id": assessment.mnr_version_id,
            "legislation_version_id": assessment.legislation_version_id,
        },
    )
    return frozen


def thaw(assessment: Assessment) -> None:
    """Drop the stored scores (the assessment was returned and can change again)."""
    FrozenScores.objects.filter(assessment=assessment).delete()


# Thawed scores kept per process. A stored row is never changed in place: freeze() rewrites
# it with a new `frozen_at` and returning the assessment deletes it, so (assessment,
# frozen_at, versions, language) names one value for good: the language because the thawed
# scores carry the names of domains, capabilities and criteria in the reader's language. The
# matrix then reads no JSON at all on a warm worker (issue 17); the oldest entries go first
# beyond THAWED_MAX.
THAWED_MAX = 5000
_THAWED: dict[tuple[Any, ...], scoring.Scores] = {}


def clear_cache() -> None:
    _THAWED.clear()


def _remember(key: tuple[Any, ...], scores: scoring.Scores) -> None:
    if len(_THAWED) >= THAWED_MAX:
        del _THAWED[next(iter(_THAWED))]
    _THAWED[key] = scores


def stored_scores(assessments: Sequence[Assessment]) -> dict[int, scoring.Scores]:
    """Assessment pk -> scores: the stored ones where they match the assessment's versions
    (`frozen_scores` should be selected or prefetched; its `data` may be deferred, and is
    then read in one query for the rows this process has not thawed yet), the rest scored
    live in one query, so an assessment frozen before an upgrade or never frozen still shows."""
    out: dict[int, scoring.Scores] = {}
    live: list[Assessment] = []
    pending: list[tuple[Assessment, FrozenScores, tuple[Any, ...]]] = []
    language = translation.get_language()
    for a in assessments:
        try:
            stored = a.frozen_scores
        except FrozenScores.DoesNotExist:
            stored = None
        if (
            stored is None
            or stored.mnr_version_id != a.mnr_version_id
            or stored.legislation_version_id != a.legislation_version_id
        ):
            live.append(a)
            continue
        key = (a.pk, stored.frozen_at, a.mnr_version_id, a.legislation_version_id, language)
        hit = _THAWED.get(key)
        if hit is not None:
            out[a.pk] = hit
        else:
            pending.append((a, stored, key))
    if pending:
        deferred = [s.pk for _a, s, _k in pending if "data" in s.get_deferred_fields()]
        data = dict(FrozenScores.objects.filter(pk__in=deferred).values_list("pk", "data"))
        specs: dict[tuple[int, int], Specs] = {}
        for a, stored, key in pending:
            versions = (a.mnr_version_id, a.legislation_version_id)
            if versions not in specs:
                specs[versions] = specs_of(a)
            try:
                scores = from_json(data.get(stored.pk) or stored.data, specs[versions])
            except (ValueError, KeyError, IndexError, TypeError):
                live.append(a)  # stored in another format: scored live below
                continue
            _remember(key, scores)
            out[a.pk] = scores
    if live:
        out.update(services.scores_of_many(live))
    return out


@transaction.atomic
def freeze_all(statuses: Sequence[str] = Assessment.SEEN_BY_SECRETARIAT) -> int:
    """Freeze every assessment in these statuses that has no stored scores (the upgrade)."""
    todo = list(
        Assessment.objects.filter(status__in=statuses, frozen_scores__isnull=True).select_related(
            "country"
        )
    )
    for a in todo:
        frameworks_cache.attach_versions(a)
    scores = services.scores_of_many(todo)
    FrozenScores.objects.bulk_create(
        FrozenScores(
            assessment=a,
            data=to_json(scores[a.pk]),
            mnr_version_id=a.mnr_version_id,
            legislation_version_id=a.legislation_version_id,
        )
        for a in todo
    )
    return len(todo)
