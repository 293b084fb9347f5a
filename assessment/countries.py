"""Countries from the libraries: ISO 3166-1 (django-countries) and UN M49 (django-countries-hdx).

The report's Global North / South split comes from data/global_north_south.yaml.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext_lazy
from django_countries import countries
from django_countries_hdx import get_country_data

DATA = Path(__file__).resolve().parent / "data" / "global_north_south.yaml"


@cache
def _split() -> dict[str, Any]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def hemisphere(code: str, region_code: int | None, subregion_code: int | None) -> str:
    """The report's class of one country, by the rules written in data/global_north_south.yaml:
    a territory follows its state, written judgements next, then the named lists and regions."""
    split = _split()
    sovereign = split.get("territories", {}).get(code)
    if sovereign:
        data = get_country_data(sovereign) or {}
        return hemisphere(
            sovereign, _int(data.get("Region Code")), _int(data.get("Sub-region Code"))
        )
    for judgement in split.get("judgements", []):
        if judgement["code"] == code:
            return str(judgement["class"])
    if code in split["north"]:
        return "north"
    south = split["south"]
    if code in split.get("latin_america", []):
        return "south"
    if region_code in south["regions"] or subregion_code in south.get("subregions", []):
        return "south"
    return "unclassified"


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def country_rows() -> list[dict[str, Any]]:
    """One dict per ISO 3166-1 country, ready for Country(**row)."""
    rows = []
    for code, _name in countries:
        data = get_country_data(code) or {}
        region = _int(data.get("Region Code"))
        subregion = _int(data.get("Sub-region Code"))
        rows.append(
            {
                "code": code,
                "region_code": region,
                "region_name": data.get("Region Name") or "",
                "subregion_code": subregion,
                "subregion_name": data.get("Sub-region Name") or "",
                "hemisphere": hemisphere(code, region, subregion),
            }
        )
    return rows


def sync_countries(country_model: Any) -> int:
    """Create or update a row for every ISO country; returns how many rows exist afterwards."""
    for row in country_rows():
        code = row.pop("code")
        country_model.objects.update_or_create(code=code, defaults=row)
    return country_model.objects.filter(is_demo=False).count()


# The UN M49 regions and sub-regions, by code, in the words django-countries-hdx stores in
# English, marked here so that the catalogues translate them (Country.region_label).
M49_NAMES = {
    2: gettext_lazy("Africa"),
    9: gettext_lazy("Oceania"),
    19: gettext_lazy("Americas"),
    142: gettext_lazy("Asia"),
    150: gettext_lazy("Europe"),
    15: gettext_lazy("Northern Africa"),
    21: gettext_lazy("Northern America"),
    30: gettext_lazy("Eastern Asia"),
    34: gettext_lazy("Southern Asia"),
    35: gettext_lazy("South-eastern Asia"),
    39: gettext_lazy("Southern Europe"),
    53: gettext_lazy("Australia and New Zealand"),
    54: gettext_lazy("Melanesia"),
    57: gettext_lazy("Micronesia"),
    61: gettext_lazy("Polynesia"),
    143: gettext_lazy("Central Asia"),
    145: gettext_lazy("Western Asia"),
    151: gettext_lazy("Eastern Europe"),
    154: gettext_lazy("Northern Europe"),
    155: gettext_lazy("Western Europe"),
    202: gettext_lazy("Sub-Saharan Africa"),
    419: gettext_lazy("Latin America and the Caribbean"),
}


def m49_name(code: int | None, stored: str) -> str:
    """A region's or sub-region's name in the active language (the stored English name for a
    code the list does not have)."""
    return str(M49_NAMES[code]) if code in M49_NAMES else stored
