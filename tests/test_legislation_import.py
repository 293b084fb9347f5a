"""Published legislative reviews: the CSV import (command and upload form) and the comparison
with the self-assessments."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import include, path, reverse
from django_countries import countries

import config.urls
from assessment.models import Assessment, Country, CriterionAnswer, Membership
from frameworks.models import Criterion
from secretariat import comparison
from secretariat.models import LegislativeReview, ReviewEntry
from secretariat.reviews import importer as li
from secretariat.reviews.upload import SESSION_KEY
from secretariat.reviews.urls import import_patterns

from .factories import make_assessment, make_country, make_user, sign_in_with_second_factor

# The project's URLs, plus the import pages under the prefix the lead includes them at, in case
# config/urls.py does not include them yet.
urlpatterns = list(config.urls.urlpatterns)
if not any(getattr(p, "namespace", None) == "secretariat_import" for p in urlpatterns):
    urlpatterns.append(path("secretariat/legislation/", include(import_patterns)))
pytestmark = pytest.mark.urls(__name__)

Role = Membership.Role
EXAMPLES = Path(settings.BASE_DIR) / "docs" / "examples"
GOOD = EXAMPLES / "legislative-review-good-invented-values.csv"
BAD = EXAMPLES / "legislative-review-bad-invented-values.csv"
HEADER = "country,legislation,definition,technology,possession,isp_reporting\n"
UPLOAD = "/secretariat/legislation/import/"
CONFIRM = "/secretariat/legislation/import/confirm/"


def entries(review: LegislativeReview) -> dict[str, tuple[bool | None, ...]]:
    return {
        e.country_id: tuple(getattr(e, c) for c in comparison.LAW_CODES)
        for e in review.entries.all()
    }


def rejected_lines(text: str, year: int = 2018) -> list[tuple[int, str]]:
    with pytest.raises(li.ImportRejected) as caught:
        li.parse(text, source="ICMEC", year=year)
    return [(e.line, e.reason) for e in caught.value.errors]


# --- parsing -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_good_file_in_any_column_order_with_mixed_spellings_codes_and_names():
    parsed = li.parse(GOOD.read_text(encoding="utf-8"), source="  ICMEC  ", year=2018)
    assert parsed.source == "ICMEC"
    assert [(r.line, r.country.code) for r in parsed.rows] == [
        (2, "FR"),  # alpha-3
        (3, "BR"),  # English name
        (4, "JP"),  # alpha-2, lower case
        (5, "VN"),  # English name with a space; value " True " padded
        (6, "KE"),
    ]
    values = {r.country.code: r.values for r in parsed.rows}
    assert values["FR"] == {
        "legislation": True,
        "definition": True,
        "technology": True,
        "possession": True,
        "isp_reporting": False,
    }
    assert values["BR"]["isp_reporting"] is None  # empty: not known
    assert values["JP"] == {
        "legislation": True,
        "definition": False,
        "technology": False,
        "possession": False,
        "isp_reporting": False,
    }
    assert values["VN"]["possession"] is True
    assert set(values["KE"].values()) == {False, None}
    assert parsed.rules == li.rules_for_year(2018)


@pytest.mark.django_db
def test_every_bad_row_is_listed_with_its_line_and_nothing_is_stored():
    errors = rejected_lines(BAD.read_text(encoding="utf-8"))
    assert [line for line, _reason in errors] == [3, 4, 5, 6]
    reasons = dict(errors)
    assert "unknown country" in reasons[3] and "Narnia" in reasons[3]
    assert "maybe" in reasons[4] and "definition" in reasons[4]
    assert "XA" in reasons[5] and "demonstration" in reasons[5]
    assert "duplicate" in reasons[6] and "line 2" in reasons[6]
    assert not LegislativeReview.objects.exists()


@pytest.mark.django_db
def test_a_demo_country_in_the_database_is_still_refused():
    make_country("XB", "Borduria (demo)")
    assert rejected_lines(HEADER + "xb,yes,yes,yes,yes,yes\n")[0][0] == 2


@pytest.mark.django_db
def test_missing_columns_are_errors_on_the_header_line_and_rows_are_still_checked():
    text = "iso,legislation,definition,technology,isp_reporting\nFR,yes,yes,yes,no\nZZ,1,1,1,1\n"
    errors = rejected_lines(text)
    assert errors[0][0] == 1 and "possession" in errors[0][1]
    assert errors[1][0] == 3 and "ZZ" in errors[1][1]

    errors = rejected_lines("name,legislation,definition,technology,possession,isp_reporting\n")
    assert errors == [(1, errors[0][1])] and "country" in errors[0][1]


@pytest.mark.django_db
def test_line_numbers_count_blank_lines_and_the_header():
    text = HEADER + "FR,yes,yes,yes,yes,no\n\nDE,yes,yes,yes,yes,perhaps\n"
    assert [line for line, _reason in rejected_lines(text)] == [4]


@pytest.mark.django_db
def test_short_rows_empty_files_and_non_utf8_are_rejected():
    assert rejected_lines(HEADER + "FR,yes,yes\n")[0][0] == 2
    assert rejected_lines("")[0][0] == 1
    assert "no country rows" in rejected_lines(HEADER)[0][1]
    with pytest.raises(li.ImportRejected) as caught:
        li.decode(HEADER.encode() + "Côte d'Ivoire,1,1,1,1,1\n".encode("latin-1"))
    assert caught.value.errors[0].line == 2
    # A byte-order mark (Excel's "CSV UTF-8") is not part of the first column's name.
    text = li.decode(("\ufeff" + HEADER + "FR,1,1,1,1,1\n").encode("utf-8"))
    assert li.parse(text, source="ICMEC", year=2018).rows[0].country.code == "FR"


def test_country_matching_uses_the_library():
    assert li.country_code("fra") == "FR"
    assert li.country_code("fr") == "FR"
    assert li.country_code("france") == "FR"
    assert li.country_code(str(countries.name("CI"))) == "CI"
    assert li.country_code("250") == ""  # numeric codes are not one of the accepted forms
    assert li.country_code("Narnia") == ""


# --- the sufficiency rule by edition -------------------------------------------------------


def test_the_rule_follows_the_edition_year():
    for year in (2012, 2016, 2018):
        rule = li.rules_for_year(year)
        assert rule["required"] == ["legislation"] and rule["at_least"] == 4
        assert "four of the five" in rule["description"]
        assert "CSAM-specific legislation (criterion 1" in rule["description"]
    for year in (2006, 2010, 2011):
        rule = li.rules_for_year(year)
        assert rule["required"] == ["legislation", "definition", "technology", "possession"]
        assert rule["at_least"] == 4
        assert "all but ISP reporting" in rule["description"]


@pytest.mark.django_db
def test_the_stored_review_keeps_its_editions_rule():
    review = li.store(li.parse(HEADER + "FR,1,1,1,1,0\n", source="ICMEC", year=2010), None)
    assert review.rules == li.rules_for_year(2010)
    assert set(review.rules) == {"required", "at_least", "description"}


# --- storing -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reimporting_the_same_source_and_year_replaces_its_entries(tmp_path):
    admin = make_user("ada", role=Role.ADMIN)
    first = li.store(li.parse(GOOD.read_text(encoding="utf-8"), source="ICMEC", year=2018), None)
    other = li.store(li.parse(HEADER + "FR,0,0,0,0,0\n", source="ICMEC", year=2016), None)
    second = li.store(li.parse(HEADER + "DE,yes,no,,1,0\n", source="ICMEC", year=2018), admin)
    assert second.pk == first.pk
    assert LegislativeReview.objects.count() == 2
    assert entries(second) == {"DE": (True, False, None, True, False)}
    assert second.imported_by == admin
    assert entries(other) == {"FR": (False,) * 5}  # another year is left alone

    # A rejected re-import, through the command that would store it, changes nothing.
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "FR,yes,yes,yes,yes,yes\nNarnia,1,1,1,1,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Narnia"):
        call_command("import_legislation", str(bad), source="ICMEC", year=2018)
    assert entries(LegislativeReview.objects.get(pk=first.pk)) == {
        "DE": (True, False, None, True, False)
    }


# --- the command ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_imports_a_good_file():
    out = io.StringIO()
    call_command("import_legislation", str(GOOD), source="ICMEC", year=2018, stdout=out)
    assert out.getvalue().strip() == "Imported 5 countries from ICMEC (2018)."
    review = LegislativeReview.objects.get()
    assert sorted(entries(review)) == ["BR", "FR", "JP", "KE", "VN"]

    out = io.StringIO()
    call_command("import_legislation", str(GOOD), source="ICMEC", year=2018, stdout=out)
    assert "replacing the 5 countries imported before" in out.getvalue()
    assert ReviewEntry.objects.count() == 5


@pytest.mark.django_db
def test_command_rejects_a_bad_file_listing_every_bad_line():
    with pytest.raises(CommandError) as caught:
        call_command("import_legislation", str(BAD), source="ICMEC", year=2018)
    message = str(caught.value)
    assert "nothing was stored" in message
    lines = [line for line in message.splitlines() if line.startswith("line ")]
    assert [line.split(":")[0] for line in lines] == ["line 3", "line 4", "line 5", "line 6"]
    assert not LegislativeReview.objects.exists()
    assert not ReviewEntry.objects.exists()


@pytest.mark.django_db
def test_command_refuses_an_implausible_year_and_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="year"):
        call_command("import_legislation", str(GOOD), source="ICMEC", year=18)
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_legislation", str(tmp_path / "nope.csv"), source="ICMEC", year=2018)


# --- the upload form -----------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    sign_in_with_second_factor(client, make_user("ada", role=Role.ADMIN))
    return client


def upload(client, path: Path = GOOD, *, source: str = "ICMEC", year: int = 2018, data=None):
    content = data if data is not None else path.read_bytes()
    return client.post(
        UPLOAD,
        {
            "file": SimpleUploadedFile("review.csv", content, "text/csv"),
            "source": source,
            "year": year,
        },
    )


def test_upload_preview_confirm_as_admin(admin_client):
    assert admin_client.get(UPLOAD).status_code == 200

    preview = upload(admin_client)
    assert preview.status_code == 200
    html = preview.content.decode()
    for code in ("FR", "BR", "JP", "VN", "KE"):
        assert str(countries.name(code)) in html
    assert "Confirm and import" in html
    assert not LegislativeReview.objects.exists()  # nothing stored before confirming
    token = admin_client.session[SESSION_KEY]["token"]

    # A confirmation that does not carry this upload's token stores nothing.
    response = admin_client.post(CONFIRM, {"token": "forged"}, follow=True)
    assert "nothing was stored" in response.content.decode()
    assert not LegislativeReview.objects.exists()

    upload(admin_client)
    token = admin_client.session[SESSION_KEY]["token"]
    response = admin_client.post(CONFIRM, {"token": token})
    assert response.status_code == 302 and response.url == UPLOAD
    review = LegislativeReview.objects.get()
    assert (review.source, review.year, review.imported_by.username) == ("ICMEC", 2018, "ada")
    assert sorted(entries(review)) == ["BR", "FR", "JP", "KE", "VN"]
    assert SESSION_KEY not in admin_client.session
    page = admin_client.get(UPLOAD).content.decode()
    assert "Imported 5 countries from ICMEC (2018)." in page

    # Confirming twice does not import twice.
    response = admin_client.post(CONFIRM, {"token": token}, follow=True)
    assert "There is no import waiting" in response.content.decode()

    # Only POST confirms; an empty upload form is shown again with its errors.
    assert admin_client.get(CONFIRM).status_code == 405
    response = admin_client.post(UPLOAD, {})
    assert response.status_code == 200 and "This field is required." in response.content.decode()

    # The preview of a re-import says what it replaces.
    assert "This replaces the 5 countries" in upload(admin_client).content.decode()


def test_upload_preview_lists_every_error_and_offers_no_confirmation(admin_client):
    response = upload(admin_client, BAD)
    html = response.content.decode()
    assert response.status_code == 200
    assert "4 problems" in html
    for line in ("<td>3</td>", "<td>4</td>", "<td>5</td>", "<td>6</td>"):
        assert line in html
    assert "Narnia" in html and "maybe" in html
    assert "Confirm and import" not in html
    assert SESSION_KEY not in admin_client.session
    assert admin_client.post(CONFIRM, {"token": ""}).status_code == 302
    assert not LegislativeReview.objects.exists()


def test_upload_refuses_files_over_2_mb(admin_client):
    big = HEADER.encode() + b"FR,1,1,1,1,1\n" + b" " * (2 * 1024 * 1024)
    response = upload(admin_client, data=big)
    assert "larger than 2 MB" in response.content.decode()
    assert SESSION_KEY not in admin_client.session


@pytest.mark.parametrize("role", [Role.ANALYST, Role.COORDINATOR])
def test_only_secretariat_admins_may_import(client, db, role):
    country = make_country() if role == Role.COORDINATOR else None
    user = make_user("someone", country=country, role=role)
    client.force_login(user)
    assert client.get(UPLOAD).status_code == 403
    assert upload(client).status_code == 403
    assert client.post(CONFIRM, {"token": "x"}).status_code == 403
    assert not LegislativeReview.objects.exists()


def test_url_names():
    assert reverse("secretariat_import:upload") == UPLOAD
    assert reverse("secretariat_import:confirm") == CONFIRM


def test_anonymous_users_are_sent_to_sign_in(client, db):
    response = client.get(UPLOAD)
    assert response.status_code == 302 and reverse("login") in response.url
    assert client.post(CONFIRM).status_code == 302


# --- comparison with the self-assessments --------------------------------------------------


def row(code: str, criteria: dict[str, str], *, cycle: int = 2026, named: bool = True):
    return comparison.Row(
        country=Country(code=code, hemisphere="north"),
        cycle=cycle,
        revision=1,
        status="submitted",
        named=named,
        uuid="",
        scores=None,  # type: ignore[arg-type]
        levels={},
        domains={},
        criteria=criteria,
    )


def entry(code: str, **values: bool | None) -> ReviewEntry:
    return ReviewEntry(country_id=code, **values)


def test_disagreements():
    rows = [
        row(
            "FR",
            {
                "legislation": "met",  # published not met: disagree
                "definition": "not_met",  # published met: disagree
                "technology": "dont_know",  # published met: disagree
                "possession": "dont_know",  # published not met: fine
                "isp_reporting": "",  # unanswered: never
            },
        ),
        row("DE", {"legislation": "met", "definition": "not_met", "possession": "met"}),
        row("BR", {"legislation": "met"}, named=False),  # aggregate only: never by name
        row("JP", {"legislation": "not_met"}),  # not in any review
    ]
    reviews = {
        "FR": entry(
            "FR",
            legislation=False,
            definition=True,
            technology=True,
            possession=False,
            isp_reporting=True,
        ),
        # Unknown in the review, or agreeing: nothing to ask.
        "DE": entry("DE", legislation=True, definition=None, possession=True),
        "BR": entry("BR", legislation=False),
    }
    assert li.disagreements(rows, reviews) == [
        li.Disagreement("FR", "legislation", "met", False),
        li.Disagreement("FR", "definition", "not_met", True),
        li.Disagreement("FR", "technology", "dont_know", True),
    ]


def test_disagreements_use_each_countrys_latest_cycle():
    rows = [row("FR", {"legislation": "met"}, cycle=2027), row("FR", {"legislation": "not_met"})]
    reviews = {"FR": entry("FR", legislation=True)}
    assert li.disagreements(rows, reviews) == []
    assert li.disagreements(list(reversed(rows)), reviews) == []


@pytest.mark.django_db
def test_latest_entries_takes_each_countrys_most_recent_review_in_one_query(
    django_assert_num_queries,
):
    li.store(li.parse(HEADER + "FR,0,0,0,0,0\nDE,1,1,1,1,1\n", source="ICMEC", year=2016), None)
    li.store(li.parse(HEADER + "FR,1,1,1,1,1\n", source="ICMEC", year=2018), None)
    li.store(li.parse(HEADER + "FR,1,0,0,0,0\n", source="Older", year=2010), None)
    with django_assert_num_queries(1):
        latest = li.latest_entries(["FR", "DE", "JP"])
        years = {code: (e.review.year, e.country.code) for code, e in latest.items()}
    assert years == {"FR": (2018, "FR"), "DE": (2016, "DE")}
    assert latest["FR"].definition is True


@pytest.mark.django_db
def test_disagreements_against_the_comparison_rows(frameworks):
    france = Country.objects.get(code="FR")
    assessment = make_assessment(france, cycle=2026)
    criteria = {c.code: c for c in Criterion.objects.filter(version=assessment.legislation_version)}
    for code, value in {"legislation": "met", "definition": "met", "possession": "not_met"}.items():
        CriterionAnswer.objects.create(assessment=assessment, criterion=criteria[code], value=value)
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    li.store(li.parse(HEADER + "FR,yes,no,yes,yes,\n", source="ICMEC", year=2018), None)

    rows = comparison.load_rows(comparison.Filters()).named_rows
    found = li.disagreements(rows, li.latest_entries(r.country.pk for r in rows))
    assert found == [
        li.Disagreement("FR", "definition", "met", False),
        li.Disagreement("FR", "possession", "not_met", True),
    ]


def test_a_review_of_2012_on_is_never_sufficient_without_csam_specific_law():
    from assessment import scoring

    specs = [scoring.CriterionSpec(code, code) for code in li.LAW_CODES]
    for year in (2012, 2018):
        r = li.rules_for_year(year)
        rule = scoring.SufficiencyRule(tuple(r["required"]), r["at_least"], r["description"])
        no_law = dict(zip(li.LAW_CODES, ["not_met", "met", "met", "met", "met"], strict=True))
        assert scoring.score_legislation(specs, no_law, rule).verdict != "sufficient"
        four = dict(zip(li.LAW_CODES, ["met", "met", "met", "met", "not_met"], strict=True))
        assert scoring.score_legislation(specs, four, rule).verdict == "sufficient"
