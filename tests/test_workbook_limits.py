"""Hostile workbooks (issue 22 §4): a team member's file with a valid signed header that
unpacks to far more than the questionnaire, a sheet of 100,000 rows, a forged header on a
heavy file. Each is refused with a message that says why, nothing is saved, never a 500.
Their time and memory are measured by bench/workbook_upload.py, not here."""

from __future__ import annotations

import io
import zipfile

from assessment.models import CapabilityAnswer
from assessment.workbook import read

from . import hostile_workbooks as hostile
from .factories import answer_all
from .test_workbook import download, edit, errors_of, team, upload  # noqa: F401

MB = 1024 * 1024
TOO_LARGE = "is larger than the questionnaire could be"


def refused(team, data: bytes) -> str:  # noqa: F811
    a = team["assessment"]
    assert len(data) <= 5 * MB  # under the upload limit: the refusal is not the size check
    response = upload(team["clients"]["coordinator"], a, data)
    assert response.status_code == 422
    assert not CapabilityAnswer.objects.filter(assessment=a).exists()
    return errors_of(response).replace("&#x27;", "'").replace("&quot;", '"')


def test_the_issues_zip_bomb_is_refused_by_its_size_before_it_is_parsed(team):  # noqa: F811
    real = download(team["clients"]["coordinator"], team["assessment"])
    data = hostile.with_sheet(edit(real, {"level:C01": "3"}), hostile.bomb_sheet(40 * MB))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.getinfo(hostile.FIRST_SECTION_PART)
    # As in the issue: ~40 MB in ~4.5 MB, a ratio (~9) under every archive check.
    assert sheet.file_size > 40_000_000 and sheet.file_size < 20 * sheet.compress_size
    errors = refused(team, data)
    assert TOO_LARGE in errors and "MB of data" in errors
    assert "D1 Policy and Governance" in errors  # the sheet is named


def test_a_sheet_of_100000_rows_is_refused(team):  # noqa: F811
    real = download(team["clients"]["coordinator"], team["assessment"])
    errors = refused(team, hostile.with_sheet(real, hostile.long_sheet(100_000)))
    assert TOO_LARGE in errors


def test_a_sheet_longer_than_the_questionnaire_is_refused_by_its_rows(team):  # noqa: F811
    a = team["assessment"]
    real = download(team["clients"]["coordinator"], a)
    limit = read.questionnaire_limits(
        read.frameworks_cache.mnr_tree(a.mnr_version),
        len(read.frameworks_cache.criteria_of(a.legislation_version)),
    )
    errors = refused(team, hostile.with_sheet(real, hostile.long_sheet(limit.rows + 1)))
    assert TOO_LARGE in errors and f"more than {limit.rows} rows" in errors


def test_values_far_beyond_the_questionnaires_columns_are_refused(team):  # noqa: F811
    real = download(team["clients"]["coordinator"], team["assessment"])
    sheet = hostile.SHEET_START + b'<row r="4"><c r="AA4"><v>1</v></c></row>' + hostile.SHEET_END
    errors = refused(team, hostile.with_sheet(real, sheet))
    assert TOO_LARGE in errors and "beyond column Z" in errors


def test_huge_shared_strings_are_refused(team):  # noqa: F811
    real = download(team["clients"]["coordinator"], team["assessment"])
    errors = refused(team, hostile.big_shared_strings(real, 30 * MB))
    assert "texts are larger than the questionnaire" in errors


def test_a_forged_header_is_refused_before_any_sheet_is_read(team):  # noqa: F811
    real = download(team["clients"]["coordinator"], team["assessment"])
    # The forged header on top of the bomb: the header's message, not the sheet's size, shows
    # that the signature was checked first, from its one cell.
    errors = refused(team, hostile.forged(hostile.with_sheet(real, hostile.bomb_sheet(40 * MB))))
    assert "hidden header is missing or was changed" in errors and TOO_LARGE not in errors
    errors = refused(team, hostile.forged(real))
    assert "hidden header is missing or was changed" in errors
    # A sheet no parser could read behind a forged header: the header is what is reported
    # (reading the whole workbook first said "could not be read").
    broken = hostile.forged(hostile.with_sheet(real, b"<worksheet><sheetData><row>"))
    assert "hidden header is missing or was changed" in refused(team, broken)


def test_a_header_cell_that_is_a_formula_is_refused(team):  # noqa: F811
    real = download(team["clients"]["coordinator"], team["assessment"])
    parts = hostile.parts_of(real)
    header = parts[hostile.HEADER_PART].decode()
    start = header.index('<c r="A1"')
    end = header.index("</c>", start) + len("</c>")
    parts[hostile.HEADER_PART] = (
        header[:start] + '<c r="A1" t="str"><f>A2</f><v>x</v></c>' + header[end:]
    ).encode()
    assert "hidden header is missing or was changed" in refused(team, hostile.zipped(parts))


def test_xml_with_a_dtd_or_broken_xml_is_refused_cleanly(team):  # noqa: F811
    real = download(team["clients"]["coordinator"], team["assessment"])
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<worksheet><sheetData><row><c><v>&lol2;</v></c></row></sheetData></worksheet>"
    )
    for sheet in (laughs, b"<worksheet><sheetData><row>", b"\xff\xfe not xml"):
        assert "could not be read" in refused(team, hostile.with_sheet(real, sheet))


def test_the_largest_real_workbook_is_within_the_limits(team):  # noqa: F811
    a = team["assessment"]
    # Every evidence at the form's limit, in a script of two bytes a character, full of the
    # characters XML escapes: the limits leave room for what a team can really write.
    text = ("دليل & <خطة> " * 2000)[:20000]
    answer_all(a, indicators="partly", evidence=text)
    client = team["clients"]["coordinator"]
    response = upload(client, a, edit(download(client, a), {"level:C01": "4"}))
    assert response.status_code == 200, errors_of(response)


def ods_cell(text: str, repeat: int = 1) -> str:
    return (
        f'<table:table-cell office:value-type="string" table:number-columns-repeated="{repeat}">'
        f"<text:p>{text}</text:p></table:table-cell>"
    )


def test_hostile_ods_runs_are_refused_without_being_expanded(team):  # noqa: F811
    real = download(team["clients"]["coordinator"], team["assessment"])
    # A value repeated over a billion columns, then over a billion rows: counted, not expanded.
    wide = f"<table:table-row>{ods_cell('x', 10**9)}</table:table-row>"
    assert "beyond column Z" in refused(team, hostile.ods(real, wide))
    long = f'<table:table-row table:number-rows-repeated="1000000000">{ods_cell("x")}'
    long += "</table:table-row>"
    errors = refused(team, hostile.ods(real, long))
    assert TOO_LARGE in errors and "rows" in errors and "“D1”" in errors
    # The same with the value in column C, which the reader does not keep: still counted.
    long_c = f'<table:table-row table:number-rows-repeated="1000000000">{ods_cell("", 2)}'
    long_c += f"{ods_cell('x')}</table:table-row>"
    assert "rows" in refused(team, hostile.ods(real, long_c))


def test_an_ods_cell_of_a_billion_spaces_is_cut_and_refused_as_too_long(team):  # noqa: F811
    real = download(team["clients"]["coordinator"], team["assessment"])
    spaces = '<table:table-cell office:value-type="string"><text:p>a'
    spaces += '<text:s text:c="1000000000"/>' * 50 + "b</text:p></table:table-cell>"
    a = team["assessment"]
    c01 = read.frameworks_cache.mnr_tree(a.mnr_version).capabilities[0]
    keys = ["level:C01"] + [f"ind:{i.code}" for i in c01.indicator_list]
    rows = "".join(f"<table:table-row>{ods_cell(k)}</table:table-row>" for k in keys)
    rows += (
        f"<table:table-row>{ods_cell('evidence:C01')}{ods_cell('', 2)}{spaces}</table:table-row>"
    )
    errors = refused(team, hostile.ods(real, rows))
    assert "longer than 20000 characters" in errors and "missing" not in errors
