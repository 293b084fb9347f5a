"""The framework versions' trees and rules, built once per process and language.

An assessment's pages read its framework (domains, capabilities, indicators, criteria, the
scoring rules) here rather than from the database each time: a fixed number of queries the first
time a version is seen, none after.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from frameworks.models import Capability, Criterion, Domain, FrameworkVersion, Indicator

from . import scoring
from .models import LEGISLATION_SECTION, Assessment

T = TypeVar("T")


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
    def section_codes(self) -> list[str]:
        """The questionnaire's sections in order: each domain's code, then the legislation."""
        return [d.code for d in self.domains] + [LEGISLATION_SECTION]

    def sections(self) -> list[tuple[str, str]]:
        """(code, name) of each section, named in the active language."""
        return [(d.code, d.name) for d in self.domains] + [(LEGISLATION_SECTION, _("Legislation"))]

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
# The latest version number of each framework, with the time it was read. A new version is
# loaded a few times a year, by `load_frameworks` in another process, and the overview asks on
# every coordinator's visit: a worker reads it again after LATEST_MAX_AGE seconds, so a new
# version is offered within a minute everywhere, and at once in the process that loaded it (the
# loader clears every cache here).
LATEST_MAX_AGE = 60.0
_LATEST: dict[str, tuple[float, dict[int, int]]] = {}
_CACHES = (_TREES, _CRITERIA, _CRITERION_SPECS, _SUFFICIENCY, _VERSIONS, _LATEST)


def _language() -> str:
    return translation.get_language() or "en"


def clear_framework_cache() -> None:
    for cache in _CACHES:
        cache.clear()
    from frameworks import i18n

    i18n.clear_cache()


def latest_version_numbers() -> dict[int, int]:
    """Framework id -> the number of its latest version: one query a minute per process."""
    kept = _LATEST.get("all")
    if kept is None or time.monotonic() - kept[0] > LATEST_MAX_AGE:
        numbers = FrameworkVersion.objects.values_list("framework_id").annotate(Max("number"))
        kept = _LATEST["all"] = (time.monotonic(), dict(numbers))
    return kept[1]


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
        # The version as read in the active language: the instance passed in may have been
        # read in another (a page in one language exporting a PDF in another), and builders
        # read its translated rules (the scale's names, the sufficiency rule's words).
        lang = _language()
        if (version.pk, lang) not in _VERSIONS:
            _VERSIONS[version.pk, lang] = FrameworkVersion.objects.select_related("framework").get(
                pk=version.pk
            )
        cache[key] = build(_VERSIONS[version.pk, lang])
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
