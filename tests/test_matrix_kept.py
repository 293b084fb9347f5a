"""Issue 27: what the matrix keeps between requests follows every change at once.

Rows of stored scores, their aggregates, the sorted table and the page below the filters are
kept per process (secretariat/kept.py, row_cache.py, views._matrix_body) under every value
they are drawn from. Each test here shows a page, changes one of those values, and checks that
the next page shows the change: a test fails if that value is left out of a key.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from assessment import frozen, workflow
from assessment.models import (
    Assessment,
    CapabilityAnswer,
    Country,
    FrozenScores,
    Membership,
    WriteStamp,
)
from frameworks.loader import load_frameworks
from frameworks.models import Capability, FrameworkVersion
from secretariat import comparison as cmp
from secretariat import row_cache
from secretariat.reviews import importer

from .bulk import answered_assessments
from .factories import answer_all, make_assessment, make_country, make_user

URL = reverse("secretariat:matrix") + "?cycle=2026"
STAMP_SQL = f"SELECT token FROM {WriteStamp._meta.db_table} WHERE id = 1"
DATA = Path(__file__).resolve().parent.parent / "frameworks" / "data"


@pytest.fixture
def analyst_client(client: Client) -> Client:
    client.force_login(make_user("ana", role=Membership.Role.ANALYST))  # type: ignore[arg-type]
    return client


def frozen_world(codes: list[str], **options: Any) -> list[Assessment]:
    """Validated 2026 assessments with their scores stored, as validating stores them."""
    assessments = answered_assessments(codes, [2026], **options)
    frozen.freeze_all()
    return assessments


def page(client: Client, url: str = URL) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def matrix_names(html: str) -> list[str]:
    body = html[html.index('<table class="matrix') : html.index("</table>")]
    return re.findall(r'<th scope="row" class="name"><a [^>]*>([^<]*)</a>', body)


def distributions(html: str) -> str:
    start = html.index('id="distributions"')
    return html[start : html.index("</table>", start)]


@pytest.mark.usefixtures("frameworks")
def test_kept_rows_are_recalled_without_reading_the_assessments() -> None:
    frozen_world(["FR", "KE", "BR"])
    first = cmp.load_rows(cmp.Filters(cycle=2026))
    assert first.key is not None
    with CaptureQueriesContext(connection) as ctx:
        again = cmp.load_rows(cmp.Filters(cycle=2026))
    # The write stamp alone: the rows' keys were read under it, and no assessment, country or
    # stored scores are read again (a key read with the rows equals the one read alone).
    assert [q["sql"] for q in ctx.captured_queries] == [STAMP_SQL]
    assert again.key == first.key
    assert all(a is b for a, b in zip(first.rows, again.rows, strict=True))


@pytest.mark.usefixtures("frameworks")
def test_the_keys_are_read_again_after_stored_scores_are_written_without_a_signal() -> None:
    frozen_world(["FR", "KE"])
    filters = cmp.Filters(cycle=2026)
    first = cmp.load_rows(filters)
    FrozenScores.objects.filter(assessment__country="KE").update(frozen_at=timezone.now())
    with CaptureQueriesContext(connection) as ctx:
        again = cmp.load_rows(filters)
    assert len(ctx) > 1  # the keys, then Kenya's row, read again
    kenya = [r.frozen_at for r in (*first.rows, *again.rows) if r.country.pk == "KE"]
    assert kenya[0] != kenya[1]


@pytest.mark.usefixtures("frameworks")
def test_a_country_moved_by_a_queryset_update_shows_at_once_in_rows_and_filters(
    analyst_client: Client,
) -> None:
    frozen_world(["FR", "KE"])
    africa = Country.objects.get(pk="KE")
    html = page(analyst_client, f"{URL}&region={africa.region_code}")
    assert matrix_names(html) == ["Kenya"]
    assert "Atlantic test region" not in html
    Country.objects.filter(pk="FR").update(
        region_code=africa.region_code, region_name=africa.region_name
    )
    assert matrix_names(page(analyst_client, f"{URL}&region={africa.region_code}")) == [
        "France",
        "Kenya",
    ]
    Country.objects.filter(pk="KE").update(region_code=990, region_name="Atlantic test region")
    assert '<option value="990" >Atlantic test region</option>' in page(analyst_client, URL)


@pytest.mark.usefixtures("frameworks")
def test_rows_scored_live_are_never_kept() -> None:
    answered_assessments(["FR", "KE"], [2026])  # no stored scores: scored live
    result = cmp.load_rows(cmp.Filters(cycle=2026))
    assert result.key is None and result.order_key("", False) is None


@pytest.mark.usefixtures("frameworks")
def test_a_sharing_choice_made_by_a_later_revision_hides_the_country_at_once(
    analyst_client: Client,
) -> None:
    """France's validated revision 1, shared by name, is kept. Revision 2 is submitted for
    aggregates only, then returned: revision 1 stands for the cycle again, unchanged, but the
    cycle's choice is now the one made at revision 2's submission (docs/security.md)."""
    france = Country.objects.get(pk="FR")
    first = make_assessment(france, 2026)
    answer_all(first, default="3", share=True)
    workflow.submit(assessment=first, sharing="named", user=None)
    workflow.review(assessment=first, validate=True, comment="", user=None)
    frozen_world(["KE", "BR"])
    csv_url = reverse("secretariat:export", args=["matrix", "csv"]) + "?cycle=2026"
    assert "France" in matrix_names(page(analyst_client))
    assert "France" in page(analyst_client, csv_url)

    second = workflow.reopen(assessment=Assessment.objects.get(pk=first.pk), user=None)
    workflow.submit(assessment=second, sharing="aggregate", user=None)
    workflow.review(assessment=second, validate=False, comment="Check C04.", user=None)

    html = page(analyst_client)
    assert matrix_names(html) == ["Brazil", "Kenya"]
    assert "France" not in html and "France" not in page(analyst_client, csv_url)
    named = cmp.load_rows(cmp.Filters(cycle=2026)).named_rows
    assert "FR" not in {r.country.pk for r in named}


@pytest.mark.usefixtures("frameworks")
def test_a_returned_assessment_leaves_the_page_at_once(analyst_client: Client) -> None:
    kenya, _france = frozen_world(["KE", "FR"], status="submitted")
    assert matrix_names(page(analyst_client)) == ["France", "Kenya"]
    workflow.review(assessment=kenya, validate=False, comment="Check C04.", user=None)
    assert matrix_names(page(analyst_client)) == ["France"]


@pytest.mark.usefixtures("frameworks")
def test_the_disclosure_threshold_is_part_of_what_is_kept(
    analyst_client: Client, settings: Any
) -> None:
    settings.AGGREGATE_MIN_GROUP = 3
    frozen_world(["FR", "KE"])
    frozen_world(["JP", "DE"], sharing="aggregate", seed=2)
    html = page(analyst_client)
    assert "may be left out of this view" in html and "are counted in the totals only" not in html
    assert cmp.aggregates(cmp.load_rows(cmp.Filters(cycle=2026))).assessed == 2

    settings.AGGREGATE_MIN_GROUP = 2  # the two aggregate-only assessments now count
    html = page(analyst_client)
    assert "2 more, from countries that share aggregates only, are counted" in html
    assert "may be left out of this view" not in html
    assert cmp.aggregates(cmp.load_rows(cmp.Filters(cycle=2026))).assessed == 4


@pytest.mark.usefixtures("frameworks")
def test_a_demo_countrys_new_name_shows_at_once(analyst_client: Client) -> None:
    make_country("XA", "Belmora (demo)")
    frozen_world(["XA", "FR"])
    assert "Belmora (demo)" in matrix_names(page(analyst_client))
    Country.objects.filter(pk="XA").update(demo_name="Corvania (demo)")
    html = page(analyst_client)
    assert "Corvania (demo)" in matrix_names(html) and "Belmora" not in html


@pytest.mark.usefixtures("frameworks")
def test_scores_frozen_again_change_the_totals_as_a_fresh_page_draws_them(
    analyst_client: Client,
) -> None:
    (kenya,) = frozen_world(["KE"])
    before = distributions(page(analyst_client))
    c01 = CapabilityAnswer.objects.get(assessment=kenya, capability__code="C01")
    CapabilityAnswer.objects.filter(pk=c01.pk).update(response="4" if c01.response != "4" else "0")
    frozen.freeze(Assessment.objects.get(pk=kenya.pk))  # validated again: a new frozen_at
    after = distributions(page(analyst_client))
    assert after != before
    row_cache.clear()  # everything kept: what a fresh process draws
    assert distributions(page(analyst_client)) == after


@pytest.mark.usefixtures("frameworks")
def test_each_sort_draws_its_own_order(analyst_client: Client) -> None:
    frozen_world(["FR", "KE", "BR", "JP"])
    result = cmp.load_rows(cmp.Filters(cycle=2026))
    for key, direction in (("overall", "asc"), ("overall", "desc"), ("C01", "desc"), ("", "")):
        html = page(analyst_client, f"{URL}&sort={key}&dir={direction}")
        expected = cmp.sort_rows(result.named_rows, key, direction == "desc", result.columns)
        assert matrix_names(html) == [r.country.name for r in expected], (key, direction)


def test_a_newer_framework_version_names_the_columns_at_once(
    no_frameworks: None, analyst_client: Client
) -> None:
    load_frameworks(sorted((DATA / "archive").glob("*-v1.yaml")))
    frozen_world(["FR", "KE"])
    assert "Renamed capability" not in page(analyst_client)
    load_frameworks()  # the corrected files: newer versions, which name the columns
    latest = FrameworkVersion.objects.latest_of_kind("mnr")
    Capability.objects.filter(version=latest, code="C01").update(name="Renamed capability")
    html = page(analyst_client)
    assert "Renamed capability" in html
    assert matrix_names(html) == ["France", "Kenya"]  # rows still on the versions they answered


@pytest.mark.usefixtures("frameworks")
def test_disagreements_name_only_countries_shown_by_name(analyst_client: Client) -> None:
    """The page reads every country's latest review entry: it names disagreements of the
    countries it shows by name only."""
    answered_assessments(["FR"], [2026])
    answered_assessments(["JP"], [2026], sharing="aggregate", seed=2)
    for code in ("FR", "JP"):
        answers = Assessment.objects.get(country=code, cycle=2026).criterion_answers
        answers.update(value="met")
        answers.filter(criterion__code="definition").update(value="not_met")
    frozen.freeze_all()
    header = "country,legislation,definition,technology,possession,isp_reporting\n"
    csv = header + "FR,1,1,1,1,1\nJP,1,1,1,1,1\nKE,1,1,1,1,1\n"
    importer.store(importer.parse(csv, source="ICMEC", year=2018), None)
    html = page(analyst_client)
    table = html[html.index('id="disagreements"') :]
    table = table[: table.index("</table>")]
    assert re.findall(r'<td data-label="Country">([^<]*)</td>', table) == ["France"]
    assert "Definition of CSAM" in table
    assert "Japan" not in html and "Kenya" not in table


@pytest.mark.usefixtures("frameworks")
def test_a_filter_that_cuts_cells_counts_no_aggregate_only_row_though_the_rows_are_the_same(
    analyst_client: Client, settings: Any
) -> None:
    """Every assessment is European: the view of one region holds the same rows as the view of
    every region, but cuts the cells of disclosure control (disclosure.py), so it counts no
    aggregate-only assessment where the whole view counts three."""
    settings.AGGREGATE_MIN_GROUP = 3
    frozen_world(["FR", "DE", "GB"])
    frozen_world(["ES", "IT", "PT"], sharing="aggregate", seed=2)
    europe = Country.objects.get(pk="FR").region_code
    assert set(
        Country.objects.filter(pk__in=["DE", "GB", "ES", "IT", "PT"]).values_list(
            "region_code", flat=True
        )
    ) == {europe}
    whole = page(analyst_client)
    assert "3 more, from countries that share aggregates only, are counted" in whole
    cut = page(analyst_client, f"{URL}&region={europe}")
    assert "are counted in the totals only" not in cut and "may be left out" in cut
    assert cmp.aggregates(cmp.load_rows(cmp.Filters(cycle=2026, region=europe))).assessed == 3


@pytest.mark.usefixtures("frameworks")
def test_a_status_changed_without_freezing_again_shows_at_once(analyst_client: Client) -> None:
    (kenya,) = frozen_world(["KE"], status="submitted")
    csv_url = reverse("secretariat:export", args=["matrix", "csv"]) + "?cycle=2026"
    assert ",Submitted," in page(analyst_client, csv_url)
    Assessment.objects.filter(pk=kenya.pk).update(status="validated")  # stored scores unchanged
    text = page(analyst_client, csv_url)
    assert ",Validated," in text and ",Submitted," not in text


@pytest.mark.usefixtures("frameworks")
def test_the_filters_say_which_values_are_chosen(analyst_client: Client) -> None:
    """The filters' options (a template tag since issue 27): the chosen value of each filter
    selected, no other; none chosen, none selected."""
    frozen_world(["FR", "KE"])
    europe = Country.objects.get(pk="FR").region_code
    html = page(analyst_client, f"{URL}&region={europe}&hemisphere=north")
    selected = re.findall(r'<option value="([^"]*)" selected>', html)
    assert selected == ["2026", str(europe), "north"]
    assert '<option value="" >All</option>' in html
    html = page(analyst_client, reverse("secretariat:matrix"))
    assert "selected>" not in html.split('aria-label="Filters"')[1].split("</form>")[0]


@pytest.mark.usefixtures("frameworks")
def test_kept_rows_are_named_in_each_readers_language(analyst_client: Client) -> None:
    """A kept row carries its scores, whose domain and criterion names the country profile
    shows: a French reader after an English one reads them in French."""
    frozen_world(["FR"])
    url = reverse("secretariat:country", args=["FR"])
    english = page(analyst_client, url)
    analyst_client.cookies["django_language"] = "fr"
    french = page(analyst_client, url)
    with translation.override("en"):
        (row,) = cmp.load_rows(cmp.Filters(country="FR")).rows
    with translation.override("fr"):
        (row_fr,) = cmp.load_rows(cmp.Filters(country="FR")).rows
    domain, domain_fr = row.scores.domains[0].name, row_fr.scores.domains[0].name
    assert domain != domain_fr
    assert f">{domain}<" in english and f">{domain_fr}<" in french
    assert f">{domain}<" not in french
