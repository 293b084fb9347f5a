"""Import of published legislative reviews (ICMEC's Global Review or another source) from CSV,
and their comparison with the countries' self-assessments.

A file has one row per country: a country column (ISO alpha-2 or alpha-3 code, or an English
short name, as django-countries knows them) and the five criteria columns named after their
codes, in any order. Values are yes/no, true/false or 1/0; an empty cell means not known.
Other columns are ignored. Columns may be separated by commas, semicolons (what Excel writes in
locales with a decimal comma) or tabs: the header line decides. A review has one row per
country, so a file with more than MAX_ROWS rows is refused before any row is read.

The import is all-or-nothing: `parse()` either returns every row or raises `ImportRejected`
with every problem it found, by file line (the header is line 1); `store()` writes a parsed
review in one transaction, replacing an earlier import of the same source and year.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override
from django_countries import countries

from assessment.models import Country
from secretariat.comparison import LAW_CODES, Row
from secretariat.models import LegislativeReview, ReviewEntry

COUNTRY_HEADERS = ("country", "iso", "code")
TRUE_VALUES = frozenset({"yes", "true", "1"})
FALSE_VALUES = frozenset({"no", "false", "0"})
DEMO_CODE = re.compile(r"^X[A-Z]$")
FIRST_YEAR, LAST_YEAR = 1990, 2100
MAX_SOURCE_LENGTH = 200
# One row per country: ISO 3166-1 has 249, so more rows than this is not a review. Checked
# before matching, which keeps a huge file of unknown names from tying up a worker.
MAX_ROWS = 300
DELIMITERS = (",", ";", "\t")

# The year the four-of-five rule began rests on a press quote about ICMEC's 7th edition (2012),
# recorded in shared/reference/legislation.md, not on ICMEC's own text; the 9th edition (2018)
# states the rule (Global Threat Assessment 2019, section 07, its table: L753 of the plain-text
# copy in shared/docs). Criterion 1 is required
# with it: ICMEC counts none of the other criteria for a country without CSAM-specific law
# (the same rule as the framework file icmec-legislation-2018.yaml).
ANY_FOUR_SINCE = 2012
DESCRIPTION_ANY_FOUR = gettext_noop(
    "Sufficient when the country has CSAM-specific legislation (criterion 1, without which "
    "ICMEC counts none of the others) and at least four of the five criteria are met (ICMEC's "
    "rule as its 9th edition, 2018, states it; reported since its 7th edition, 2012)."
)
DESCRIPTION_FIRST_FOUR = gettext_noop(
    "Sufficient when all five criteria are met, or all but ISP reporting: the first four "
    "criteria are all required (ICMEC's rule in its 1st to 6th editions, 2006 to 2010)."
)


@dataclass(frozen=True)
class RowError:
    line: int  # 1-based file line; the header is line 1
    reason: str

    def __str__(self) -> str:
        return _("line %(line)s: %(reason)s") % {"line": self.line, "reason": self.reason}


class ImportRejected(Exception):
    """The file cannot be imported; `errors` lists every problem found, in line order."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors, key=lambda e: e.line)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class ParsedRow:
    line: int
    country: Country
    values: dict[str, bool | None]  # criterion code -> met / not met / not known


@dataclass(frozen=True)
class ParsedReview:
    source: str
    year: int
    rules: dict[str, Any]
    rows: list[ParsedRow] = field(default_factory=list)


@dataclass(frozen=True)
class Disagreement:
    country_code: str
    criterion: str
    self_value: str  # the self-assessment's answer: "met", "not_met" or "dont_know"
    published_value: bool


# --- the rule by edition -------------------------------------------------------------------


def rules_for_year(year: int) -> dict[str, Any]:
    """The sufficiency rule of a review published in `year`, in the shape of a legislation
    framework file's `sufficiency`. The description is stored in English; translate it with
    gettext when showing it."""
    if year >= ANY_FOUR_SINCE:
        return {"required": ["legislation"], "at_least": 4, "description": DESCRIPTION_ANY_FOUR}
    return {
        "required": [c for c in LAW_CODES if c != "isp_reporting"],
        "at_least": 4,
        "description": DESCRIPTION_FIRST_FOUR,
    }


def clean_source(source: str) -> str:
    return " ".join(source.split())


def check_source_and_year(source: str, year: int) -> None:
    """Raise ValueError (with a translated message) for a source or year we cannot store."""
    if not clean_source(source):
        raise ValueError(_("Name the source of the review."))
    if len(clean_source(source)) > MAX_SOURCE_LENGTH:
        raise ValueError(
            _("The source name is longer than %(n)s characters.") % {"n": MAX_SOURCE_LENGTH}
        )
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            _("The year must be between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )


# --- parsing -------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The text of an uploaded file (UTF-8, with or without a byte-order mark)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRejected(
            [RowError(line, _("the file is not UTF-8 text; save it as CSV UTF-8 and try again"))]
        ) from None


def _normal(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class CountryIndex:
    """Every alpha-3 code, English name and alias django-countries knows, normalised."""

    alpha3: dict[str, str]  # "FRA" -> "FR"
    names: dict[str, str]  # "viet nam" -> "VN"


def country_index() -> CountryIndex:
    """Built once per import: a lookup is then a dict access instead of by_name's scan of
    every country's names, which cost ~4.5 ms per unknown name (issue 12)."""
    names: dict[str, str] = {}
    with override("en"):
        for code, entry in countries.countries.items():
            if isinstance(entry, dict):
                known = entry.get("names") or [entry["name"]]
            else:
                known = [entry]
            # setdefault: the first country to claim a name keeps it, as in by_name.
            for name in [*known, *countries.shadowed_names.get(code, [])]:
                names.setdefault(_normal(str(name)), code)
    alpha3 = {a3.upper(): code for code, (a3, _numeric) in countries.alt_codes.items() if a3}
    return CountryIndex(alpha3=alpha3, names=names)


def country_code(value: str, index: CountryIndex | None = None) -> str:
    """The alpha-2 code of a code or English name, as django-countries knows it, or ""."""
    value = value.strip()
    if not value or value.isdigit():
        return ""
    index = index or country_index()
    if len(value) in (2, 3) and value.isalpha():
        upper = value.upper()
        code = upper if upper in countries.countries else index.alpha3.get(upper, "")
        if code in countries.countries:
            return code
    return index.names.get(_normal(value), "")


def delimiter_of(text: str) -> str:
    """The column separator the header line uses most: ",", ";" or a tab (default ",")."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _value(cell: str) -> tuple[bool | None, bool]:
    """(value, understood)."""
    word = cell.strip().lower()
    if word == "":
        return None, True
    if word in TRUE_VALUES:
        return True, True
    if word in FALSE_VALUES:
        return False, True
    return None, False


def _records(text: str, delimiter: str = ",") -> Iterable[tuple[int, list[str]]]:
    """(first line number, cells) of each CSV record, skipping blank lines."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=delimiter)
    last_line = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportRejected(
                [RowError(reader.line_num, _("unreadable CSV: %(error)s") % {"error": error})]
            ) from None
        first_line, last_line = last_line + 1, reader.line_num
        if any(c.strip() for c in cells):
            yield first_line, cells


def parse(text: str, *, source: str, year: int) -> ParsedReview:
    """Every row of the CSV `text`, or ImportRejected listing every problem (nothing partial).

    Raises ValueError for a source or year that cannot be stored (see check_source_and_year).
    """
    check_source_and_year(source, year)
    text = text.removeprefix("\ufeff")
    delimiter = delimiter_of(text)
    records = iter(_records(text, delimiter))
    header_record = next(records, None)
    if header_record is None:
        raise ImportRejected([RowError(1, _("the file is empty"))])
    header_line, header = header_record
    # Refused before any row is matched: a review has one row per country (issue 12).
    body = list(itertools.islice(records, MAX_ROWS + 1))
    if len(body) > MAX_ROWS:
        raise ImportRejected(
            [
                RowError(
                    body[MAX_ROWS][0],
                    _(
                        "the file has more than %(max)s rows; a review has one row per "
                        "country. Remove the extra rows and try again"
                    )
                    % {"max": MAX_ROWS},
                )
            ]
        )
    index = country_index()
    names = [h.strip().lower() for h in header]
    errors: list[RowError] = []

    columns: dict[str, int] = {}
    for name in (*COUNTRY_HEADERS, *LAW_CODES):
        positions = [i for i, n in enumerate(names) if n == name]
        if len(positions) > 1:
            errors.append(
                RowError(header_line, _("the column “%(name)s” appears twice") % {"name": name})
            )
        if positions:
            columns[name] = positions[0]
    country_headers = [h for h in COUNTRY_HEADERS if h in columns]
    if not country_headers:
        errors.append(
            RowError(
                header_line,
                _("missing column: a country column named “country”, “iso” or “code”"),
            )
        )
    elif len(country_headers) > 1:
        errors.append(
            RowError(
                header_line,
                _("several country columns (%(names)s); keep only one")
                % {"names": ", ".join(f"“{h}”" for h in country_headers)},
            )
        )
    country_column = columns[country_headers[0]] if len(country_headers) == 1 else None
    for code in LAW_CODES:
        if code not in columns:
            errors.append(RowError(header_line, _("missing column: “%(name)s”") % {"name": code}))
    if len(header) == 1 and errors:
        # Every column name ran together: the file uses a separator we do not read.
        errors.append(
            RowError(
                header_line,
                _(
                    "the header has a single column; separate the columns with commas, "
                    "semicolons or tabs"
                ),
            )
        )

    pending: list[tuple[int, str, dict[str, bool | None]]] = []
    seen: dict[str, int] = {}
    for line, cells in body:
        if len(cells) < len(header):
            errors.append(
                RowError(
                    line,
                    _("%(cells)s cells where the header has %(columns)s columns")
                    % {"cells": len(cells), "columns": len(header)},
                )
            )
            continue
        if any(c.strip() for c in cells[len(header) :]):
            errors.append(
                RowError(
                    line,
                    _("more cells than the header has columns (%(columns)s)")
                    % {"columns": len(header)},
                )
            )
        code = ""
        if country_column is not None:
            raw = cells[country_column].strip()
            if not raw:
                errors.append(RowError(line, _("no country given")))
            elif DEMO_CODE.match(raw.upper()) or DEMO_CODE.match(country_code(raw, index)):
                errors.append(
                    RowError(
                        line,
                        _(
                            "“%(value)s” is a code for demonstration countries; published "
                            "reviews are about real countries"
                        )
                        % {"value": raw},
                    )
                )
            else:
                code = country_code(raw, index)
                if not code:
                    errors.append(RowError(line, _("unknown country “%(value)s”") % {"value": raw}))
                elif code in seen:
                    errors.append(
                        RowError(
                            line,
                            _("duplicate country: %(country)s is already on line %(line)s")
                            % {"country": countries.name(code) or code, "line": seen[code]},
                        )
                    )
                    code = ""
                else:
                    seen[code] = line
        values: dict[str, bool | None] = {}
        for criterion in LAW_CODES:
            if criterion not in columns:
                continue
            value, understood = _value(cells[columns[criterion]])
            if not understood:
                errors.append(
                    RowError(
                        line,
                        _(
                            "unknown value “%(value)s” for “%(column)s”; use yes/no, true/false, "
                            "1/0, or leave it empty when not known"
                        )
                        % {"value": cells[columns[criterion]].strip(), "column": criterion},
                    )
                )
            values[criterion] = value
        if code:
            pending.append((line, code, values))

    known = Country.objects.in_bulk([code for _line, code, _values in pending])
    rows = []
    for line, code, values in pending:
        country = known.get(code)
        if country is None or country.is_demo:
            errors.append(
                RowError(
                    line,
                    _("%(country)s (%(code)s) is not in this app's country list")
                    % {"country": countries.name(code) or code, "code": code},
                )
            )
            continue
        rows.append(ParsedRow(line, country, values))

    if not errors and not rows:
        errors.append(RowError(header_line, _("the file has no country rows below the header")))
    if errors:
        raise ImportRejected(errors)
    return ParsedReview(clean_source(source), year, rules_for_year(year), rows)


# --- storing -------------------------------------------------------------------------------


def existing_review(source: str, year: int) -> LegislativeReview | None:
    """The review an import of this source and year would replace, with `entry_count`."""
    return (
        LegislativeReview.objects.filter(source=clean_source(source), year=year)
        .annotate(entry_count=Count("entries"))
        .first()
    )


def store(parsed: ParsedReview, user: User | None) -> LegislativeReview:
    """Write a parsed review in one transaction: create it, or replace every entry of the
    earlier import of the same source and year."""
    with transaction.atomic():
        review, _created = LegislativeReview.objects.update_or_create(
            source=parsed.source,
            year=parsed.year,
            defaults={
                "rules": parsed.rules,
                "imported_by": user,
                "imported_at": timezone.now(),
            },
        )
        review.entries.all().delete()
        ReviewEntry.objects.bulk_create(
            ReviewEntry(review=review, country=row.country, **row.values) for row in parsed.rows
        )
    return review


# --- comparison with the self-assessments --------------------------------------------------


def latest_entries(
    country_codes: Iterable[str] | None = None, *, with_review: bool = True
) -> dict[str, ReviewEntry]:
    """Each country's entry in its most recent published review (by review year; the latest
    import breaks a tie between sources of the same year), in one query: of these countries,
    or of every country (None: the matrix, whose 196 codes cost more to send than the few
    other entries); without `with_review`, not joined to their review and country (the
    disagreements read only the entries' values)."""
    newest = ReviewEntry.objects.filter(country=OuterRef("country")).order_by(
        "-review__year", "-review__imported_at", "-review__pk"
    )
    entries = ReviewEntry.objects.all()
    if country_codes is not None:
        entries = entries.filter(country__in=list(country_codes))
    entries = entries.filter(pk=Subquery(newest.values("pk")[:1]))
    if with_review:
        entries = entries.select_related("review", "country")
    return {e.country_id: e for e in entries}


def _disagrees(self_value: str, published: bool | None) -> bool:
    if published is None:
        return False
    if published:
        return self_value in ("not_met", "dont_know")
    return self_value == "met"


def disagreements(rows: Sequence[Row], reviews: dict[str, ReviewEntry]) -> list[Disagreement]:
    """Where a country's self-assessment and its published review disagree, per criterion.

    "met" against published not met, and "not met" or "don't know" against published met,
    disagree; an unanswered criterion or a criterion the review leaves empty never does.
    Rows of countries sharing in aggregate only are skipped (they never appear by name), and
    a country with several rows is compared through its most recent cycle.
    """
    latest: dict[str, Row] = {}
    for row in rows:
        code = row.country.pk
        if row.named and (code not in latest or row.cycle > latest[code].cycle):
            latest[code] = row
    out = []
    for code in sorted(latest):
        entry = reviews.get(code)
        if entry is None:
            continue
        for criterion in LAW_CODES:
            self_value = latest[code].criteria.get(criterion, "")
            published = entry.value(criterion)
            if _disagrees(self_value, published):
                out.append(Disagreement(code, criterion, self_value, bool(published)))
    return out
