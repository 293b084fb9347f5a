"""The secretariat's comparison: sharing rules, aggregates, trend, scale."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Assessment, Country, CriterionAnswer, Membership
from secretariat import comparison as cmp

from .bulk import answered_assessments, real_country_codes
from .factories import make_assessment, make_country, make_user, sign_in_with_second_factor

pytestmark = pytest.mark.usefixtures("frameworks")
Role = Membership.Role


@pytest.fixture
def analyst_client(client):
    client.force_login(make_user("ana", role=Role.ANALYST))
    return client


def test_only_submitted_and_validated_named_rows_are_shown(analyst_client):
    answered_assessments(["FR", "KE"], [2026])
    answered_assessments(["BR"], [2026], status="draft")
    answered_assessments(["JP"], [2026], sharing="aggregate")
    result = cmp.load_rows(cmp.Filters(cycle=2026))
    assert sorted(r.country.pk for r in result.named_rows) == ["FR", "KE"]
    # The draft is not counted; one aggregate-only assessment, fewer than the minimum group:
    # how many is not said (issue 22 §3).
    assert result.hidden_count is None and len(result.rows) == 3
    page = analyst_client.get(reverse("secretariat:matrix") + "?cycle=2026").content.decode()
    assert "France" in page and "Kenya" in page
    assert "Brazil" not in page and "Japan" not in page
    assert "Some assessments of countries that share aggregates only may be left out" in page
    assert "1 assessment of a country that shares aggregates only" not in page


def test_aggregate_only_country_is_on_no_page_or_export(client):
    answered_assessments(["FR"], [2024, 2026])
    answered_assessments(["JP"], [2024, 2026], sharing="aggregate")
    admin = make_user("adm", role=Role.ADMIN)
    sign_in_with_second_factor(client, admin)
    bodies = []
    base = reverse("secretariat:matrix")
    for path in (
        base,
        base + "?sort=overall&dir=desc",
        reverse("secretariat:trend") + "?since=2024&until=2026",
        reverse("secretariat:export", args=["matrix", "csv"]),
        reverse("secretariat:export", args=["aggregates", "csv"]),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        bodies.append(response.content.decode("utf-8-sig"))
    xlsx = client.get(reverse("secretariat:export", args=["comparison", "xlsx"])).content
    pdf = client.get(reverse("secretariat:export", args=["matrix", "pdf"])).content
    for body in bodies:
        assert "Japan" not in body and ",JP," not in body and "/JP/" not in body
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    book = load_workbook(io.BytesIO(xlsx))
    cells = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row)
    assert "France" in cells and "Japan" not in cells and " JP " not in f" {cells} "
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "France" in text and "Japan" not in text
    assert client.get(reverse("secretariat:country", args=["JP"])).status_code == 404
    # One country's trend would be its own scores: refused for an aggregate-only country.
    assert (
        client.get(reverse("secretariat:trend") + "?since=2024&until=2026&country=JP").status_code
        == 404
    )


def test_country_users_cannot_open_the_comparison(client):
    coordinator = make_user("cora", country=make_country("XA"), role=Role.COORDINATOR)
    client.force_login(coordinator)
    assert client.get(reverse("secretariat:matrix")).status_code == 403
    assert client.get(reverse("secretariat:export", args=["matrix", "csv"])).status_code == 403
    client.logout()
    assert client.get(reverse("secretariat:matrix")).status_code == 302


def set_law(assessment: Assessment, *values: str) -> None:
    codes = cmp.LAW_CODES
    for code, value in zip(codes, values, strict=True):
        CriterionAnswer.objects.filter(assessment=assessment, criterion__code=code).update(
            value=value
        )


def test_legislation_aggregates_follow_icmecs_table_with_its_scope():
    a, b, c, d, e = answered_assessments(["FR", "KE", "BR", "IN", "JP"], [2026])
    set_law(a, "met", "met", "met", "met", "met")  # sufficient, all five
    set_law(b, "met", "met", "met", "met", "not_met")  # sufficient (any four)
    set_law(c, "met", "not_met", "met", "not_met", "not_met")  # some law, not sufficient
    # No CSAM-specific law but four others met: not sufficient, since ICMEC requires
    # criterion 1 (issue 13), so it is counted under "no specific law" only.
    set_law(d, "not_met", "met", "met", "met", "met")
    set_law(e, "met", "not_met", "not_met", "met", "not_met")  # some law, not sufficient
    rows = {r.label: r for r in cmp.aggregates(cmp.load_rows(cmp.Filters())).legislation}
    assert (rows["sufficient"].count, rows["sufficient"].among) == (2, 5)
    assert rows["all_five"].count == 1
    assert rows["no_specific_law"].count == 1
    # Among the 2 with some law that is not sufficient (BR, JP):
    assert (rows["not_definition"].count, rows["not_definition"].among) == (2, 2)
    assert rows["not_technology"].count == 1
    assert rows["not_possession"].count == 1
    assert rows["not_isp_reporting"].count == 2
    # The "sufficient" and "no specific law" rows never count the same country (issue 13).
    assert rows["sufficient"].count + rows["no_specific_law"].count <= rows["sufficient"].among


def test_distribution_per_capability_counts_every_visible_assessment():
    from collections import Counter

    from assessment.models import CapabilityAnswer

    answered_assessments(["FR", "KE", "BR"], [2026])
    CapabilityAnswer.objects.filter(assessment__country="KE", capability__code="C04").update(
        response="dont_know"
    )
    CapabilityAnswer.objects.filter(assessment__country="BR", capability__code="C04").delete()
    agg = cmp.aggregates(cmp.load_rows(cmp.Filters()))
    assert agg.assessed == 3
    assert len(agg.distributions) == 21
    # Each capability's counts are the stored answers, read here straight from the table.
    stored: dict[str, Counter[str]] = {}
    for code, response in CapabilityAnswer.objects.values_list("capability__code", "response"):
        stored.setdefault(code, Counter())[response] += 1
    stored["C04"]["not_answered"] += 1
    for d in agg.distributions:
        assert d.counts == dict(stored[d.column.key]), d.column.key
    c04 = next(d for d in agg.distributions if d.column.key == "C04")
    assert c04.counts["dont_know"] == 1 and c04.counts["not_answered"] == 1


def test_filters_by_region_and_north_south():
    answered_assessments(["FR", "KE", "BR"], [2026])
    europe = cmp.load_rows(cmp.Filters(region=150))
    assert [r.country.pk for r in europe.rows] == ["FR"]
    south = cmp.load_rows(cmp.Filters(hemisphere="south"))
    assert sorted(r.country.pk for r in south.rows) == ["BR", "KE"]


def test_sorting_is_on_request_only_and_unscored_last():
    rows = cmp.load_rows(cmp.Filters()).rows
    assert rows == []
    answered_assessments(["KE", "FR", "BR"], [2026])
    result = cmp.load_rows(cmp.Filters())
    default = cmp.sort_rows(result.rows, "", False, result.columns)
    assert [r.country.name for r in default] == ["Brazil", "France", "Kenya"]
    by_overall = cmp.sort_rows(result.rows, "overall", True, result.columns)
    values = [r.overall for r in by_overall]
    assert values == sorted(values, reverse=True)
    # A submitted assessment with nothing scored comes last, whichever the direction.
    empty = make_assessment(Country.objects.get(pk="JP"))
    Assessment.objects.filter(pk=empty.pk).update(status="submitted")
    result = cmp.load_rows(cmp.Filters())
    for descending in (True, False):
        ordered = cmp.sort_rows(result.rows, "overall", descending, result.columns)
        assert ordered[-1].country.pk == "JP" and ordered[-1].overall is None
        assert [r.overall for r in ordered[:-1]] == sorted(values, reverse=descending)


def test_trend_over_countries_present_in_both_cycles():
    early = answered_assessments(["FR", "KE"], [2024], seed=1)
    answered_assessments(["FR", "KE", "BR"], [2026], seed=2)
    for a in early:
        set_law(a, "met", "not_met", "met", "met", "not_met")
    rows = {r.column.key: r for r in cmp.trend(cmp.Filters(), 2024, 2026).rows}
    assert rows["C01"].countries == 2  # Brazil has no 2024 assessment
    assert rows["law:definition"].before == 0.0


def test_matrix_queries_do_not_grow_with_countries(analyst_client):
    """The matrix page, its CSV and the comparison's XLSX, at 4 and at 40 countries of three
    cycles each (one world for the three pages). A query per row, per country or per cycle
    would add at least 36 queries; ten times the countries is as sure a proof as the 196 of
    the reference set (bench/run.py measures those), at a fifth of the rows to build."""
    urls = {
        "matrix": reverse("secretariat:matrix"),
        "csv": reverse("secretariat:export", args=["matrix", "csv"]),
        "xlsx": reverse("secretariat:export", args=["comparison", "xlsx"]),
    }

    def counts() -> dict[str, int]:
        found = {}
        for page, url in urls.items():
            analyst_client.get(url)
            with CaptureQueriesContext(connection) as ctx:
                response = analyst_client.get(url)
            assert response.status_code == 200, page
            found[page] = len(ctx)
        return found

    codes = real_country_codes(40)
    answered_assessments(codes[:4], [2024, 2025, 2026])
    at_4 = counts()
    answered_assessments(codes[4:40], [2024, 2025, 2026], seed=3)
    at_40 = counts()
    assert at_4 == at_40
    assert max(at_40.values()) <= 20, at_40


def test_one_countrys_trend_uses_only_that_country(analyst_client):
    early = answered_assessments(["KE", "FR"], [2024], seed=1)
    answered_assessments(["KE", "FR"], [2026], seed=2)
    for a in early:
        set_law(a, "met", "not_met", "met", "met", "not_met")
    Assessment.objects.filter(country="KE", cycle=2026).update(status="validated")
    CriterionAnswer.objects.filter(
        assessment__country="KE", assessment__cycle=2026, criterion__code="definition"
    ).update(value="met")
    CriterionAnswer.objects.filter(
        assessment__country="FR", assessment__cycle=2026, criterion__code="definition"
    ).update(value="not_met")
    page = analyst_client.get(reverse("secretariat:trend") + "?since=2024&until=2026&country=KE")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Kenya: change between two cycles" in text
    # Definition of CSAM: not met in 2024, met in 2026, over one country: +100 points.
    row = text.split("Definition of CSAM")[1].split("</tr>")[0]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    assert cells[:2] == ["0%", "100%"] and cells[-1] == "1", cells


def test_country_profile_shows_history_and_published_baseline(analyst_client):
    answered_assessments(["KE"], [2024, 2026])
    page = analyst_client.get(reverse("secretariat:country", args=["KE"])).content.decode()
    assert "Kenya" in page and "2024" in page and "2026" in page
    assert "No published review has been imported" in page


def test_each_country_in_the_matrix_links_to_its_profile(analyst_client):
    from urllib.parse import urljoin

    answered_assessments(["KE", "FR"], [2026])
    matrix_url = reverse("secretariat:matrix") + "?cycle=2026"
    page = analyst_client.get(matrix_url).content.decode()
    links = dict(
        (name, href)
        for href, name in re.findall(
            r'<th scope="row" class="name"><a href="([^"]+)">([^<]+)</a>', page
        )
    )
    assert set(links) == {"Kenya", "France"}
    for name, href in links.items():
        profile = analyst_client.get(urljoin(matrix_url, href))
        assert profile.status_code == 200
        assert f"<h1>{name}" in profile.content.decode()


def test_a_country_name_is_escaped_in_the_matrix(analyst_client):
    make_country("XB", "Ville <b>& co</b> (demo)")
    answered_assessments(["XB"], [2026])
    page = analyst_client.get(reverse("secretariat:matrix")).content.decode()
    profile = reverse("secretariat:country", args=["XB"])
    assert f'<a href="{profile}">Ville &lt;b&gt;&amp; co&lt;/b&gt; (demo)</a>' in page
    assert "<b>& co</b>" not in page


def test_draft_only_country_profile_is_404(analyst_client):
    make_assessment(make_country("XA"))
    assert analyst_client.get(reverse("secretariat:country", args=["XA"])).status_code == 404


def test_links_are_shown_to_exactly_those_the_server_lets_in(client):
    """The navigation and page links mirror the server's rules (access.py); each link is shown
    to a role only if following it answers 200."""
    country = make_country("XA")
    make_assessment(country)
    answered_assessments(["FR"], [2026])
    team, matrix, upload = (
        reverse("assessment:team"),
        reverse("secretariat:matrix"),
        reverse("secretariat_import:upload"),
    )
    people = {
        "coordinator": make_user("cora", country=country, role=Role.COORDINATOR),
        "contributor": make_user("carl", country=country, role=Role.CONTRIBUTOR),
        "analyst": make_user("ana2", role=Role.ANALYST),
        "admin": make_user("adm", role=Role.ADMIN),
    }
    for role, user in people.items():
        client.logout()
        if role == "admin":
            sign_in_with_second_factor(client, user)
        else:
            client.force_login(user)
        pages = client.get(reverse("home")).content.decode()
        if user.membership.is_secretariat:
            pages += client.get(matrix).content.decode()
        for link in (team, matrix, upload):
            shown = f'href="{link}"' in pages
            assert shown == (client.get(link).status_code == 200), (role, link)
    client.logout()
    client.force_login(people["analyst"])
    page = client.get(matrix + "?cycle=2026").content.decode()
    assert "/5</td>" in page  # criteria met, out of the five counted


def test_one_countrys_trend_needs_every_visible_cycle_shared_by_name():
    assert not cmp.trend_by_name_allowed("FR")  # nothing at all
    answered_assessments(["FR"], [2024], status="draft")
    assert not cmp.trend_by_name_allowed("FR")  # a draft is not seen
    answered_assessments(["FR"], [2025])
    assert cmp.trend_by_name_allowed("FR")
    answered_assessments(["FR"], [2026], sharing="aggregate")
    assert not cmp.trend_by_name_allowed("FR")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_matrix_cells_write_what_the_template_filters_wrote(language):
    from django.template.defaultfilters import floatformat
    from django.utils import translation

    from secretariat.templatetags.matrix import matrix_cells

    means = [0.0, 0.05, 0.15, 1.25, 2.45, 2.5, 3.349999, 3.35, 3.95, 4.0, 1 / 3, 2 / 3]
    cells = [(cmp.Column("D1", "Domain", "domain"), v) for v in means] + [
        (cmp.Column("C04", "Capability", "capability"), 3),
        (cmp.Column("C05", "Capability", "capability"), None),
        (cmp.Column("met", "Criteria met", "met", of=5), 4),
        (cmp.Column("law:a", "A", "criterion"), "met"),
        (cmp.Column("law:b", "B", "criterion"), "not_met"),
        (cmp.Column("law:c", "C", "criterion"), "dont_know"),
        (cmp.Column("law:d", "D", "criterion"), ""),
    ]
    with translation.override(language):
        html = matrix_cells(cells)
        expected = [
            f'<td class="level-{floatformat(v, 0)} mean">{floatformat(v, 1)}</td>' for v in means
        ] + [
            '<td class="level-3">3</td>',
            "<td>—</td>",
            "<td>4/5</td>",
            f'<td class="met">{translation.gettext("yes")}</td>',
            f'<td class="not_met">{translation.gettext("no")}</td>',
            '<td class="dont_know">?</td>',
            '<td class="unknown">—</td>',
        ]
    assert re.findall(r"<td[^>]*>[^<]*</td>", html) == expected
    if language == "fr":
        assert '<td class="level-2 mean">2,5</td>' in html


@pytest.mark.django_db
def test_country_names_follow_the_readers_language():
    from django.utils import translation

    germany = make_country("DE", is_demo=False, demo_name="")
    demo = make_country("XA", "Belmora (demo)")
    with translation.override("fr"):
        assert germany.name == "Allemagne"
        assert demo.name == "Belmora (démo)"  # "(demo)" is translated (issue 24)
    with translation.override("en"):
        assert germany.name == "Germany"
    with translation.override("ar"):
        assert germany.name == "ألمانيا"


# --- issue 17: words, not codes; the trend opens on the latest two cycles --------------------


def _visible_text(html: str) -> str:
    import re

    return re.sub(r"<[^>]+>", " ", html)


def test_secretariat_pages_say_words_not_codes(analyst_client):
    answered_assessments(["FR", "KE"], [2024, 2026])
    text = _visible_text(analyst_client.get(reverse("secretariat:matrix")).content.decode())
    for code in ("isp_reporting", "not_met", "dont_know", "law:"):
        assert code not in text, code
    profile = analyst_client.get(reverse("secretariat:country", args=["FR"])).content.decode()
    history = profile.split('id="history"')[1].split("</table>")[0]
    assert ">Validated</td>" in history and ">validated</td>" not in history


def test_trend_offers_the_cycles_and_opens_on_the_latest_two(analyst_client):
    answered_assessments(["FR", "KE"], [2022, 2024, 2026])
    page = analyst_client.get(reverse("secretariat:trend")).content.decode()
    assert '<select class="form-select form-select-sm" name="since"' in page
    assert '<option value="2024" selected>' in page and '<option value="2026" selected>' in page
    assert 'id="trend"' in page  # the table, without typing a year
    assert 'aria-labelledby="trend-chart-title trend-chart-desc"' in page  # the chart
    wrong = analyst_client.get(reverse("secretariat:trend") + "?since=1999&until=2026")
    assert wrong.status_code == 200 and "Choose two of the cycles offered" in wrong.content.decode()


def test_comparison_xlsx_in_words_with_columns_that_fit(analyst_client):
    import io

    from openpyxl import load_workbook

    answered_assessments(["FR"], [2026])
    response = analyst_client.get(reverse("secretariat:export", args=["comparison", "xlsx"]))
    book = load_workbook(io.BytesIO(response.content))
    matrix, aggregates = book["Matrix"], book["Aggregates"]
    header = [c.value for c in matrix[1]]
    assert header[:8] == [
        "Country",
        "ISO code",
        "UN region",
        "Sub-region",
        "North / South",
        "Cycle",
        "Revision",
        "Status",
    ]
    values = {c.value for row in matrix.iter_rows(min_row=2) for c in row}
    assert not values & {"not_met", "dont_know", "validated", "north", "south"}
    assert "Validated" in values
    assert matrix.column_dimensions["A"].width >= len("Country") + 2
    assert aggregates.column_dimensions["A"].width > 13  # was openpyxl's default
    measures = [r[0].value for r in aggregates.iter_rows(min_row=2)]
    assert "Countries that do not define CSAM" in measures
    assert not any("not_" in str(m) or "dont_know" in str(m) for m in measures)


def test_only_the_matrix_table_scrolls():
    """The screen-reader-only header spans are absolutely positioned: the scroll box must be
    their containing block, and the country column sticks (checked in the stylesheet)."""
    from pathlib import Path

    from django.conf import settings

    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
    assert ".matrix-wrap { position: relative;" in css
    assert "position: sticky;\n  inset-inline-start: 0;" in css


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_csv_exports_speak_the_readers_language_with_codes_beside(
    analyst_client, settings, language
):
    """Issue 25 §12: the matrix and aggregates CSVs used codes (`north/south`, `validated`,
    `south`, `not_met`) where the XLSX uses words. Now: a BOM, headers and values in words in
    the export's language, and the codes a data tool filters on in their own columns."""
    import csv
    import io

    from django.utils import translation

    answered_assessments(["FR", "KE"], [2026], status="validated")
    analyst_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    raw = analyst_client.get(reverse("secretariat:export", args=["matrix", "csv"])).content
    assert raw.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    with translation.override(language):
        from django.utils.translation import gettext

        assert header[:3] == [gettext("Country"), gettext("ISO code"), gettext("UN region")]
        assert header[-2:] == [gettext("North / South code"), gettext("Status code")]
        validated = str(Assessment.Status.VALIDATED.label)
        words = {str(label) for _v, label in Country.Hemisphere.choices}
        kenya_region = [gettext("Africa"), gettext("Sub-Saharan Africa")]
    assert "north/south" not in header and "status" not in header
    assert next(row for row in rows if row[1] == "KE")[2:4] == kenya_region  # not English
    for row in rows:
        assert row[7] == validated != "validated" and row[-1] == "validated"
        assert row[4] in words and row[-2] in ("north", "south")
        assert not {"met", "not_met", "dont_know"} & set(row)
    aggregates = analyst_client.get(reverse("secretariat:export", args=["aggregates", "csv"]))
    assert aggregates.content.startswith(b"\xef\xbb\xbf")
    text = aggregates.content.decode("utf-8-sig")
    assert "dont_know" not in text and "assessments counted" not in text


def test_matrix_rows_are_kept_per_language_and_redrawn_when_scores_are_frozen_again(
    analyst_client,
):
    """Issue 27: a row of frozen scores is drawn once per language and kept; freezing the
    scores again (a validation after a return) draws it anew, and a French reader never gets
    the English row."""
    from assessment import frozen
    from assessment.models import CapabilityAnswer
    from secretariat import row_cache

    kenya, france = answered_assessments(["KE", "FR"], [2026], seed=5)
    frozen.freeze_all()
    row_cache.clear()
    url = reverse("secretariat:matrix") + "?cycle=2026"

    def kenya_row(page: str) -> str:
        start = page.index(reverse("secretariat:country", args=["KE"]))
        return page[start : page.index("</tr>", start)]

    def body(page: str) -> str:
        return page[page.index("<tbody>") : page.index("</tbody>")]

    first = analyst_client.get(url).content.decode()
    assert row_cache.size() == 2
    assert body(analyst_client.get(url).content.decode()) == body(first)  # recalled
    analyst_client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    french = analyst_client.get(url).content.decode()
    assert row_cache.size() == 4
    assert 'class="met">oui</td>' in kenya_row(french) or 'class="not_met">non' in kenya_row(french)
    assert ">yes</td>" not in kenya_row(french) and ">no</td>" not in kenya_row(french)

    # Returned, changed and validated again: frozen anew, so the row shows the new level.
    c01 = CapabilityAnswer.objects.get(assessment=kenya, capability__code="C01")
    level = "4" if c01.response != "4" else "0"
    CapabilityAnswer.objects.filter(pk=c01.pk).update(response=level)
    kenya.refresh_from_db()
    frozen.freeze(kenya)
    again = kenya_row(analyst_client.get(url).content.decode())
    assert again != kenya_row(french)
    assert re.search(rf'<td class="level-{level}">{level}</td>', again)
    # And what is recalled is what a fresh drawing gives.
    row_cache.clear()
    assert kenya_row(analyst_client.get(url).content.decode()) == again


def test_the_arabic_comparison_xlsx_opens_in_libreoffice_in_arabic(analyst_client, tmp_path):
    """The workbook a secretariat analyst opens in LibreOffice Calc keeps its Arabic words
    (the country's region and sub-region were the stored English names) and reads from the
    right, as the pages do (its sheets ran left to right)."""
    import io

    from django.utils import translation
    from django.utils.translation import gettext
    from openpyxl import load_workbook

    from .test_workbook_libreoffice import through_libreoffice

    answered_assessments(["KE"], [2026], status="validated")
    analyst_client.cookies["django_language"] = "ar"
    url = reverse("secretariat:export", args=["comparison", "xlsx"])
    saved = through_libreoffice(analyst_client.get(url).content, tmp_path)
    book = load_workbook(io.BytesIO(saved))
    matrix = book.worksheets[0]
    (kenya,) = (r for r in matrix.iter_rows(min_row=2, values_only=True) if r[1] == "KE")
    with translation.override("ar"):
        expected = [gettext("Africa"), gettext("Sub-Saharan Africa")]
        validated = str(Assessment.Status.VALIDATED.label)
    assert list(kenya[2:4]) == expected and kenya[7] == validated
    assert all(ws.sheet_view.rightToLeft for ws in book.worksheets)
