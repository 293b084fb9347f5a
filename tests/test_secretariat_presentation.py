"""The secretariat's pages, as a reader sees them (issue 24): the map names demonstration
countries and says why they have no outline; the two-editions page's selects show the pair it
compares; the totals say "assessments" when they count every cycle."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assessment.models import Membership

from .bulk import answered_assessments
from .factories import make_country, make_user
from .test_reviews import import_review, real_codes, synthetic_csv


@pytest.fixture
def analyst(client, db):
    client.force_login(make_user("an", role=Membership.Role.ANALYST))
    return client


def test_the_map_names_demo_countries_and_says_why_they_have_no_outline(analyst, frameworks):
    make_country("XA", "Arvenia (demo)")
    answered_assessments(["XA"], [2026], sharing="named", status="submitted")
    html = analyst.get("/secretariat/reviews/map/?view=shared").content.decode()
    table = html.split('id="map-table"')[1].split("</table>")[0]
    assert "Arvenia (demo)" in table and ">XA<" not in table
    note = re.search(r'<p id="no-shape">(.*?)</p>', html, flags=re.S)
    assert note and "<bdi>Arvenia (demo)</bdi>" in note.group(1)
    assert "no outline" in note.group(1)


def _selected(html: str, name: str) -> str:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, flags=re.S)
    assert select, name
    chosen = re.findall(r'<option value="([^"]*)"\s*selected>', select.group(1))
    assert len(chosen) == 1, (name, chosen)
    return chosen[0]


def test_the_editions_page_shows_and_applies_the_pair_it_compares(analyst):
    codes = real_codes(3)
    rows = [(1, 1, 1, 0, 0), (1, 1, 1, 1, 1), (0, 0, 0, 0, 0)]
    older = import_review(synthetic_csv(codes, rows), 2016)
    newer = import_review(synthetic_csv(codes, rows), 2018)
    html = analyst.get("/secretariat/reviews/editions/").content.decode()
    assert "From ICMEC (2016) to ICMEC (2018)" in html
    before, after = _selected(html, "before"), _selected(html, "review")
    assert (before, after) == (str(older.pk), str(newer.pk))
    # "Apply" as the page stands compares the same two editions, not 2018 with itself.
    again = analyst.get("/secretariat/reviews/editions/", {"before": before, "review": after})
    assert again.status_code == 200
    assert "From ICMEC (2016) to ICMEC (2018)" in again.content.decode()


def test_totals_over_every_cycle_count_assessments_not_countries(analyst, frameworks):
    codes = real_codes(3)
    answered_assessments(codes, [2024, 2026], sharing="named", status="validated")
    every_cycle = analyst.get(reverse("secretariat:matrix")).content.decode()
    header = every_cycle.split('id="law-aggregates"')[1].split("</thead>")[0]
    assert "Assessments that…" in header and "Countries that…" not in header
    assert 'id="across-cycles"' in every_cycle
    one_cycle = analyst.get(reverse("secretariat:matrix"), {"cycle": 2026}).content.decode()
    header = one_cycle.split('id="law-aggregates"')[1].split("</thead>")[0]
    assert "Countries that…" in header and 'id="across-cycles"' not in one_cycle


def test_a_country_profile_names_its_region_in_the_readers_language(analyst, frameworks):
    """The profile printed the stored English names of the region and sub-region."""
    answered_assessments(["KE"], [2026], sharing="named", status="validated")
    analyst.cookies["django_language"] = "fr"
    page = analyst.get(reverse("secretariat:country", args=["KE"])).content.decode()
    assert "Afrique · Afrique subsaharienne" in page
    assert "Sub-Saharan Africa" not in page
