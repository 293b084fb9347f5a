"""Published legislative reviews as the secretariat reads them: the section-07 table of one
edition, two editions side by side, and the review beside the self-assessments.

A published review is public data, so its rows may be shown by name. Each edition is judged by
its own sufficiency rule, the one `legislation_import.rules_for_year()` stored with it, through
the same `scoring.score_legislation()` every self-assessment goes through (one formula).

ICMEC's tables treat a country without CSAM-specific law (criterion 1) as meeting none of the
others, so such a row counts as complete even when the file leaves the other cells empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessment import scoring
from assessment.models import Country
from secretariat.comparison import LAW_CODES, Filters, LawRow, Row
from secretariat.models import LegislativeReview, ReviewEntry

from .worldmap import MapClass

# The five criteria by code, as ICMEC names them; used when no legislation framework names them.
CRITERION_NAMES = {
    "legislation": _("Legislation specific to CSAM"),
    "definition": _("Definition of CSAM"),
    "technology": _("Technology-facilitated offences"),
    "possession": _("Knowing possession"),
    "isp_reporting": _("ISP reporting"),
}
_SPECS = tuple(scoring.CriterionSpec(code, code) for code in LAW_CODES)


@dataclass(frozen=True)
class ReviewFilters:
    """The matrix's geographic filters; a review has no cycle or status."""

    region: int | None = None
    subregion: int | None = None
    hemisphere: str = ""

    def query(self, prefix: str = "country__") -> Q:
        q = Q()
        if self.region:
            q &= Q(**{f"{prefix}region_code": self.region})
        if self.subregion:
            q &= Q(**{f"{prefix}subregion_code": self.subregion})
        if self.hemisphere:
            q &= Q(**{f"{prefix}hemisphere": self.hemisphere})
        return q

    def comparison_filters(self) -> Filters:
        return Filters(region=self.region, subregion=self.subregion, hemisphere=self.hemisphere)


@dataclass(frozen=True)
class ReviewRow:
    """One country in one review, judged by that edition's rule."""

    country: Country
    values: dict[str, bool | None]  # criterion code -> met / not met / not known
    result: scoring.LegislationResult

    @property
    def met(self) -> int:
        return self.result.met

    @property
    def verdict(self) -> scoring.Verdict:
        return self.result.verdict

    @property
    def complete(self) -> bool:
        return self.verdict != scoring.Verdict.INCOMPLETE

    @property
    def has_law(self) -> bool:
        return self.values.get("legislation") is True


def rule_of(review: LegislativeReview) -> scoring.SufficiencyRule:
    """The sufficiency rule stored with the review at import (the rule of its edition)."""
    rules = review.rules
    return scoring.SufficiencyRule(
        tuple(rules.get("required", ())), int(rules["at_least"]), rules.get("description", "")
    )


def _word(value: bool | None) -> str:
    return "" if value is None else ("met" if value else "not_met")


def judge(
    values: dict[str, bool | None], rule: scoring.SufficiencyRule
) -> scoring.LegislationResult:
    """One row under one edition's rule, by the scoring module's formula."""
    if values.get("legislation") is False:
        # No CSAM-specific law: ICMEC counts none of the other criteria as met.
        values = {c: (False if values.get(c) is None else values[c]) for c in LAW_CODES}
    return scoring.score_legislation(_SPECS, {c: _word(values.get(c)) for c in LAW_CODES}, rule)


def rows_of(review: LegislativeReview, filters: ReviewFilters | None = None) -> list[ReviewRow]:
    """Every entry of the review in the filter, in one query, by country name."""
    rule = rule_of(review)
    entries = ReviewEntry.objects.filter(review=review).select_related("country")
    if filters:
        entries = entries.filter(filters.query())
    out = []
    for e in entries:
        values = {c: e.value(c) for c in LAW_CODES}
        out.append(ReviewRow(e.country, values, judge(values, rule)))
    return sorted(out, key=lambda r: str(r.country.name))


# --- the section-07 table -----------------------------------------------------------------


@dataclass(frozen=True)
class Section07:
    review: LegislativeReview
    rows: list[LawRow]
    reviewed: int  # countries of the review in the filter
    incomplete: int  # of them, with a criterion not known (counted in no row)


def section07(review: LegislativeReview, filters: ReviewFilters | None = None) -> Section07:
    """ICMEC's section-07 table computed from the review's rows: sufficient, all five and no
    specific law among the countries with every criterion known; each criterion not met among
    those with some CSAM-specific law that is not sufficient (the qualifier the report drops).
    The rows have the shape of the comparison's legislative aggregates (`LawRow`)."""
    rows = rows_of(review, filters)
    return section07_of(review, rows)


def section07_of(review: LegislativeReview, rows: Sequence[ReviewRow]) -> Section07:
    complete = [r for r in rows if r.complete]
    total = len(complete)
    some_insufficient = [
        r for r in complete if r.has_law and r.verdict != scoring.Verdict.SUFFICIENT
    ]
    law_rows = [
        LawRow(
            "sufficient",
            sum(r.verdict == scoring.Verdict.SUFFICIENT for r in complete),
            total,
            "all",
        ),
        LawRow("all_five", sum(r.met == len(LAW_CODES) for r in complete), total, "all"),
        LawRow("no_specific_law", sum(not r.has_law for r in complete), total, "all"),
    ]
    for code in LAW_CODES[1:]:
        law_rows.append(
            LawRow(
                f"not_{code}",
                sum(r.values.get(code) is not True for r in some_insufficient),
                len(some_insufficient),
                "some_insufficient",
            )
        )
    return Section07(review, law_rows, len(rows), len(rows) - total)


# --- two editions side by side ------------------------------------------------------------


@dataclass(frozen=True)
class CriterionChange:
    code: str
    gained: int
    lost: int


@dataclass(frozen=True)
class CountryChange:
    country: Country
    before: ReviewRow
    after: ReviewRow

    @property
    def gained(self) -> list[str]:
        return [c for c in LAW_CODES if self.after.values[c] and not self.before.values[c]]

    @property
    def lost(self) -> list[str]:
        return [c for c in LAW_CODES if self.before.values[c] and self.after.values[c] is False]


@dataclass(frozen=True)
class EditionComparison:
    before: LegislativeReview
    after: LegislativeReview
    both: int  # countries in both editions (and the filter)
    became_sufficient: int
    no_longer_sufficient: int
    criteria: list[CriterionChange]
    changed: list[CountryChange]  # countries whose verdict or a criterion changed, by name


def compare_editions(
    before: LegislativeReview, after: LegislativeReview, filters: ReviewFilters | None = None
) -> EditionComparison:
    """What changed between two editions, each judged by its own rule, over the countries in
    both (a country reviewed only once does not move the figures)."""
    old = {r.country.pk: r for r in rows_of(before, filters)}
    new = {r.country.pk: r for r in rows_of(after, filters)}
    both = sorted(set(old) & set(new), key=lambda code: str(new[code].country.name))
    sufficient = scoring.Verdict.SUFFICIENT
    changes = [CountryChange(new[c].country, old[c], new[c]) for c in both]
    criteria = [
        CriterionChange(
            code,
            sum(code in ch.gained for ch in changes),
            sum(code in ch.lost for ch in changes),
        )
        for code in LAW_CODES
    ]
    changed = [
        ch
        for ch in changes
        if ch.before.verdict != ch.after.verdict or ch.before.values != ch.after.values
    ]
    return EditionComparison(
        before,
        after,
        len(both),
        sum(old[c].verdict != sufficient and new[c].verdict == sufficient for c in both),
        sum(old[c].verdict == sufficient and new[c].verdict != sufficient for c in both),
        criteria,
        changed,
    )


# --- the review beside the self-assessments -----------------------------------------------


@dataclass(frozen=True)
class MatrixCell:
    code: str
    published: bool | None
    self_value: str  # "met", "not_met", "dont_know", "" (not answered or not shared by name)
    disagrees: bool


@dataclass(frozen=True)
class MatrixRow:
    review: ReviewRow
    assessment: Row | None  # the latest self-assessment shared by name, if any
    cells: list[MatrixCell]

    @property
    def disagreements(self) -> int:
        return sum(c.disagrees for c in self.cells)


def review_matrix(review_rows: Sequence[ReviewRow], named: Iterable[Row]) -> list[MatrixRow]:
    """Every country of the review × the five criteria, beside the country's latest
    self-assessment shared by name (never an aggregate-only one), disagreements marked by the
    same rule as the disagreement list."""
    from .importer import _disagrees

    latest: dict[str, Row] = {}
    for row in named:
        if not row.named:
            continue  # aggregate-only: never beside a published row by name
        code = row.country.pk
        if code not in latest or row.cycle > latest[code].cycle:
            latest[code] = row
    out = []
    for r in review_rows:
        own = latest.get(r.country.pk)
        cells = []
        for code in LAW_CODES:
            self_value = own.criteria.get(code, "") if own else ""
            published = r.values.get(code)
            cells.append(MatrixCell(code, published, self_value, _disagrees(self_value, published)))
        out.append(MatrixRow(r, own, cells))
    return out


# --- the map ------------------------------------------------------------------------------

# Light to dark (ColorBrewer YlGnBu), each with its own pattern (worldmap._MARKS).
_MET_COLOURS = ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494")
_MET_MARKS = (1, 2, 3, 4, 6, 5)


def review_map_classes() -> list[MapClass]:
    from django.utils.translation import ngettext

    classes = [
        MapClass(
            f"met-{n}",
            ngettext("%(n)s of 5 criteria met", "%(n)s of 5 criteria met", n) % {"n": n},
            _MET_COLOURS[n],
            "#ffffff" if n >= 4 else "#1b1b1b",
            _MET_MARKS[n],
        )
        for n in range(len(LAW_CODES) + 1)
    ]
    classes.append(MapClass("unknown", str(_("some criteria not known")), "#bdbdbd", marks=7))
    return classes


def not_reviewed_class() -> MapClass:
    return MapClass("none", str(_("not in this review or filter")), "#f2f2f2", marks=0)


def verdict_label(verdict: scoring.Verdict) -> str:
    return str(
        {
            scoring.Verdict.SUFFICIENT: _("sufficient"),
            scoring.Verdict.NOT_SUFFICIENT: _("not sufficient"),
            scoring.Verdict.INCOMPLETE: _("not known"),
        }[verdict]
    )


def review_map_key(row: ReviewRow) -> str:
    return f"met-{row.met}" if row.complete else "unknown"


def shared_map_classes() -> list[MapClass]:
    return [
        MapClass(
            "named", str(_("self-assessment submitted, shared by name")), "#2c7fb8", "#ffffff", 4
        ),
    ]


def not_shared_class() -> MapClass:
    return MapClass("not-named", str(_("no self-assessment shared by name")), "#f2f2f2", marks=0)


def shared_by_name(rows: Iterable[Row]) -> dict[str, Row]:
    """Countries with a submitted or validated self-assessment shared by name: the latest
    cycle of each. Aggregate-only assessments are never on the map, and no score is."""
    latest: dict[str, Row] = {}
    for row in rows:
        if row.named and (row.country.pk not in latest or row.cycle > latest[row.country.pk].cycle):
            latest[row.country.pk] = row
    return latest
