"""Published reviews as the secretariat reads them (issue 17): the section-07 table of an
imported edition under its own rule, two editions side by side, the review matrix, exports
and the API."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from assessment.models import Country, Membership
from secretariat import comparison
from secretariat.comparison import LAW_CODES
from secretariat.reviews import importer as li
from secretariat.reviews import tables as reviews

from .bulk import answered_assessments
from .factories import make_country, make_user

HEADER = "country,legislation,definition,technology,possession,isp_reporting\n"


def icmec_2018_rows() -> list[tuple[int, int, int, int, int]]:
    """196 rows whose counts reproduce ICMEC's published 2018 totals (reference/legislation.md):
    118 sufficient, 21 all five, 16 no specific law; among the 62 with some, insufficient law
    51 do not define CSAM, 25 have no technology-facilitated offences, 38 do not criminalise
    knowing possession; across all 196, 125 define, 140 criminalise possession, 32 require ISP
    reporting. Solved by hand: of the 97 sufficient countries meeting exactly four, 4 lack a
    definition, 3 technology, 2 possession and 88 ISP reporting; of the 62 insufficient, 11 have
    law + technology + definition, 24 law + technology + possession, 2 law + technology + ISP
    reporting, 25 law only."""
    rows = [(1, 1, 1, 1, 1)] * 21
    rows += [(1, 0, 1, 1, 1)] * 4 + [(1, 1, 0, 1, 1)] * 3 + [(1, 1, 1, 0, 1)] * 2
    rows += [(1, 1, 1, 1, 0)] * 88
    rows += [(1, 1, 1, 0, 0)] * 11 + [(1, 0, 1, 1, 0)] * 24 + [(1, 0, 1, 0, 1)] * 2
    rows += [(1, 0, 0, 0, 0)] * 25
    rows += [(0, 0, 0, 0, 0)] * 16
    return rows


def synthetic_csv(codes: list[str], rows: list[tuple[int, ...]]) -> str:
    """A synthetic file: the country codes are assigned arbitrarily (in code order), so no row
    claims any real country's real status; only the totals are ICMEC's."""
    lines = [HEADER]
    for code, values in zip(codes, rows, strict=True):
        lines.append(",".join([code, *("yes" if v else "no" for v in values)]) + "\n")
    return "".join(lines)


def real_codes(n: int) -> list[str]:
    # The migrations sync the real countries, but a transactional test run before this one on
    # the same worker empties every table (which order xdist gives varies): sync them again.
    if Country.objects.filter(is_demo=False).count() < n:
        call_command("sync_countries", verbosity=0)
    codes = list(
        Country.objects.filter(is_demo=False).order_by("code").values_list("pk", flat=True)
    )
    assert len(codes) >= n
    return codes[:n]


def import_review(text: str, year: int, source: str = "ICMEC") -> li.LegislativeReview:
    return li.store(li.parse(text, source=source, year=year), None)


@pytest.fixture
def icmec_2018(db):
    return import_review(synthetic_csv(real_codes(196), icmec_2018_rows()), 2018)


@pytest.fixture
def analyst_client(client, db):
    client.force_login(make_user("an", role=Membership.Role.ANALYST))
    return client


def counts(table: reviews.Section07) -> dict[str, tuple[int, int]]:
    return {r.label: (r.count, r.among) for r in table.rows}


def test_the_2018_file_prints_icmecs_own_totals(icmec_2018):
    table = reviews.section07(icmec_2018)
    assert counts(table) == {
        "sufficient": (118, 196),
        "all_five": (21, 196),
        "no_specific_law": (16, 196),
        "not_definition": (51, 62),
        "not_technology": (25, 62),
        "not_possession": (38, 62),
        "not_isp_reporting": (60, 62),
    }
    assert table.reviewed == 196 and table.incomplete == 0


def test_the_page_prints_the_table_and_what_each_row_counts_among(analyst_client, icmec_2018):
    response = analyst_client.get("/secretariat/reviews/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "ICMEC (2018)" in text
    assert "the 62 with some CSAM-specific law that is not sufficient" in text
    assert "all 196 with every criterion known" in text
    assert ">118<" in text and ">51<" in text


def test_each_edition_is_judged_by_its_own_rule(db):
    """The same row (all but definition) is sufficient in 2018 (any four) and not in 2010
    (the first four required)."""
    codes = real_codes(2)
    text = synthetic_csv(codes, [(1, 0, 1, 1, 1), (1, 1, 1, 1, 0)])
    old, new = import_review(text, 2010), import_review(text, 2018)
    assert counts(reviews.section07(old))["sufficient"] == (1, 2)
    assert counts(reviews.section07(new))["sufficient"] == (2, 2)


def test_no_specific_law_counts_as_complete_with_the_rest_empty(db):
    """ICMEC: a country without CSAM-specific law meets none of the others."""
    code = real_codes(1)[0]
    review = import_review(HEADER + f"{code},no,,,,\n", 2018)
    assert counts(reviews.section07(review))["no_specific_law"] == (1, 1)


def test_filters_by_region(analyst_client, icmec_2018):
    region = Country.objects.filter(is_demo=False).exclude(region_code=None).first()
    in_region = Country.objects.filter(region_code=region.region_code, is_demo=False)
    reviewed = li.ReviewEntry.objects.filter(review=icmec_2018, country__in=in_region).count()
    table = reviews.section07(icmec_2018, reviews.ReviewFilters(region=region.region_code))
    assert table.reviewed == reviewed < 196
    response = analyst_client.get(f"/secretariat/reviews/?region={region.region_code}")
    assert response.status_code == 200
    assert f"{reviewed} countries reviewed in this view" in response.content.decode()


def test_a_bad_filter_is_a_400_with_a_message(analyst_client, icmec_2018):
    response = analyst_client.get("/secretariat/reviews/?review=999999")
    assert response.status_code == 400
    assert "These filters cannot be used" in response.content.decode()


def test_the_page_says_when_no_review_is_imported(analyst_client):
    response = analyst_client.get("/secretariat/reviews/")
    assert response.status_code == 200
    assert "No published review has been imported yet" in response.content.decode()


def test_exports_in_words(analyst_client, icmec_2018):
    csv_text = analyst_client.get("/secretariat/reviews/export.csv").content.decode("utf-8-sig")
    assert "do not define CSAM,51,62,the 62 with some CSAM-specific law that is not sufficient" in (
        csv_text
    )
    response = analyst_client.get("/secretariat/reviews/export.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    table, countries = book.worksheets
    assert [c.value for c in table[2]][:3] == [
        "have sufficient legislation (by the rule of the edition they answered)",
        118,
        196,
    ]
    header = [c.value for c in countries[1]]
    assert "Definition of CSAM" in header and "not_met" not in str(header)
    values = {c.value for row in countries.iter_rows(min_row=2) for c in row}
    assert "not met" in values and "not_met" not in values
    assert table.column_dimensions["A"].width > 40  # fits the longest label


def test_two_editions_side_by_side(analyst_client, db):
    codes = real_codes(3)
    before = import_review(
        synthetic_csv(codes, [(1, 1, 1, 0, 0), (1, 1, 1, 1, 1), (0, 0, 0, 0, 0)]), 2010
    )
    after = import_review(
        synthetic_csv(codes, [(1, 1, 1, 1, 0), (1, 1, 1, 1, 1), (1, 0, 0, 0, 0)]), 2018
    )
    result = reviews.compare_editions(before, after)
    assert result.both == 3
    assert result.became_sufficient == 1 and result.no_longer_sufficient == 0
    by_code = {c.code: (c.gained, c.lost) for c in result.criteria}
    assert by_code == {
        "legislation": (1, 0),
        "definition": (0, 0),
        "technology": (0, 0),
        "possession": (1, 0),
        "isp_reporting": (0, 0),
    }
    assert [ch.country.pk for ch in result.changed] == sorted(
        [codes[0], codes[2]], key=lambda c: str(Country.objects.get(pk=c).name)
    )
    response = analyst_client.get("/secretariat/reviews/editions/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "From ICMEC (2010) to ICMEC (2018)" in text
    assert str(Country.objects.get(pk=codes[0]).name) in text
    assert "Knowing possession" in text


def test_review_matrix_beside_named_self_assessments_only(analyst_client, frameworks):
    codes = real_codes(3)
    review = import_review(
        synthetic_csv(codes, [(1, 1, 1, 1, 1), (0, 0, 0, 0, 0), (1, 1, 1, 1, 1)]), 2018
    )
    answered_assessments(codes[:1], [2026], sharing="named")
    answered_assessments(codes[1:2], [2026], sharing="aggregate")
    named = reviews.review_matrix(
        reviews.rows_of(review), comparison.load_rows(comparison.Filters()).rows
    )
    by_code = {m.review.country.pk: m for m in named}
    assert by_code[codes[0]].assessment is not None
    assert by_code[codes[1]].assessment is None  # aggregate-only: never beside it by name
    own = by_code[codes[0]].assessment
    expected = sum(own.criteria[c] != "met" for c in LAW_CODES)
    assert by_code[codes[0]].disagreements == expected
    response = analyst_client.get("/secretariat/reviews/matrix/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "not_met" not in text and "isp_reporting" not in text


def test_the_api_gives_the_table_to_the_secretariat_only(icmec_2018):
    from rest_framework.authtoken.models import Token

    def client_of(user) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    analyst = client_of(make_user("api-an", role=Membership.Role.ANALYST))
    listed = analyst.get("/api/v1/reviews/").json()
    assert [(r["source"], r["year"]) for r in listed] == [("ICMEC", 2018)]
    body = analyst.get(f"/api/v1/reviews/{icmec_2018.pk}/legislation/").json()
    assert {r["label"]: (r["count"], r["among"]) for r in body["rows"]}["not_definition"] == (
        51,
        62,
    )
    assert body["reviewed"] == 196 and body["review"]["rule"]["at_least"] == 4
    assert analyst.get("/api/v1/reviews/999999/legislation/").status_code == 404
    assert analyst.get(f"/api/v1/reviews/{icmec_2018.pk}/legislation/?region=x").status_code == 400
    country = make_country("XA", "Arvenia (demo)")
    coordinator = client_of(make_user("api-co", country=country, role=Membership.Role.COORDINATOR))
    assert coordinator.get("/api/v1/reviews/").status_code == 403


def test_xlsx_writes_text_as_text_never_a_formula_or_link():
    from secretariat.reviews.labels import xlsx

    book = load_workbook(io.BytesIO(xlsx({"S": (["A", "B"], [["=1+1", "https://x.example"]])})))
    sheet = book["S"]
    assert sheet["A2"].value == "'=1+1" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == "https://x.example" and sheet["B2"].hyperlink is None
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold


def test_the_region_filters_list_each_region_once(analyst_client):
    """Country's default ordering made every country a distinct (region, name) pair: the
    UN region select listed Africa some 50 times (found while measuring the matrix)."""
    from secretariat.forms import FilterForm

    form = FilterForm(None)
    for field in ("region", "subregion"):
        values = [v for v, _label in form.fields[field].choices]
        assert len(values) == len(set(values)) < 30, field


def test_the_countries_sheet_names_regions_in_the_readers_language(analyst_client, icmec_2018):
    """It wrote the stored English names of the region and sub-region in every language."""
    analyst_client.cookies["django_language"] = "fr"
    response = analyst_client.get("/secretariat/reviews/export.xlsx")
    _table, countries = load_workbook(io.BytesIO(response.content)).worksheets
    kenya = next(r for r in countries.iter_rows(min_row=2, values_only=True) if r[1] == "KE")
    assert kenya[2:4] == ("Afrique", "Afrique subsaharienne")
