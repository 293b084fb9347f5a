"""Workbooks in every language (issue 25 §1–5): a workbook is read in the language it was
written in, whatever the uploader's page speaks; Arabic sheets run right to left; an .ods file
is read (tests/test_workbook_libreoffice.py); a formula is one cell's problem; references read
in order."""

from __future__ import annotations

import io
import re

from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from assessment import frameworks_cache, workbook
from assessment.models import CapabilityAnswer, CriterionAnswer, IndicatorAnswer

from .factories import answer_all
from .test_workbook import confirm, edit, errors_of, level, team, upload  # noqa: F401


def download_in(client, assessment, language: str) -> bytes:
    url = reverse("assessment:workbook_download", args=[assessment.uuid])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content


def labels_in(assessment, language: str) -> dict[str, str]:
    """The drop-down texts a person picks in a workbook of that language."""
    with translation.override(language):
        tree = frameworks_cache.mnr_tree(assessment.mnr_version)  # the scale's names, translated
        criterion = frameworks_cache.criteria_of(assessment.legislation_version)[0]
        return {
            "level 4": dict(workbook.level_options(tree.scale))["4"],
            "yes": dict(workbook.indicator_options())["yes"],
            "no": dict(workbook.indicator_options())["no"],
            "not met": dict(workbook.criterion_options(criterion))["not_met"],
        }


def test_a_french_workbook_is_read_in_french_under_an_english_interface(team):  # noqa: F811
    a = team["assessment"]
    answer_all(a, indicators="partly")
    client = team["clients"]["coordinator"]
    fr = labels_in(a, "fr")
    assert fr["no"] != "No" and fr["level 4"] != "4 — Advanced"  # really French
    edited = edit(
        download_in(client, a, "fr"),
        {
            "level:C01": fr["level 4"],
            "ind:C01.1": fr["yes"],
            "ind:C01.2": fr["no"],
            "crit:legislation": fr["not met"],
        },
    )
    response = upload(client, a, edited)  # the English page
    assert response.status_code == 200, errors_of(response)
    page = response.content.decode()
    assert "4 — Advanced" in page  # the preview speaks the page's language
    assert confirm(client, a).status_code == 302
    assert level(a, "C01") == "4"
    values = dict(
        IndicatorAnswer.objects.filter(assessment=a).values_list("indicator__code", "value")
    )
    assert (values["C01.1"], values["C01.2"]) == ("yes", "no")
    law = CriterionAnswer.objects.get(assessment=a, criterion__code="legislation")
    assert law.value == "not_met"


def test_an_arabic_workbook_is_read_in_arabic_under_a_french_interface(team):  # noqa: F811
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    ar = labels_in(a, "ar")
    edited = edit(
        download_in(client, a, "ar"), {"level:C02": ar["level 4"], "ind:C02.1": ar["yes"]}
    )
    response = client.post(
        reverse("assessment:workbook_upload", args=[a.uuid]),
        {"file": io.BytesIO(edited)},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 200, errors_of(response)
    assert confirm(client, a).status_code == 302
    assert level(a, "C02") == "4"


def test_a_wrong_value_is_listed_with_the_workbooks_own_choices(team):  # noqa: F811
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    response = upload(client, a, edit(download_in(client, a, "fr"), {"ind:C01.1": "Maybe"}))
    assert response.status_code == 422
    errors = errors_of(response)
    assert "is not one of" in errors  # the page's language
    assert labels_in(a, "fr")["yes"] in errors  # the choices the French workbook offers


def test_arabic_sheets_run_right_to_left_and_others_left_to_right(team):  # noqa: F811
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    arabic = load_workbook(io.BytesIO(download_in(client, a, "ar")))
    assert all(sheet.sheet_view.rightToLeft for sheet in arabic.worksheets)
    english = load_workbook(io.BytesIO(download_in(client, a, "en")))
    assert not any(sheet.sheet_view.rightToLeft for sheet in english.worksheets)


def test_a_formula_is_its_own_cells_problem_and_hides_no_other(team):  # noqa: F811
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    edited = edit(
        download_in(client, a, "en"),
        {"level:C04": "=1+2", "ind:C04.1": "maybe", "evidence:C04": "=A1"},
    )
    response = upload(client, a, edited)
    assert response.status_code == 422
    errors = errors_of(response).replace("&#x27;", "'")
    assert errors.count("a formula; only values are accepted") == 2
    assert "'maybe' is not one of" in errors
    assert "missing" not in errors
    assert not CapabilityAnswer.objects.filter(assessment=a).exists()


def test_indicators_read_in_the_order_of_their_references(team):  # noqa: F811
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    book = load_workbook(io.BytesIO(download_in(client, a, "en")))
    for sheet in book.worksheets[2:]:
        keys = [r[0].value for r in sheet.iter_rows(max_col=1) if r[0].value]
        for cap in {k.split(":")[1].split(".")[0] for k in keys if k.startswith("ind:")}:
            codes = [k[4:] for k in keys if k.startswith(f"ind:{cap}.")]
            numbers = [int(re.sub(r".*\.", "", c)) for c in codes]
            assert numbers == sorted(numbers), codes
    # C16 is listed by level in the framework (C16.5, C16.3, C16.6…).
    tree = frameworks_cache.mnr_tree(a.mnr_version)
    c16 = next(c for c in tree.capabilities if c.code == "C16")
    assert [i.code for i in c16.indicator_list] != sorted(i.code for i in c16.indicator_list)


def test_legislation_rows_name_the_criterion(team):  # noqa: F811
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    book = load_workbook(io.BytesIO(download_in(client, a, "en")))
    sheet = book["Legislation"]
    references = {r[0].value: r[1].value for r in sheet.iter_rows(max_col=2) if r[0].value}
    for criterion in frameworks_cache.criteria_of(a.legislation_version):
        assert references[f"crit:{criterion.code}"] == criterion.name
        assert criterion.code not in references.values()


def test_an_ods_file_is_read_as_a_workbook_not_refused_for_its_format(team):  # noqa: F811
    import zipfile

    from . import hostile_workbooks as hostile

    a = team["assessment"]
    client = team["clients"]["coordinator"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr(
            "content.xml",
            hostile.ODS_START + "</office:spreadsheet></office:body></office:document-content>",
        )
    response = upload(client, a, out.getvalue())
    assert response.status_code == 422
    assert "hidden header is missing" in response.content.decode()  # read, not refused
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("Basic/Standard/Module1.xml", "<script/>")
    assert "contains macros" in upload(client, a, out.getvalue()).content.decode()
