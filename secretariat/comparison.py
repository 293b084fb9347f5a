"""The secretariat's comparison of countries, regions and cycles, as plain data.

One function loads the visible assessments of a filter with a fixed number of queries (whatever
the number of countries, cycles or answers) and scores each with the same scoring function as
every other page. Pages, exports and the API all start from `load_rows()`.

Sharing rules (product brief): only submitted and validated assessments count, one per country
and cycle (`Assessment.objects.representing()`: the latest revision the secretariat sees; a
superseded revision is never a second row), shared as the country chose for that cycle at its
latest submission; a country-cycle "aggregate only" never appears by name or with its own
scores, and counts in a total only as `disclosure.py` allows (in a group large enough that no
figure, or difference of two figures, isolates it).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db.models import Q, QuerySet, Subquery
from django.utils.translation import get_language, gettext

from assessment import access, frameworks_cache, frozen, scoring, stamp
from assessment.models import Assessment, Country, FrozenScores
from frameworks.models import FrameworkVersion

from . import disclosure, kept

VISIBLE = Assessment.SEEN_BY_SECRETARIAT  # the same rule as access.may_read
LAW_CODES = ("legislation", "definition", "technology", "possession", "isp_reporting")


def trend_by_name_allowed(code: str) -> bool:
    """One country's trend is its own scores: shown only for a country the secretariat sees,
    and only if it shares every cycle it sees by name (one aggregate-only cycle would be
    revealed by the trend of the others)."""
    sharing = {
        access.cycle_sharing(a)
        for a in Assessment.objects.representing().filter(country=code).only("pk")
    }
    return bool(sharing) and Assessment.Sharing.AGGREGATE not in sharing


@dataclass(frozen=True)
class Filters:
    cycle: int | None = None
    region: int | None = None
    subregion: int | None = None
    hemisphere: str = ""
    status: str = ""  # "submitted", "validated" or "" for both
    country: str = ""  # ISO code, for a single country's trend or profile

    @property
    def cells_whole(self) -> bool:
        """Whether the filter selects whole disclosure cells (cycles), and so may count
        aggregate-only assessments (`disclosure.py`)."""
        return not (self.region or self.subregion or self.hemisphere or self.status or self.country)

    def query(self) -> Q:
        """Applied to the representing revisions (`load_rows`): the status filter reads the
        status of the revision that represents a country's cycle, never an older one's."""
        q = Q(status__in=[self.status] if self.status in VISIBLE else VISIBLE)
        if self.cycle:
            q &= Q(cycle=self.cycle)
        if self.region:
            q &= Q(country__region_code=self.region)
        if self.subregion:
            q &= Q(country__subregion_code=self.subregion)
        if self.hemisphere:
            q &= Q(country__hemisphere=self.hemisphere)
        if self.country:
            q &= Q(country=self.country)
        return q


@dataclass(frozen=True)
class Row:
    """One country's assessment in one cycle."""

    country: Country
    cycle: int
    revision: int
    status: str
    named: bool
    uuid: str
    scores: scoring.Scores
    levels: dict[str, int | None]  # capability code -> counted level (None: not counted)
    domains: dict[str, float | None]  # domain code -> mean
    criteria: dict[str, str]  # criterion code -> "met" / "not_met" / "dont_know" / ""
    # When the scores shown were frozen; None when scored live (secretariat/row_cache.py).
    frozen_at: datetime | None = None

    @property
    def overall(self) -> float | None:
        return self.scores.overall

    @property
    def status_label(self) -> str:
        return str(Assessment.Status(self.status).label)

    @property
    def met(self) -> int:
        return self.scores.legislation.met

    @property
    def verdict(self) -> str:
        return self.scores.legislation.verdict


@dataclass(frozen=True)
class Column:
    key: str  # "C04", "D2", "law:definition", "overall", "met"
    label: str
    kind: str  # "capability", "domain", "criterion", "overall", "met"
    of: int = 0  # for "met": how many criteria are counted

    @property
    def short(self) -> str:
        """The column's header where space is short: the capability or domain code, L1–L5
        for the criteria (ICMEC's numbering), words for the rest; never a raw code such as
        "isp_reporting" (issue 17)."""
        if self.kind == "criterion":
            code = self.key.removeprefix("law:")
            return f"L{LAW_CODES.index(code) + 1}" if code in LAW_CODES else code
        if self.kind == "overall":
            return gettext("Overall")
        if self.kind == "met":
            return gettext("Met")
        return self.key


@dataclass
class Comparison:
    columns: list[Column]
    rows: list[Row]  # every visible assessment, named or not; never render unnamed ones
    domain_names: dict[str, str] = field(default_factory=dict)
    filters: Filters = field(default_factory=lambda: Filters())
    # When every row is frozen, what the comparison is drawn from (filters, framework versions
    # and language of the columns, each row's ROW_KEY values): equal keys, equal comparisons.
    key: tuple[Any, ...] | None = None

    @property
    def named_rows(self) -> list[Row]:
        return [r for r in self.rows if r.named]

    def order_key(self, sort: str, descending: bool) -> tuple[Any, ...] | None:
        """What the named rows sorted so are drawn from (`sorted_named_rows`): None when some
        row is scored live; a sort by no column is the order by name."""
        if self.key is None:
            return None
        if not any(c.key == sort for c in self.columns):
            sort, descending = "", False
        return (self.key, sort, descending)

    @property
    def hidden_count(self) -> int | None:
        """Aggregate-only assessments of the view, as published: those counted in totals plus
        those left out, when how many are left out may be said (`disclosure.left_out_said`);
        else None ("some may be left out"). Never the raw count of a filter that cuts cells."""
        base = disclosure.counted(self.rows, self.filters.cells_whole)
        if base.left_out is None:
            return None
        return len(base.hidden) + base.left_out


def _frozen_at(a: Assessment) -> datetime | None:
    """When `a`'s stored scores were frozen, if they are the ones its row shows (as
    `frozen.stored_scores` decides: stored, and on the assessment's versions)."""
    try:
        stored = a.frozen_scores
    except FrozenScores.DoesNotExist:
        return None
    if (stored.mnr_version_id, stored.legislation_version_id) != (
        a.mnr_version_id,
        a.legislation_version_id,
    ):
        return None
    return stored.frozen_at


# Kept per process (`kept.py`): rows of stored scores under their ROW_KEY values and the
# language (a row's scores name domains, capabilities and criteria); columns per latest
# framework versions and language.
_ROWS: kept.Store[Row] = kept.Store(4096)  # 196 countries x 3 cycles, twice over
_COLUMNS: kept.Store[tuple[list[Column], dict[str, str]]] = kept.Store(16)


def _row(a: Assessment, scores: scoring.Scores) -> Row:
    return Row(
        country=a.country,
        cycle=a.cycle,
        revision=a.revision,
        status=a.status,
        named=a.cycle_sharing == Assessment.Sharing.NAMED,  # type: ignore[attr-defined]
        uuid=str(a.uuid),
        scores=scores,
        levels={c.code: (c.level if c.counts else None) for c in scores.capabilities},
        domains={d.code: d.score for d in scores.domains},
        criteria={r.code: r.value for r in scores.legislation.criteria},
        frozen_at=_frozen_at(a),
    )


def _load(assessments: Sequence[Assessment]) -> dict[int, tuple[tuple[Any, ...], Row]]:
    """Assessment pk -> the key and row of each of these assessments; rows of frozen scores
    are kept under their key."""
    for a in assessments:
        frameworks_cache.attach_versions(a)  # shared, cached instances: not one per row
    scores_by_pk = frozen.stored_scores(assessments)
    out = {}
    for a in assessments:
        key = kept.key_of(a)  # of what was read here: a change since the first query is its own
        row = _row(a, scores_by_pk[a.pk])
        out[a.pk] = (key, row)
        if row.frozen_at is not None:
            _ROWS.put((key, get_language()), row)
    return out


def _latest(kind: str) -> Subquery:
    """The id of the latest version of this kind (`latest_of_kind`), as a subquery."""
    latest = FrameworkVersion.objects.filter(framework__kind=kind).order_by("-loaded_at", "-pk")
    return Subquery(latest.values("pk")[:1])


def _columns(
    latest: tuple[int | None, int | None],
) -> tuple[tuple[Any, ...], list[Column], dict[str, str]]:
    """The columns of the latest MNR and legislation versions (their ids), and the domains'
    names, in the active language, with what they are drawn from (those ids and the language:
    a version never changes once loaded, a changed file is a new one); kept under that key."""
    key = (*latest, get_language())
    found = _COLUMNS.get(key)
    if found is None:
        versions = FrameworkVersion.objects.in_bulk([pk for pk in latest if pk])
        mnr, law = (versions.get(pk) if pk else None for pk in latest)
        found = _COLUMNS.put(key, _build_columns(mnr, law))
    return (key, *found)


def _build_columns(
    latest: FrameworkVersion | None, law_latest: FrameworkVersion | None
) -> tuple[list[Column], dict[str, str]]:
    tree = frameworks_cache.mnr_tree(latest) if latest else None
    columns: list[Column] = []
    domain_names: dict[str, str] = {}
    if tree:
        for d in tree.domains:
            domain_names[d.code] = d.name
            for c in d.capability_list:  # type: ignore[attr-defined]
                columns.append(Column(c.code, f"{c.number}. {c.name}", "capability"))
            columns.append(Column(d.code, d.name, "domain"))
    columns.append(Column("overall", gettext("Overall"), "overall"))
    names = (
        {c.code: c.name for c in frameworks_cache.criteria_of(law_latest) if c.scored}
        if law_latest
        else {}
    )
    for code in LAW_CODES:
        columns.append(Column(f"law:{code}", names.get(code, code), "criterion"))
    columns.append(Column("met", gettext("Criteria met"), "met", of=len(LAW_CODES)))
    return columns, domain_names


# The two queries of `load_rows`, built once per process and filter (building their
# subqueries cost a quarter of the comparison's time): each use runs a copy, never the kept one.
@lru_cache(maxsize=64)
def _visible(filters: Filters) -> QuerySet[Assessment]:
    return kept.stamped(Assessment.objects.representing().filter(filters.query()))


@lru_cache(maxsize=64)
def _row_keys(filters: Filters) -> QuerySet[Assessment, tuple[Any, ...]]:
    # Each row also says which framework versions are the latest (the database works it out
    # once, not per row), for the columns: one query fewer.
    latest = {"latest_mnr": _latest("mnr"), "latest_law": _latest("legislation")}
    return (
        _visible(filters)
        .annotate(**latest)
        .order_by("country", "cycle")
        .values_list(*kept.ROW_KEY, *latest)
    )


# The rows' keys of a filter (and the latest framework versions), kept per process and
# database under the write stamp (`assessment.stamp`): read again only once an assessment, a
# country, stored scores or a framework version was written. Reading them took a fifth of the
# matrix's time at 588 rows.
_KEYS: kept.Store[tuple[int, list[tuple[Any, ...]]]] = kept.Store(64)


def _keys_read(filters: Filters) -> list[tuple[Any, ...]]:
    # A copy of the kept query: it is never run itself.
    return stamp.read_kept(_KEYS, filters, lambda using: list(_row_keys(filters).using(using)))


def load_rows(filters: Filters) -> Comparison:
    """Visible assessments of the filter with the scores stored when they were submitted or
    validated (`assessment.frozen`: what countries submitted), scored live by
    `services.scores_of_many` only where none are stored. Queries: the write stamp 1, then,
    unless this process read them under it, the rows' keys (ROW_KEY) and which framework
    versions are the latest 1 (the latter alone when there is no row);
    then only for rows this process has not kept (new, changed, or scored live): the
    assessments 1, their stored scores 1 when not read before (`frozen.stored_scores` keeps
    them), answers 1 when some are not frozen, the framework versions the first time a
    process sees them (not per country)."""
    visible = _visible(filters)
    read = _keys_read(filters)
    keys = [values[:-2] for values in read]
    if read:
        latest = read[0][-2:]
    else:  # no row to say which versions are the latest
        latest = tuple(
            FrameworkVersion.objects.annotate(mnr=_latest("mnr"), law=_latest("legislation"))
            .values_list("mnr", "law")
            .first()
            or (None, None)
        )
    language = get_language()
    known = [(key, _ROWS.get((key, language))) for key in keys]
    missing = [key[0] for key, row in known if row is None]
    loaded = (
        # The same query: a row changed since the first is read as it is now, or left out.
        _load(
            list(
                visible.filter(pk__in=missing)
                .select_related("country", "frozen_scores")
                .defer("frozen_scores__data")  # read only for what this process has not thawed
            )
        )
        if missing
        else {}
    )
    found = [(key, row) if row is not None else loaded.get(key[0]) for key, row in known]
    pairs = [pair for pair in found if pair is not None]
    columns_key, columns, domain_names = _columns(latest)
    comparison = Comparison(columns, [row for _key, row in pairs], domain_names, filters)
    if all(row.frozen_at is not None for _key, row in pairs):
        # What the comparison is drawn from, for what is kept of its aggregates and page.
        comparison.key = (filters, columns_key, tuple(key for key, _row in pairs))
    return comparison


def cell(row: Row, column: Column) -> float | int | str | None:
    if column.kind == "capability":
        return row.levels.get(column.key)
    if column.kind == "domain":
        return row.domains.get(column.key)
    if column.kind == "overall":
        return row.overall
    if column.kind == "criterion":
        return row.criteria.get(column.key.removeprefix("law:"), "")
    return row.met


def sort_value(row: Row, column: Column) -> float | None:
    value = cell(row, column)
    if column.kind == "criterion":
        return {"met": 1.0, "not_met": 0.0, "dont_know": 0.0}.get(str(value))
    return None if value is None or value == "" else float(value)


def sort_rows(
    rows: Sequence[Row], key: str, descending: bool, columns: Sequence[Column]
) -> list[Row]:
    """Rows in country-name order unless the analyst sorts by a column (the alliance does not
    rank countries by default). Unscored cells go last in either direction."""
    by_name = sorted(rows, key=lambda r: (str(r.country.name), r.cycle))
    column = next((c for c in columns if c.key == key), None)
    if column is None:
        return by_name
    present = [r for r in by_name if sort_value(r, column) is not None]
    missing = [r for r in by_name if sort_value(r, column) is None]
    present.sort(key=lambda r: sort_value(r, column), reverse=descending)  # type: ignore[arg-type,return-value]
    return present + missing


_SORTED: kept.Store[list[Row]] = kept.Store(64)


def sorted_named_rows(comparison: Comparison, sort: str, descending: bool) -> list[Row]:
    """`sort_rows` of the named rows, kept per `Comparison.order_key` (sorting 588 names in
    the reader's language costs more than drawing the page's rows). Not to be changed."""
    key = comparison.order_key(sort, descending)
    found = _SORTED.get(key) if key else None
    if found is None:
        found = sort_rows(comparison.named_rows, sort, descending, comparison.columns)
        if key:
            _SORTED.put(key, found)
    return found


# --- aggregates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Distribution:
    column: Column
    counts: dict[str, int]  # "0".."4", "dont_know", "not_applicable", "not_answered"


@dataclass(frozen=True)
class LawRow:
    label: str
    count: int
    among: int
    among_label: str
    # aggregate-only assessments of this row's population not counted, as published
    # (disclosure.left_out_said): None is "some may be left out"
    left_out: int | None = 0


@dataclass(frozen=True)
class Aggregates:
    assessed: int  # counted in the distributions: named, and aggregate-only ones allowed
    named: int
    distributions: list[Distribution]
    legislation: list[LawRow]
    # aggregate-only assessments of the view counted in no distribution, as published
    # (disclosure.left_out_said): None is "some may be left out"
    left_out: int | None = 0
    # uuids of the aggregate-only assessments each figure counts ("levels", "legislation",
    # "criteria"): never published, kept so that tests can check the disclosure rule
    hidden_counted: dict[str, frozenset[str]] = field(default_factory=dict)
    whole: bool = True  # the filter keeps disclosure cells whole
    left_out_actual: int = 0  # never published: for the tests of disclosure control

    @property
    def hidden_in_totals(self) -> int:
        """Aggregate-only assessments counted in the distributions."""
        return self.assessed - self.named

    @property
    def min_group(self) -> int:
        return disclosure.min_group()


def _distribution_key(cap: scoring.CapabilityScore | None) -> str:
    """Where one assessment's capability is counted ("not_answered" when its framework
    version lacks the capability)."""
    if cap is None or cap.state == scoring.State.NOT_ANSWERED:
        return "not_answered"
    if cap.state in (scoring.State.DONT_KNOW, scoring.State.NOT_APPLICABLE):
        return str(cap.state)
    return str(cap.level)


def _legislation_complete(r: Row) -> bool:
    return r.scores.legislation.verdict != scoring.Verdict.INCOMPLETE


def _some_law_not_sufficient(r: Row) -> bool:
    return (
        _legislation_complete(r)
        and r.verdict != scoring.Verdict.SUFFICIENT
        and r.criteria.get("legislation") == "met"
    )


# Aggregates kept per comparison key (`Comparison.key`: every row frozen) and disclosure
# threshold: a change of any row, sharing choice, filter or language is another key.
_AGGREGATES: kept.Store[Aggregates] = kept.Store(64)


def aggregates(comparison: Comparison) -> Aggregates:
    """Counts over the named assessments and the aggregate-only ones that disclosure control
    lets each figure count (anonymised: no row identity)."""
    if comparison.key is None:
        return _aggregates(comparison)
    key = (comparison.key, disclosure.min_group())
    found = _AGGREGATES.get(key)
    return found if found is not None else _AGGREGATES.put(key, _aggregates(comparison))


def _aggregates(comparison: Comparison) -> Aggregates:
    filters = comparison.filters
    whole = filters.cells_whole
    base = disclosure.counted(comparison.rows, whole)
    rows = base.rows
    columns = [c for c in comparison.columns if c.kind == "capability"]
    counts: dict[str, Counter[str]] = {c.key: Counter() for c in columns}
    for r in rows:
        by_code = {c.code: c for c in r.scores.capabilities}
        for column in columns:
            counts[column.key][_distribution_key(by_code.get(column.key))] += 1
    distributions = [Distribution(c, dict(counts[c.key])) for c in columns]
    # The legislative rows count only complete sections, so their population is cut again by
    # cell, and so is the per-criterion rows' narrower one.
    law = disclosure.counted(comparison.rows, whole, _legislation_complete)
    complete = law.rows
    sufficient = [r for r in complete if r.verdict == scoring.Verdict.SUFFICIENT]
    no_law = [r for r in complete if r.criteria.get("legislation") != "met"]
    # ICMEC's section-07 table counts criteria not met among the countries that have some
    # CSAM-specific law that is not sufficient (the report's table drops this qualifier).
    narrow = disclosure.counted(comparison.rows, whole, _some_law_not_sufficient)
    some_insufficient = narrow.rows
    total = len(complete)
    law_rows = [
        LawRow("sufficient", len(sufficient), total, "all", law.left_out),
        LawRow(
            "all_five", sum(r.met == len(LAW_CODES) for r in complete), total, "all", law.left_out
        ),
        LawRow("no_specific_law", len(no_law), total, "all", law.left_out),
    ]
    for code in LAW_CODES[1:]:
        law_rows.append(
            LawRow(
                f"not_{code}",
                sum(r.criteria.get(code) != "met" for r in some_insufficient),
                len(some_insufficient),
                "some_insufficient",
                narrow.left_out,
            )
        )
    return Aggregates(
        len(rows),
        len(comparison.named_rows),
        distributions,
        law_rows,
        base.left_out,
        {"levels": base.hidden, "legislation": law.hidden, "criteria": narrow.hidden},
        whole,
        base.left_out_actual,
    )


# --- trend --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendRow:
    column: Column
    before: float | None  # mean level (capability) or share met (criterion) in the earlier cycle
    after: float | None
    countries: int  # countries present in both cycles

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class Trend:
    rows: list[TrendRow]
    # Aggregate-only assessments are never counted in a trend. Never a number: three trends
    # over three cycles would solve each cycle's count. None: "some may be left out" (any in
    # the two cycles, or a filter that cuts cells, whatever its part holds); 0: none.
    left_out: int | None


def trend(filters: Filters, since: int, until: int) -> Trend:
    """Change per capability, domain and criterion between two cycles, over the countries
    assessed in both and shared by name in both (so a country joining later does not move the
    figures).
    Aggregate-only assessments are left out: "present in both cycles" is no whole cell of
    `disclosure.py`, so counting them would let two trends isolate one."""
    base = Filters(
        None, filters.region, filters.subregion, filters.hemisphere, filters.status, filters.country
    )
    comparison = load_rows(base)
    by_cycle: dict[int, dict[str, Row]] = defaultdict(dict)
    hidden = 0
    for r in comparison.rows:
        if r.cycle not in (since, until):
            continue
        if not r.named:
            hidden += 1
            continue
        by_cycle[r.cycle][r.country.pk] = r
    if filters.country:
        left_out: int | None = 0  # one named country's own trend (trend_by_name_allowed)
    else:
        left_out = None if hidden or not base.cells_whole else 0
    both = sorted(set(by_cycle[since]) & set(by_cycle[until]))
    out = []
    for column in comparison.columns:
        if column.kind not in ("capability", "domain", "criterion"):
            continue
        before_values, after_values = [], []
        for code in both:
            b, a = cell(by_cycle[since][code], column), cell(by_cycle[until][code], column)
            if column.kind == "criterion":
                if b and a:
                    before_values.append(1.0 if b == "met" else 0.0)
                    after_values.append(1.0 if a == "met" else 0.0)
            elif b is not None and a is not None:
                before_values.append(float(b))
                after_values.append(float(a))
        n = len(before_values)
        out.append(
            TrendRow(
                column,
                sum(before_values) / n if n else None,
                sum(after_values) / n if n else None,
                n,
            )
        )
    return Trend(out, left_out)
