"""Issue 12 §5: the legislation import refuses oversized files quickly, matches names through an
index, and reads files whose columns are separated by semicolons or tabs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import override
from django_countries import countries

from assessment.models import Membership
from secretariat.models import LegislativeReview
from secretariat.reviews import importer as li
from secretariat.reviews.upload import SESSION_KEY

from .factories import make_user, sign_in_with_second_factor

GOOD = Path(settings.BASE_DIR) / "docs" / "examples" / "legislative-review-good-invented-values.csv"
HEADER = "country,legislation,definition,technology,possession,isp_reporting\n"
UPLOAD = "/secretariat/legislation/import/"
CONFIRM = "/secretariat/legislation/import/confirm/"


@pytest.fixture
def admin_client(client, db):
    sign_in_with_second_factor(client, make_user("ada", role=Membership.Role.ADMIN))
    return client


def post_file(client, content: bytes, *, source: str = "ICMEC", year: int = 2018):
    return client.post(
        UPLOAD,
        {
            "file": SimpleUploadedFile("review.csv", content, "text/csv"),
            "source": source,
            "year": year,
        },
    )


def imported(client, content: bytes, source: str) -> dict[str, tuple[bool | None, ...]]:
    """Upload and confirm `content`; the stored entries by country."""
    preview = post_file(client, content, source=source)
    assert preview.status_code == 200 and "Confirm and import" in preview.content.decode()
    token = client.session[SESSION_KEY]["token"]
    assert client.post(CONFIRM, {"token": token}).status_code == 302
    review = LegislativeReview.objects.get(source=source)
    return {
        e.country_id: (e.legislation, e.definition, e.technology, e.possession, e.isp_reporting)
        for e in review.entries.all()
    }


def test_ten_thousand_unknown_countries_are_refused_in_well_under_five_seconds(admin_client):
    content = (HEADER + "".join(f"Atlantis {n},1,1,1,1,1\n" for n in range(10_000))).encode()
    started = time.perf_counter()
    response = post_file(admin_client, content)
    elapsed = time.perf_counter() - started
    html = response.content.decode()
    assert response.status_code == 200
    assert f"more than {li.MAX_ROWS} rows" in html and "one row per country" in html
    assert "Confirm and import" not in html
    assert elapsed < 2, f"took {elapsed:.2f} s"
    assert not LegislativeReview.objects.exists()
    assert SESSION_KEY not in admin_client.session


@pytest.mark.django_db
def test_a_full_file_of_unknown_names_lists_every_line_quickly():
    text = HEADER + "".join(f"Atlantis {n},1,1,1,1,1\n" for n in range(li.MAX_ROWS))
    started = time.perf_counter()
    with pytest.raises(li.ImportRejected) as caught:
        li.parse(text, source="ICMEC", year=2018)
    elapsed = time.perf_counter() - started
    assert [e.line for e in caught.value.errors] == list(range(2, li.MAX_ROWS + 2))
    assert all("unknown country" in e.reason for e in caught.value.errors)
    assert elapsed < 0.5, f"took {elapsed:.2f} s"


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_semicolon_or_tab_file_imports_as_the_comma_file_does(admin_client, delimiter):
    comma = GOOD.read_bytes()
    other = comma.replace(b",", delimiter.encode())
    expected = imported(admin_client, comma, "ICMEC")
    assert sorted(expected) == ["BR", "FR", "JP", "KE", "VN"]
    assert imported(admin_client, other, "Other") == expected


@pytest.mark.django_db
def test_a_file_with_another_separator_is_told_so():
    text = HEADER.replace(",", "|") + "FR|1|1|1|1|1\n"
    with pytest.raises(li.ImportRejected) as caught:
        li.parse(text, source="ICMEC", year=2018)
    assert any("separate the columns with" in e.reason for e in caught.value.errors)


def test_the_index_matches_every_name_and_alias_as_the_library_does():
    index = li.country_index()
    with override("en"):
        names = [str(name) for _code, name in countries]
    names += [n for aliases in countries.shadowed_names.values() for n in aliases]
    for name in names:
        assert li.country_code(name, index) == countries.by_name(name), name
        assert li.country_code(f"  {name.upper()} ", index) == countries.by_name(name), name
    assert li.country_code("Viet   Nam", index) == "VN"  # inner spaces are normalised
    assert li.country_code("fra", index) == "FR" and li.country_code("KEN", index) == "KE"
    assert li.country_code("Atlantis", index) == ""


def test_the_upload_form_states_the_row_limit_and_the_separators():
    from secretariat.reviews.forms import LegislationImportForm

    help_text = str(LegislationImportForm().fields["file"].help_text)
    assert f"{li.MAX_ROWS} rows" in help_text and "semicolons" in help_text
