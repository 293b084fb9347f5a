"""The scoring rules of the product brief, as one pure function.

Framework structure and answers go in as plain values, a typed result comes out; nothing here
touches the database, so the results page, the PDF, the exports and the API all call `score()`
and cannot disagree. Thresholds and the sufficiency rule come from the framework version.

- Capability score: its maturity level. "Don't know" scores 0 and is flagged as a data gap;
  "not applicable" is left out of every mean.
- Domain score: the mean of its scored capabilities; overall: the mean of the domain scores.
  Both are shown as a level and as a share of the top level.
- A capability whose indicators mostly contradict its level is flagged, never changed. When
  the version says which level each indicator evidences, a claimed level is compared only with
  the indicators that bear on it (its own level and below for "too high", the levels above for
  "too low"); older versions compare with all their indicators, as before.
- Legislation: criteria met out of the scored criteria; sufficient when every required
  criterion is met and at least `at_least` are met ("don't know" counts as not met, flagged).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

DONT_KNOW = "dont_know"
NOT_APPLICABLE = "not_applicable"


class State(StrEnum):
    NOT_ANSWERED = "not_answered"
    SCORED = "scored"
    DONT_KNOW = "dont_know"
    NOT_APPLICABLE = "not_applicable"


class Progress(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"

    @property
    def label(self) -> Promise:
        return PROGRESS_LABELS[self]

    @property
    def css(self) -> str:
        return self.value.replace("_", "-")


PROGRESS_LABELS = {
    Progress.NOT_STARTED: _("Not started"),
    Progress.IN_PROGRESS: _("In progress"),
    Progress.COMPLETE: _("Complete"),
}


class Verdict(StrEnum):
    SUFFICIENT = "sufficient"
    NOT_SUFFICIENT = "not_sufficient"
    INCOMPLETE = "incomplete"


class FlagKind(StrEnum):
    DONT_KNOW = "dont_know"
    CONTRADICTION = "contradiction"
    LEGISLATION = "legislation"


# --- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CapabilitySpec:
    code: str
    number: int
    name: str
    indicator_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DomainSpec:
    code: str
    name: str
    capabilities: tuple[CapabilitySpec, ...]


@dataclass(frozen=True)
class MnrRules:
    max_level: int
    indicator_values: Mapping[str, float]
    high_level: int
    low_level: int
    share: float
    legislation_capability: str = ""
    # Indicator code -> the level it evidences; empty for versions that do not say.
    indicator_levels: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_version_rules(cls, rules: Mapping[str, Any]) -> MnrRules:
        scoring = rules["scoring"]
        contradiction = scoring["contradiction"]
        return cls(
            max_level=max(s["level"] for s in rules["scale"]),
            indicator_values=scoring["indicator_values"],
            high_level=contradiction["high_level"],
            low_level=contradiction["low_level"],
            share=contradiction["share"],
            legislation_capability=scoring.get("legislation_capability", ""),
            indicator_levels=rules.get("indicator_levels", {}),
        )


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    name: str


@dataclass(frozen=True)
class SufficiencyRule:
    required: tuple[str, ...]
    at_least: int
    description: str

    @classmethod
    def from_version_rules(cls, rules: Mapping[str, Any]) -> SufficiencyRule:
        rule = rules["sufficiency"]
        return cls(tuple(rule["required"]), rule["at_least"], rule["description"])


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    code: str
    subject: str  # what the flag is about, as a reader names it ("3. Legislation")
    message: str | Promise


@dataclass(frozen=True)
class CapabilityScore:
    code: str
    number: int
    name: str
    state: State
    # The level counted in the means: the chosen level, 0 for "don't know". Only meaningful
    # when `counts` is true; read `state` first.
    level: int = 0
    flags: tuple[Flag, ...] = ()

    @property
    def counts(self) -> bool:
        return self.state in (State.SCORED, State.DONT_KNOW)

    @property
    def answered(self) -> bool:
        return self.state != State.NOT_ANSWERED


@dataclass(frozen=True)
class DomainScore:
    code: str
    name: str
    capabilities: tuple[CapabilityScore, ...]
    progress: Progress
    # Mean level of the counted capabilities; None when none counts (nothing answered yet,
    # or every capability marked not applicable), which `progress` tells apart.
    score: float | None
    max_level: int

    @property
    def percent(self) -> float | None:
        return None if self.score is None else 100 * self.score / self.max_level

    @property
    def answered(self) -> int:
        return sum(c.answered for c in self.capabilities)

    @property
    def all_not_applicable(self) -> bool:
        return all(c.state == State.NOT_APPLICABLE for c in self.capabilities)


@dataclass(frozen=True)
class CriterionResult:
    code: str
    name: str
    value: str  # "met", "not_met", "dont_know" or "" when not answered

    @property
    def met(self) -> bool:
        return self.value == "met"


@dataclass(frozen=True)
class LegislationResult:
    criteria: tuple[CriterionResult, ...]
    met: int
    total: int
    verdict: Verdict
    progress: Progress
    rule: SufficiencyRule
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True)
class Scores:
    domains: tuple[DomainScore, ...]
    overall: float | None
    progress: Progress
    max_level: int
    legislation: LegislationResult
    flags: tuple[Flag, ...] = field(default=())

    @property
    def overall_percent(self) -> float | None:
        return None if self.overall is None else 100 * self.overall / self.max_level

    @cached_property  # a frozen result: read many times by the comparison and the reports
    def capabilities(self) -> tuple[CapabilityScore, ...]:
        return tuple(c for d in self.domains for c in d.capabilities)


# --- rules ------------------------------------------------------------------------------------


# A flag's message with its values, translated when it is shown rather than when it is scored:
# the comparison scores every country and shows none of their messages (issue 7).
def _interpolate(message: str | Promise, values: Mapping[str, object]) -> str:
    return str(message) % values


_interpolated = lazy(_interpolate, str)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _progress(answered: int, total: int) -> Progress:
    if answered == 0:
        return Progress.NOT_STARTED
    return Progress.COMPLETE if answered >= total else Progress.IN_PROGRESS


def _share(answers: Sequence[str], value: str, rules: MnrRules) -> float:
    known = [a for a in answers if a in rules.indicator_values]
    return known.count(value) / len(known) if known else 0.0


def contradiction(
    level: int,
    indicator_answers: Sequence[str],
    rules: MnrRules,
    above: Sequence[str] | None = None,
) -> str:
    """'high' when a high level rests on mostly "no", 'low' when a low one on mostly "yes".

    `indicator_answers` are the answers that bear on the claimed level; `above`, when given,
    are those of indicators evidencing higher levels (only they can show a level is too low).
    Without `above` the same answers are used both ways (versions without evidence levels)."""
    higher = indicator_answers if above is None else above
    if level >= rules.high_level and _share(indicator_answers, "no", rules) > rules.share:
        return "high"
    if level <= rules.low_level and _share(higher, "yes", rules) > rules.share:
        return "low"
    return ""


def score_capability(
    spec: CapabilitySpec,
    response: str,
    indicator_answers: Mapping[str, str],
    rules: MnrRules,
) -> CapabilityScore:
    def result(state: State, level: int = 0, flags: tuple[Flag, ...] = ()) -> CapabilityScore:
        return CapabilityScore(spec.code, spec.number, spec.name, state, level, flags)

    if response == DONT_KNOW:
        flag = Flag(
            FlagKind.DONT_KNOW,
            spec.code,
            f"{spec.number}. {spec.name}",
            _("The maturity level is not known: counted as 0 until someone finds out."),
        )
        return result(State.DONT_KNOW, 0, (flag,))
    if response == NOT_APPLICABLE:
        return result(State.NOT_APPLICABLE)
    if not response.isdigit() or int(response) > rules.max_level:
        return result(State.NOT_ANSWERED)
    level = int(response)
    answered = [c for c in spec.indicator_codes if c in indicator_answers]
    levels = rules.indicator_levels
    if levels and all(c in levels for c in spec.indicator_codes):
        direction = contradiction(
            level,
            [indicator_answers[c] for c in answered if levels[c] <= level],
            rules,
            above=[indicator_answers[c] for c in answered if levels[c] > level],
        )
    else:
        direction = contradiction(level, [indicator_answers[c] for c in answered], rules)
    flags: tuple[Flag, ...] = ()
    if direction == "high":
        flags = (
            Flag(
                FlagKind.CONTRADICTION,
                spec.code,
                f"{spec.number}. {spec.name}",
                _interpolated(
                    _("Level %(level)s is claimed, but most indicators are answered “no”."),
                    {"level": level},
                ),
            ),
        )
    elif direction == "low":
        flags = (
            Flag(
                FlagKind.CONTRADICTION,
                spec.code,
                f"{spec.number}. {spec.name}",
                _interpolated(
                    _("Level %(level)s is claimed, but most indicators are answered “yes”."),
                    {"level": level},
                ),
            ),
        )
    return result(State.SCORED, level, flags)


def score_legislation(
    criteria: Sequence[CriterionSpec], values: Mapping[str, str], rule: SufficiencyRule
) -> LegislationResult:
    results = tuple(CriterionResult(c.code, c.name, values.get(c.code, "")) for c in criteria)
    met = sum(r.met for r in results)
    answered = sum(bool(r.value) for r in results)
    progress = _progress(answered, len(results))
    met_codes = {r.code for r in results if r.met}
    if progress != Progress.COMPLETE:
        verdict = Verdict.INCOMPLETE
    elif met >= rule.at_least and set(rule.required) <= met_codes:
        verdict = Verdict.SUFFICIENT
    else:
        verdict = Verdict.NOT_SUFFICIENT
    flags = tuple(
        Flag(
            FlagKind.DONT_KNOW,
            r.code,
            r.name,
            _("Not known whether the law meets this criterion: counted as not met."),
        )
        for r in results
        if r.value == DONT_KNOW
    )
    return LegislationResult(results, met, len(results), verdict, progress, rule, flags)


def score(
    *,
    domains: Sequence[DomainSpec],
    rules: MnrRules,
    responses: Mapping[str, str],
    indicator_answers: Mapping[str, str],
    criteria: Sequence[CriterionSpec],
    criterion_values: Mapping[str, str],
    sufficiency: SufficiencyRule,
) -> Scores:
    """Score one assessment. `responses` maps capability code to its maturity response
    ("0".."4", "dont_know", "not_applicable"); missing or empty means not answered."""
    legislation = score_legislation(criteria, criterion_values, sufficiency)
    domain_scores = []
    for d in domains:
        caps = tuple(
            score_capability(c, responses.get(c.code, ""), indicator_answers, rules)
            for c in d.capabilities
        )
        if legislation.verdict == Verdict.NOT_SUFFICIENT:
            caps = tuple(_legislation_check(c, rules) for c in caps)
        answered = sum(c.answered for c in caps)
        domain_scores.append(
            DomainScore(
                code=d.code,
                name=d.name,
                capabilities=caps,
                progress=_progress(answered, len(caps)),
                score=_mean([c.level for c in caps if c.counts]),
                max_level=rules.max_level,
            )
        )
    overall = _mean([d.score for d in domain_scores if d.score is not None])
    progress_set = {d.progress for d in domain_scores}
    if progress_set == {Progress.COMPLETE}:
        progress = Progress.COMPLETE
    elif progress_set == {Progress.NOT_STARTED}:
        progress = Progress.NOT_STARTED
    else:
        progress = Progress.IN_PROGRESS
    flags = tuple(f for d in domain_scores for c in d.capabilities for f in c.flags)
    return Scores(
        domains=tuple(domain_scores),
        overall=overall,
        progress=progress,
        max_level=rules.max_level,
        legislation=legislation,
        flags=flags + legislation.flags,
    )


def _legislation_check(cap: CapabilityScore, rules: MnrRules) -> CapabilityScore:
    """The legislation capability cannot be well established while the law is not sufficient."""
    if (
        cap.code != rules.legislation_capability
        or cap.state != State.SCORED
        or cap.level < rules.high_level
    ):
        return cap
    flag = Flag(
        FlagKind.LEGISLATION,
        cap.code,
        f"{cap.number}. {cap.name}",
        _interpolated(
            _("Level %(level)s is claimed, but the legislative criteria are not sufficient."),
            {"level": cap.level},
        ),
    )
    return CapabilityScore(
        cap.code, cap.number, cap.name, cap.state, cap.level, cap.flags + (flag,)
    )
