"""The workbook round trip through a real spreadsheet program (issue 15): the downloaded file is
edited, saved by LibreOffice (Debian's libreoffice-calc, which `./run test` installs), uploaded,
and exactly the edited answers change. Needs `soffice`; without it this test fails, never skips.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from assessment import workbook
from assessment.models import CapabilityAnswer, CriterionAnswer, IndicatorAnswer

from .factories import answer_all
from .test_workbook import confirm, download, edit, errors_of, level, team, upload  # noqa: F401
from .test_workbook_languages import download_in, labels_in

SOFFICE_TIMEOUT = 120  # seconds; a cold start takes 3-10 s


def through_libreoffice(data: bytes, tmp_path: Path, target: str = "xlsx") -> bytes:
    """Open the workbook in LibreOffice Calc and save it as XLSX (or its own ODS), as a
    person's program does."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is missing: apt-get install libreoffice-calc (./run test does)"
    source, out = tmp_path / "edited.xlsx", tmp_path / "out"
    source.write_bytes(data)
    out.mkdir()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML" if target == "xlsx" else "ods",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=SOFFICE_TIMEOUT,
    )
    saved = (out / f"edited.{target}").read_bytes()
    assert saved != data  # really rewritten by LibreOffice
    return saved


# `team` is test_workbook's fixture, imported above.
def test_round_trip_through_libreoffice_changes_exactly_the_edited_answers(team, tmp_path):  # noqa: F811
    a = team["assessment"]
    answer_all(a, indicators="no", evidence="Plan 2024")
    client = team["clients"]["coordinator"]
    before = {
        code: (response, evidence, version)
        for code, response, evidence, version in CapabilityAnswer.objects.filter(
            assessment=a
        ).values_list("capability__code", "response", "evidence", "version")
    }
    indicators_before = dict(
        IndicatorAnswer.objects.filter(assessment=a).values_list("indicator__code", "value")
    )
    edited = edit(
        download(client, a),
        {
            "level:C01": 3,  # a number, as a program stores a typed digit
            "level:C04": "4 — Advanced",
            "ind:C04.1": "yes",  # lower case
            "ind:C04.2": "Partly ",  # a trailing space
            "evidence:C05": "Act 7 of 2021, art. 3  ",
            "evidence:C06": 2019,  # a year turned into a number
            "crit:legislation": "Don't know",
            "cite:legislation": "Penal Code s. 12",
        },
    )
    saved = through_libreoffice(edited, tmp_path)
    response = upload(client, a, saved)
    assert response.status_code == 200, errors_of(response)
    assert confirm(client, a).status_code == 302
    after = {
        code: (response, evidence, version)
        for code, response, evidence, version in CapabilityAnswer.objects.filter(
            assessment=a
        ).values_list("capability__code", "response", "evidence", "version")
    }
    changed = {code for code in after if after[code] != before[code]}
    assert changed == {"C01", "C04", "C05", "C06"}
    assert after["C01"][0] == "3" and after["C04"][0] == "4"
    assert after["C05"][1] == "Act 7 of 2021, art. 3"
    assert after["C06"][1] == "2019"
    indicators_after = dict(
        IndicatorAnswer.objects.filter(assessment=a).values_list("indicator__code", "value")
    )
    assert {k for k in indicators_after if indicators_after[k] != indicators_before[k]} == {
        "C04.1",
        "C04.2",
    }
    assert indicators_after["C04.1"] == "yes" and indicators_after["C04.2"] == "partly"
    law = CriterionAnswer.objects.get(assessment=a, criterion__code="legislation")
    assert (law.value, law.citation) == ("dont_know", "Penal Code s. 12")
    # The converted file still carries its signed header and protection.
    book = load_workbook(io.BytesIO(saved))
    assert workbook.META_SHEET in book.sheetnames
    assert book.worksheets[2].protection.sheet


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_french_or_arabic_workbook_saved_by_libreoffice_uploads_under_english(  # noqa: F811
    team,  # noqa: F811
    tmp_path,
    language,
):
    """Issue 25: the workbook of a French or Arabic page, edited in its language, saved by
    LibreOffice, uploaded by the same coordinator with an English page: the right preview."""
    a = team["assessment"]
    answer_all(a, indicators="partly")
    # Typed online: it goes out as text and must come back from LibreOffice as text (issue 22).
    nasty = '=HYPERLINK("http://evil.example")'
    CapabilityAnswer.objects.filter(assessment=a, capability__code="C03").update(evidence=nasty)
    client = team["clients"]["coordinator"]
    words = labels_in(a, language)
    edited = edit(
        download_in(client, a, language),
        {
            "level:C01": words["level 4"],
            "ind:C01.1": words["yes"],
            "ind:C01.2": words["no"],
            "crit:legislation": words["not met"],
        },
    )
    saved = through_libreoffice(edited, tmp_path)
    if language == "ar":  # still right to left after LibreOffice
        assert all(s.sheet_view.rightToLeft for s in load_workbook(io.BytesIO(saved)).worksheets)
    response = upload(client, a, saved)  # the English page
    assert response.status_code == 200, errors_of(response)
    page = response.content.decode()
    assert "2 — Developing" in page and "4 — Advanced" in page  # in the page's language
    assert "Not met" in page
    assert confirm(client, a).status_code == 302
    assert level(a, "C01") == "4"
    values = dict(
        IndicatorAnswer.objects.filter(assessment=a).values_list("indicator__code", "value")
    )
    assert (values["C01.1"], values["C01.2"]) == ("yes", "no")
    law = CriterionAnswer.objects.get(assessment=a, criterion__code="legislation")
    assert law.value == "not_met"
    # Text that looks like a formula went through LibreOffice as text and is unchanged.
    evidence = CapabilityAnswer.objects.get(assessment=a, capability__code="C03").evidence
    assert evidence == nasty


def test_a_workbook_saved_by_libreoffice_as_ods_is_read(team, tmp_path):  # noqa: F811
    """Issue 25 §3: LibreOffice's own format, from a French page, under an English page."""
    a = team["assessment"]
    answer_all(a, indicators="partly", evidence="Plan 2024")
    client = team["clients"]["coordinator"]
    words = labels_in(a, "fr")
    edited = edit(
        download_in(client, a, "fr"),
        {
            "level:C01": words["level 4"],
            "ind:C01.1": words["yes"],
            "evidence:C02": "Loi n° 12\nart. 3  et 4",  # two lines, two spaces
            "evidence:C03": 2019,
            "crit:legislation": words["not met"],
        },
    )
    ods = through_libreoffice(edited, tmp_path, target="ods")
    assert ods.startswith(b"PK") and b"opendocument.spreadsheet" in ods[:100]
    response = upload(client, a, ods, name="answers.ods")
    assert response.status_code == 200, errors_of(response)
    assert "4 — Advanced" in response.content.decode()
    assert confirm(client, a).status_code == 302
    assert level(a, "C01") == "4"
    evidence = dict(
        CapabilityAnswer.objects.filter(assessment=a).values_list("capability__code", "evidence")
    )
    assert evidence["C02"] == "Loi n° 12\nart. 3  et 4"
    assert evidence["C03"] == "2019" and evidence["C04"] == "Plan 2024"
    assert IndicatorAnswer.objects.get(assessment=a, indicator__code="C01.1").value == "yes"
    law = CriterionAnswer.objects.get(assessment=a, criterion__code="legislation")
    assert law.value == "not_met"


def test_an_ods_file_with_a_formula_is_refused_at_its_cell(team, tmp_path):  # noqa: F811
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    ods = through_libreoffice(edit(download(client, a), {"level:C01": "=1+2"}), tmp_path, "ods")
    response = upload(client, a, ods, name="answers.ods")
    assert response.status_code == 422
    assert "a formula; only values are accepted" in errors_of(response)
