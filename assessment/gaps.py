"""Gap analysis: what is missing against the targets, why it matters, what the Global Threat
Assessment 2019 recommends, and in which order to act. A pure module: plain values in, plain
values out, no database.

- A capability below its target is a "build" gap of size target − level.
- A capability answered "don't know" is a "find out" gap: the first step is to learn the level.
- A legislative criterion not met (or not known) is a "law" gap of size 1.
- Priority: higher framework weight first (foundational capabilities, and the legislative
  criteria which belong to the foundational Legislation capability), then larger gap, then
  domain order, then capability number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from .scoring import Scores, State


class GapKind(StrEnum):
    BUILD = "build"
    FIND_OUT = "find_out"
    LAW = "law"


@dataclass(frozen=True)
class CapabilityMeta:
    code: str
    number: int
    name: str
    domain: str
    domain_order: int
    foundational: bool
    weight: int
    links: tuple[tuple[str, str], ...]  # (recommendation code, reason)


@dataclass(frozen=True)
class CriterionMeta:
    code: str
    name: str
    links: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RecommendationText:
    code: str
    actor: str
    text: str
    source: str
    reason: str


@dataclass(frozen=True)
class Gap:
    key: str  # the capability code, or "law:<criterion code>"
    kind: GapKind
    item: str
    domain: str
    current: int | None  # the level; None when not known or for a law gap
    target: int | None
    size: int
    foundational: bool
    weight: int
    recommendations: tuple[RecommendationText, ...]
    peers: tuple[str, ...]
    priority: int  # 1 = act first
    band: str  # "high", "medium" or "low"


@dataclass(frozen=True)
class Change:
    """A capability's counted level ("1" → "3"), or a criterion's answer ("not_met" → "met":
    codes, which the page shows in words)."""

    item: str
    before: str
    after: str
    improved: bool
    criterion: bool = False


def _recommendations(
    links: Sequence[tuple[str, str]], texts: Mapping[str, tuple[str, str, str]]
) -> tuple[RecommendationText, ...]:
    return tuple(
        RecommendationText(code, *texts[code], reason) for code, reason in links if code in texts
    )


def _band(weight: int, size: int) -> str:
    if weight >= 2:
        return "high"
    return "medium" if size >= 2 else "low"


def compute_gaps(
    *,
    scores: Scores,
    capabilities: Sequence[CapabilityMeta],
    criteria: Sequence[CriterionMeta],
    targets: Mapping[str, int],
    recommendations: Mapping[str, tuple[str, str, str]],
    peers: Mapping[str, Sequence[str]],
    legislation_weight: int,
    legislation_domain_order: int,
) -> list[Gap]:
    meta = {c.code: c for c in capabilities}
    found: list[tuple[tuple[int, ...], Gap]] = []
    for cap in scores.capabilities:
        m = meta[cap.code]
        target = targets[cap.code]
        if cap.state == State.DONT_KNOW:
            kind, current, size = GapKind.FIND_OUT, None, target
        elif cap.state == State.SCORED and cap.level < target:
            kind, current, size = GapKind.BUILD, cap.level, target - cap.level
        else:
            continue
        gap = Gap(
            key=cap.code,
            kind=kind,
            item=f"{m.number}. {m.name}",
            domain=m.domain,
            current=current,
            target=target,
            size=size,
            foundational=m.foundational,
            weight=m.weight,
            recommendations=_recommendations(m.links, recommendations),
            peers=tuple(peers.get(cap.code, ())),
            priority=0,
            band=_band(m.weight, size),
        )
        found.append(((-m.weight, -size, m.domain_order, m.number), gap))
    criterion_meta = {c.code: c for c in criteria}
    for order, result in enumerate(scores.legislation.criteria, start=1):
        if result.met or not result.value:
            continue  # met, or not answered yet: nothing to plan
        c = criterion_meta[result.code]
        gap = Gap(
            key=f"law:{result.code}",
            kind=GapKind.LAW,
            item=c.name,
            domain="",
            current=None,
            target=None,
            size=1,
            foundational=legislation_weight >= 2,
            weight=legislation_weight,
            recommendations=_recommendations(c.links, recommendations),
            peers=(),
            priority=0,
            band=_band(legislation_weight, 1),
        )
        found.append(((-legislation_weight, -1, legislation_domain_order, 100 + order), gap))
    found.sort(key=lambda pair: pair[0])
    return [replace(gap, priority=rank) for rank, (_key, gap) in enumerate(found, 1)]


def changes_since(now: Scores, before: Scores) -> list[Change]:
    """Capabilities whose counted level changed, and criteria whose result changed."""
    previous = {c.code: c for c in before.capabilities}
    changes = []
    for cap in now.capabilities:
        old = previous.get(cap.code)
        if old is None or not (cap.counts and old.counts) or cap.level == old.level:
            continue
        changes.append(
            Change(
                f"{cap.number}. {cap.name}", str(old.level), str(cap.level), cap.level > old.level
            )
        )
    old_law = {r.code: r for r in before.legislation.criteria}
    for r in now.legislation.criteria:
        o = old_law.get(r.code)
        if o is None or not (r.value and o.value) or r.met == o.met:
            continue
        changes.append(Change(r.name, o.value, r.value, r.met, criterion=True))
    return changes
