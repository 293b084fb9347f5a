"""The action-plan renderers: PDF (WeasyPrint), XLSX and CSV, read back.

No database: a Report is built in Python from the shipped framework files, through the same
pure functions the app uses (scoring.score, gaps.compute_gaps).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
import yaml
from django.template.defaultfilters import floatformat
from pypdf import PdfReader

from assessment.gaps import CapabilityMeta, CriterionMeta, Gap, GapKind, compute_gaps
from assessment.reports import pdf as pdf_module
from assessment.reports.data import ActionRow, Report
from assessment.reports.pdf import StaticFileFetcher, render_html, render_pdf, static_dir
from assessment.reports.tabular import sheets, to_csv, to_xlsx
from assessment.scoring import (
    CapabilitySpec,
    CriterionSpec,
    DomainSpec,
    MnrRules,
    Scores,
    SufficiencyRule,
    score,
)

DATA = Path(__file__).resolve().parents[1] / "frameworks" / "data"
MNR = yaml.safe_load((DATA / "mnr-2016.yaml").read_text(encoding="utf-8"))
LAW = yaml.safe_load((DATA / "icmec-legislation-2018.yaml").read_text(encoding="utf-8"))
RECS = yaml.safe_load((DATA / "gta2019-recommendations.yaml").read_text(encoding="utf-8"))
TODAY = dt.date(2026, 3, 2)

# 21 capabilities in framework order: levels, "don't know" and one "not applicable".
LEVELS = "2 1 3 1 dont_know 2 0 3 4 1 2 3 2 1 dont_know 3 0 2 not_applicable 1 3".split()
CRITERIA = {
    "legislation": "met",
    "definition": "met",
    "technology": "not_met",
    "possession": "met",
    "isp_reporting": "dont_know",
}


def capabilities() -> list[dict]:
    return [c for d in MNR["domains"] for c in d["capabilities"]]


def make_scores(responses: dict[str, str] | None = None, criteria: dict | None = None) -> Scores:
    codes = [c["code"] for c in capabilities()]
    return score(
        domains=[
            DomainSpec(
                d["code"],
                d["name"],
                tuple(
                    CapabilitySpec(
                        c["code"], c["number"], c["name"], tuple(i["code"] for i in c["indicators"])
                    )
                    for c in d["capabilities"]
                ),
            )
            for d in MNR["domains"]
        ],
        rules=MnrRules.from_version_rules(MNR),
        responses=dict(zip(codes, LEVELS, strict=True)) if responses is None else responses,
        indicator_answers={},
        criteria=[CriterionSpec(c["code"], c["name"]) for c in LAW["criteria"]],
        criterion_values=CRITERIA if criteria is None else criteria,
        sufficiency=SufficiencyRule.from_version_rules(LAW),
    )


def make_gaps(scores: Scores, peers: dict[str, list[str]] | None = None) -> list[Gap]:
    metas = [
        CapabilityMeta(
            code=c["code"],
            number=c["number"],
            name=c["name"],
            domain=d["name"],
            domain_order=order,
            # Issue 13: the weighting is the product's own, kept in one block of the data file.
            foundational=MNR["weighting"]["weights"].get(c["code"], 1) > 1,
            weight=MNR["weighting"]["weights"].get(c["code"], 1),
            links=tuple((r["code"], r["reason"]) for r in c.get("recommendations", [])),
        )
        for order, d in enumerate(MNR["domains"], start=1)
        for c in d["capabilities"]
    ]
    law_cap = next(m for m in metas if m.code == MNR["scoring"]["legislation_capability"])
    return compute_gaps(
        scores=scores,
        capabilities=metas,
        criteria=[
            CriterionMeta(
                c["code"], c["name"], tuple((r["code"], r["reason"]) for r in c["recommendations"])
            )
            for c in LAW["criteria"]
        ],
        targets={m.code: MNR["scoring"]["default_target"] for m in metas},
        recommendations={
            r["code"]: (r["actor"], r["text"], r["source"]) for r in RECS["recommendations"]
        },
        peers=peers if peers is not None else {"C04": ["Belmora (demo)", "Carovia (demo)"]},
        legislation_weight=law_cap.weight,
        legislation_domain_order=law_cap.domain_order,
    )


AGENCIES = (
    "Ministry of Justice",
    "National Police, Cybercrime Unit",
    "Ministry of Social Affairs and Child Protection",
    "ICT Regulatory Authority",
    "Ministry of Education",
    "National Child Helpline",
)


def make_actions(n: int, gaps: list[Gap] | tuple[Gap, ...] = ()) -> tuple[ActionRow, ...]:
    rows = []
    for i in range(1, n + 1):
        gap = gaps[(i - 1) % len(gaps)] if gaps else None
        start = TODAY + dt.timedelta(days=30 * (i % 12) - 180)
        status = ("planned", "in_progress", "done", "dropped")[i % 4]
        rows.append(
            ActionRow(
                position=i,
                title=f"Action {i:03d}: agree the terms of reference and the budget for step {i}",
                description="Set out who does what, with which money, and report progress to the"
                " national coordinating body every quarter. " * (1 + i % 2),
                item=(gap.item if gap.kind != GapKind.LAW else f"Legislation: {gap.item}")
                if gap
                else "",
                recommendations=tuple(r.code for r in gap.recommendations) if gap else (),
                lead_agency=f"{AGENCIES[i % len(AGENCIES)]} {i:03d}",
                supporting_agencies=f"{AGENCIES[(i + 1) % len(AGENCIES)]}; "
                f"{AGENCIES[(i + 3) % len(AGENCIES)]}",
                start_date=start if i % 7 else None,
                due_date=start + dt.timedelta(days=150),
                status=status,
                status_label={
                    "planned": "Planned",
                    "in_progress": "In progress",
                    "done": "Done",
                    "dropped": "Dropped",
                }[status],
                priority=1 + i % 3,
                overdue=status in ("planned", "in_progress")
                and start + dt.timedelta(days=150) < TODAY,
            )
        )
    return tuple(rows)


PRIORITY_RULE = (
    "Gaps are listed in the order to act on them. First come the capabilities the framework "
    "marks as foundational and the legislative criteria; then larger gaps before smaller ones; "
    "then the order of the domains."
)


def make_report(*, actions: int = 12, **changes: object) -> Report:
    scores = make_scores()
    gaps = tuple(make_gaps(scores))
    report = Report(
        country_name="Belmora (demo)",
        cycle=2026,
        revision=2,
        status_label="Submitted",
        is_demo=True,
        generated_on=TODAY,
        language="en",
        scores=scores,
        target_default=3,
        gaps=gaps,
        actions=make_actions(actions, gaps),
        priority_rule=PRIORITY_RULE,
        scale=tuple((s["level"], s["name"], s["meaning"]) for s in MNR["scale"]),
        sources=(
            MNR["framework"]["source"],
            LAW["framework"]["source"],
            RECS["framework"]["source"],
        ),
        comments=(
            ("4. Dedicated law enforcement", "coordinator", "Figures for 2025 still to come."),
        ),
    )
    return replace(report, **changes) if changes else report


def pdf_pages(data: bytes) -> list[str]:
    """Text of each page, with whitespace runs folded to one space."""
    reader = PdfReader(io.BytesIO(data))
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def report() -> Report:
    return make_report()


@pytest.fixture(scope="module")
def pdf(report: Report) -> bytes:
    return render_pdf(report)


@pytest.fixture(scope="module")
def pages(pdf: bytes) -> list[str]:
    return pdf_pages(pdf)


@pytest.fixture(scope="module")
def pdf_text(pages: list[str]) -> str:
    return " ".join(pages)


# --------------------------------------------------------------------------- the test data


def test_the_sample_report_has_every_kind_of_gap(report: Report):
    kinds = {g.kind for g in report.gaps}
    assert kinds == {GapKind.BUILD, GapKind.FIND_OUT, GapKind.LAW}
    assert len(report.gaps) >= 12
    assert any(g.peers for g in report.gaps)


# --------------------------------------------------------------------------------------- PDF


def test_pdf_is_a4_and_names_the_country_cycle_and_revision(pdf: bytes, pages: list[str]):
    assert pdf.startswith(b"%PDF-")
    first = PdfReader(io.BytesIO(pdf)).pages[0]
    width, height = float(first.mediabox.width), float(first.mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == "MNR self-assessment action plan: Belmora (demo), 2026"
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]  # tagged, for screen readers
    cover = pages[0]
    assert "Belmora (demo)" in cover
    assert "2026, revision 2" in cover
    assert "Submitted" in cover
    assert "March 2, 2026" in cover  # generated on, in the language's date format


def test_pdf_says_demonstration_data_on_the_cover_and_on_every_page(pages: list[str]):
    assert len(pages) > 3
    for page in pages:
        assert "Demonstration data — fictional country" in page


def test_pdf_of_a_real_country_has_no_demo_notice(report: Report):
    pages = pdf_pages(render_pdf(replace(report, is_demo=False, country_name="Testland")))
    assert "Testland" in pages[0]
    assert not any("Demonstration data" in page for page in pages)


def test_pdf_prints_the_scores(report: Report, pdf_text: str):
    s = report.scores
    # Printed as the template prints them: floatformat rounds half up (62.5 -> 63).
    assert f"{floatformat(s.overall, 1)} of 4" in pdf_text
    assert f"{floatformat(s.overall_percent, 0)}% of the top level" in pdf_text
    for d in s.domains:
        if d.score is not None:
            assert f"{d.name} {floatformat(d.score, 1)} {floatformat(d.percent, 0)}%" in pdf_text
    law = s.legislation
    assert f"{law.met} of {law.total} met" in pdf_text
    assert "Not sufficient legislation" in pdf_text


def test_pdf_lists_every_gap_action_owner_and_the_method(report: Report, pdf_text: str):
    # Each gap, in priority order, in the gap table itself (the names are also in the chart and
    # the legislation table), each followed by its kind and its "now -> target".
    start = pdf_text.index("Now → target")
    table = pdf_text[start : pdf_text.index("Recommendations paraphrased", start)]
    table = table.replace("- ", "-")  # a name broken across lines in its cell
    kinds = {"build": "Build", "find_out": "Find out", "law": "Law"}
    at = 0
    for gap in report.gaps:
        at = table.index(fold(gap.item), at)
        levels = {"law": "not met → met", "find_out": f"not known → {gap.target}"}.get(
            gap.kind, f"{gap.current} → {gap.target}"
        )
        after = table[at : at + 300]
        assert f"{kinds[gap.kind]} {levels}" in after, (gap.item, after)
    assert "R07 (Nations):" in pdf_text
    assert "Belmora (demo), Carovia (demo)" in pdf_text  # peers
    for action in report.actions:
        assert fold(action.title) in pdf_text
        assert fold(action.lead_agency) in pdf_text
    assert "Overdue" in pdf_text
    assert "Figures for 2025 still to come." in pdf_text  # comments
    assert "How this is scored" in pdf_text
    assert fold(PRIORITY_RULE) in pdf_text
    for _level, name, _meaning in report.scale:
        assert name in pdf_text
    assert "Global Threat Assessment 2019, section 09" in pdf_text  # a source


def test_pdf_numbers_its_pages_and_repeats_the_running_header(pages: list[str]):
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Belmora (demo) · 2026 (revision 2) · MNR self-assessment action plan" in page


def test_pdf_of_a_long_plan_repeats_the_action_table_header(report: Report):
    # Enough actions for the table to run over three pages or more: the header must come back
    # on every page after a break, and no action may be lost at one (16 actions run over four
    # pages; the hundred this test drew before proved no more, at six times the drawing).
    big = replace(report, actions=make_actions(16, report.gaps))
    pages = pdf_pages(render_pdf(big))
    with_actions = [i for i, p in enumerate(pages) if re.search(r"\bAction \d{3}:", p)]
    assert len(with_actions) >= 3, "the actions fill several pages"
    header = "# Action Capability or criterion Lead agency Supporting agencies Start Due Status"
    for i in with_actions:
        assert header in pages[i], f"action table header missing on page {i + 1}"
    text = " ".join(pages)
    for action in big.actions:
        assert fold(action.title) in text


def test_pdf_without_gaps_actions_or_answers_still_renders(report: Report):
    empty_scores = make_scores(responses={}, criteria={})
    empty = replace(report, scores=empty_scores, gaps=(), actions=(), comments=())
    text = " ".join(pdf_pages(render_pdf(empty)))
    assert "Not yet scored" in text
    assert "No action has been planned yet." in text
    assert "No gap" in text


def test_pdf_html_is_set_to_the_report_language_and_direction(report: Report):
    assert '<html lang="en" dir="ltr">' in render_html(report)
    assert '<html lang="ar" dir="rtl">' in render_html(replace(report, language="ar"))


def test_pdf_chart_coordinates_are_not_localized(report: Report):
    # French writes 600,0; SVG needs 600.0 (the default target, level 3, is at x = 330 + 3 * 90).
    html = render_html(replace(report, language="fr"))
    assert re.search(r'class="chart-target" x1="600(\.0)?" x2="600(\.0)?"', html)
    assert 'x1="600,0"' not in html


def test_pdf_escapes_text_typed_by_users(report: Report):
    action = replace(report.actions[0], title="<b>Bold</b> & <img src=http://example.org/x.png>")
    html = render_html(replace(report, actions=(action,)))
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;img src=http://example.org/x.png&gt;" in html
    assert "<img" not in html


def test_pdf_fetches_only_files_under_static(tmp_path: Path):
    fetcher = StaticFileFetcher(static_dir())
    css = (static_dir() / "reports" / "action_plan.css").as_uri()
    assert fetcher.fetch(css).read().startswith(b"/*")
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    for url in (
        "http://example.org/style.css",
        "https://example.org/font.ttf",
        "data:text/css,body{}",
        outside.as_uri(),
        static_dir().as_uri() + "/../manage.py",
        "file://otherhost" + str(static_dir() / "reports" / "action_plan.css"),
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_pdf_embeds_our_own_fonts(report: Report, monkeypatch):
    fetched: list[str] = []
    original = StaticFileFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticFileFetcher, "fetch", spy)
    monkeypatch.setattr(pdf_module, "_STYLES", {})  # the fonts as a fresh worker loads them
    data = render_pdf(report)
    names = [u.rsplit("/", 1)[-1] for u in fetched]
    # The CSS is read directly; the Arabic faces (issue 14) are loaded for every report.
    assert sorted(names) == [
        "DejaVuSans-Bold.ttf",
        "DejaVuSans.ttf",
        "NotoSansArabic-Bold.ttf",
        "NotoSansArabic-Regular.ttf",
    ]
    assert all(u.startswith(static_dir().as_uri()) for u in fetched)
    fonts = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    # Embedded under the @font-face family name: proof that no system font was used.
    assert fonts == {"MNR-Report-Sans", "MNR-Report-Sans-Bold"}, fonts
    # The next PDF reuses the parsed stylesheets and loaded fonts (issue 27): the same fonts.
    fetched.clear()
    again = PdfReader(io.BytesIO(render_pdf(report)))
    assert not fetched
    assert {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for page in again.pages
        for font in page["/Resources"]["/Font"].values()
    } == fonts


# ------------------------------------------------------------------------------ XLSX, CSV


def test_sheets_have_the_expected_rows(report: Report):
    tables = sheets(report)
    assert list(tables) == ["scores", "gaps", "actions"]
    header, rows = tables["scores"]
    assert header == ["Type", "Domain", "Item", "Level", "Percent", "State"]
    # overall + 6 domains + 21 capabilities + legislation + 5 criteria
    assert len(rows) == 1 + 6 + 21 + 1 + 5
    overall = rows[0]
    assert overall[3] == float(floatformat(report.scores.overall, 1))
    assert overall[4] == int(floatformat(report.scores.overall_percent, 0))
    assert [
        "Legislation",
        "",
        "Legislation (ICMEC criteria)",
        None,
        None,
        "3 of 5 met: Not sufficient legislation",
    ] in rows
    gap_header, gap_rows = tables["gaps"]
    assert len(gap_rows) == len(report.gaps)
    assert [row[0] for row in gap_rows] == list(range(1, len(report.gaps) + 1))
    leadership = next(row for row in gap_rows if row[2] == "1. Leadership")
    recs = leadership[gap_header.index("Recommendations")]
    assert recs.startswith("R07 (Nations): Aim to appoint a national leader")  # issue 13 wording
    assert "\nR06 (Nations): " in recs
    find_out = next(row for row in gap_rows if row[1] == "Find out")
    assert find_out[gap_header.index("Current level")] is None
    peers = next(row for row in gap_rows if row[2] == "4. Dedicated law enforcement")
    assert peers[-1] == "Belmora (demo); Carovia (demo)"
    action_header, action_rows = tables["actions"]
    assert len(action_rows) == len(report.actions)
    assert isinstance(action_rows[0][action_header.index("Due")], dt.date)


def test_levels_are_rounded_half_up_as_the_pdf_prints_them():
    from assessment.reports.tabular import _round

    assert _round(2.25, 1) == 2.3  # round() would give 2.2
    assert _round(56.25, 0) == 56
    assert _round(62.5, 0) == 63
    assert _round(None, 1) is None


def test_xlsx_has_three_sheets_with_bold_frozen_headers_and_real_dates(report: Report):
    big = replace(report, actions=make_actions(100, report.gaps))
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(big)))
    assert wb.sheetnames == ["Scores", "Gaps", "Actions"]
    scores, gaps, actions = (wb[name] for name in wb.sheetnames)
    assert scores.max_row == 1 + 34
    assert gaps.max_row == 1 + len(big.gaps)
    assert actions.max_row == 1 + 100
    for ws in (scores, gaps, actions):
        assert ws.freeze_panes == "A2"
        assert all(cell.font.bold for cell in ws[1])
        assert all(ws.column_dimensions[c].width <= 62 for c in ws.column_dimensions)
    header = [c.value for c in actions[1]]
    assert header[:2] == ["Position", "Title"]
    due = actions.cell(row=2, column=header.index("Due") + 1)
    assert due.is_date
    assert due.value.date() == big.actions[0].due_date
    missing_start = actions.cell(row=8, column=header.index("Start") + 1)  # action 7 has none
    assert missing_start.value is None
    assert gaps.cell(row=2, column=1).value == 1


def test_xlsx_keeps_formula_like_text_as_text(report: Report):
    action = replace(report.actions[0], title='=HYPERLINK("http://evil.example","click")')
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(replace(report, actions=(action,)))))
    cell = wb["Actions"].cell(row=2, column=2)
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://evil.example","click")'


def test_csv_has_the_sheet_rows_and_guards_formulas(report: Report):
    actions = (
        replace(report.actions[0], title="=1+1", lead_agency="+cm", supporting_agencies="@SUM(1)"),
        replace(report.actions[1], title="-2", description="\tx"),
    )
    text = to_csv(replace(report, actions=actions), "actions")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert len(rows) == 3
    first = dict(zip(header, rows[1], strict=True))
    assert first["Title"] == "'=1+1"
    assert first["Lead agency"] == "'+cm"
    assert first["Supporting agencies"] == "'@SUM(1)"
    assert first["Due"] == actions[0].due_date.isoformat()
    second = dict(zip(header, rows[2], strict=True))
    assert second["Title"] == "'-2"
    assert second["Description"] == "'\tx"
    scores = list(csv.reader(io.StringIO(to_csv(report, "scores"))))
    assert len(scores) == 1 + 34
    gaps = list(csv.reader(io.StringIO(to_csv(report, "gaps"))))
    assert len(gaps) == 1 + len(report.gaps)
    with pytest.raises(ValueError):
        to_csv(report, "secrets")


@pytest.mark.parametrize("language", ["fr", "es", "pt", "ar"])
def test_the_longest_due_date_stays_inside_its_column(language):
    """Issue 25 §8: in French the due date ran over the status ("27 septembre 2026Prévue"):
    the date column was as wide as an English date. The longest month of each language, read
    back with pdftotext's layout: the date and the status are separate words."""
    from django.utils import formats, translation

    due = dt.date(2026, 9, 27)  # September: the longest month name in fr, es and pt
    with translation.override(language):
        date = formats.date_format(due, "DATE_FORMAT")
        status = translation.gettext("Planned")
    (action,) = make_actions(1)
    action = replace(action, start_date=due, due_date=due, status_label=status)
    data = render_pdf(replace(make_report(actions=0, language=language), actions=(action,)))
    text = " ".join(pdf_pages(data))
    year_then_status = re.escape(date.split()[-1]) + re.escape(status.split()[0])
    assert not re.search(year_then_status, text), text
    # The dates are in the reader's format; the note under the table said "year-month-day".
    assert date.split()[0] in text
    for claim in ("année-mois-jour", "año-mes-día", "ano-mês-dia", "السنة-الشهر-اليوم"):
        assert claim not in text


def test_an_arabic_xlsx_runs_right_to_left_in_libreoffice_and_others_left_to_right(
    report: Report, tmp_path
):
    """Every sheet of the action plan's workbook reads from the right in Arabic, as its pages
    and PDF do, and still does once LibreOffice Calc has opened and saved it."""
    from .test_workbook_libreoffice import through_libreoffice

    arabic = to_xlsx(replace(report, language="ar"))
    for data in (arabic, through_libreoffice(arabic, tmp_path)):
        sheets_ = openpyxl.load_workbook(io.BytesIO(data)).worksheets
        assert len(sheets_) == 3 and all(ws.sheet_view.rightToLeft for ws in sheets_)
    for language in ("en", "fr"):
        book = openpyxl.load_workbook(io.BytesIO(to_xlsx(replace(report, language=language))))
        assert not any(ws.sheet_view.rightToLeft for ws in book.worksheets)
