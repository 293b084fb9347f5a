"""Peers: the countries at the top level of a capability that agreed to share their experience,
as the action plan lists them to other countries.

Reading them reads every country's latest validated assessment and its shared answers: 4 to
12 ms at 196 countries, on every plan page. Each process keeps them under the write stamp
(`assessment.stamp`, which says when it is replaced and why that suffices) and reads only the
stamp while it holds. The answers of a validated assessment never change (the workflow refuses
any change to an assessment that is not editable), so answers need no stamp; validating one
replaces it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import get_language

from . import stamp
from .models import Assessment, Country, country_names


def _latest_validated() -> QuerySet[Assessment]:
    """Each country's latest validated assessment (latest cycle, then revision), if its
    cycle is shared by name (`with_cycle_sharing`)."""
    validated = Assessment.Status.VALIDATED
    newer = Assessment.objects.filter(country=OuterRef("country"), status=validated).filter(
        Q(cycle__gt=OuterRef("cycle"))
        | Q(cycle=OuterRef("cycle"), revision__gt=OuterRef("revision"))
    )
    return (
        Assessment.objects.of_cycles_shared_by_name()
        .filter(status=validated)
        .filter(~Exists(newer))
    )


@dataclass(frozen=True)
class _Offers:
    countries: dict[str, frozenset[str]]  # capability code -> the countries offering it
    demo_names: dict[str, str]  # demonstration country code -> its own name
    regions: dict[str, tuple[int | None, int | None]]  # country -> (sub-region, region)


def _read(using: str) -> _Offers:
    """Two queries: from each country's latest validated assessment to its answers at the top
    level with consent (the conditions on the answer in one filter, so that they hold for the
    same answer, found by the partial index `shared_top_level_answers`), then the
    demonstration countries' own names (`Country.name`: a demo's own name, else the
    library's) and every country's UN sub-region and region. Joining the countries in the
    first query cost ten times the query: PostgreSQL cannot foresee how many answers are
    shared and scanned the countries once per answer."""
    rows = (
        _latest_validated()
        .using(using)
        .filter(
            capability_answers__response="4",
            capability_answers__share_with_peers=True,
            capability_answers__to_confirm=False,
        )
        .order_by()
        .values_list("capability_answers__capability__code", "country")
        .distinct()
    )
    found: dict[str, set[str]] = {}
    for code, country in rows:
        found.setdefault(code, set()).add(country)
    countries = Country.objects.using(using).values_list(
        "code", "is_demo", "demo_name", "subregion_code", "region_code"
    )
    demos, regions = {}, {}
    for code, is_demo, demo_name, subregion, region in countries:
        if is_demo:
            demos[code] = Country(code=code, is_demo=True, demo_name=demo_name).name
        regions[code] = (subregion, region)
    return _Offers({code: frozenset(c) for code, c in found.items()}, demos, regions)


_kept: dict[Hashable, tuple[int, _Offers]] = {}  # (database alias, "offers") -> (stamp, read)


def _offers() -> _Offers:
    return stamp.read_kept(_kept, "offers", _read)


# How many peers a gap names on the plan page and in the PDF: the nearest (same sub-region,
# then same region), then by name. At full adoption sixty countries or more may offer a
# capability, a list no reader can use in a table's cell; the XLSX and CSV list every one.
SHOWN = 10


def peers_for(assessment: Assessment, codes: list[str]) -> dict[str, list[str]]:
    """Countries at the top level in each capability that chose to share their experience,
    as their latest validated assessment says: a country that validated a lower level since,
    or took its consent back, is no longer listed (an older cycle's answer is not what the
    country is or offers now). That assessment must be of a cycle shared by name (the
    cycle's choice at its latest submission, `with_cycle_sharing`: an older revision shared
    by name does not count once the country resubmits the cycle for aggregates only): a
    peer's level is shown to other countries, so an aggregate-only assessment is never
    listed, whatever its answer's box says; a country that did not agree is never listed.
    Never the assessment's own country; names in the active language, the nearest first:
    those of its UN sub-region, then of its region, then the others, each by name."""
    offers = _offers()
    library = country_names(get_language())
    own_subregion, own_region = offers.regions.get(assessment.country_id, (None, None))

    def nearness(code: str) -> int:
        subregion, region = offers.regions.get(code, (None, None))
        if own_subregion is not None and subregion == own_subregion:
            return 0
        return 1 if own_region is not None and region == own_region else 2

    peers = {}
    for code in codes:
        countries = offers.countries.get(code, frozenset()) - {assessment.country_id}
        if countries:
            named = (
                (nearness(c), offers.demo_names.get(c) or library.get(c) or c) for c in countries
            )
            peers[code] = [name for _nearness, name in sorted(named)]
    return peers


def shown(peers: Sequence[str]) -> tuple[Sequence[str], int]:
    """The peers a gap names (the first SHOWN), and how many more there are."""
    return peers[:SHOWN], max(0, len(peers) - SHOWN)
