"""Issue 25 §6–§8: every PDF the app makes is PDF/UA-1, read back with pikepdf (qpdf), in each
language: the PDF/UA identifier in its XMP metadata, a title the viewer shows, the document's
language, a marked structure tree in which every figure has alternative text and every table
header cell is a TH. The Arabic action plan draws the English chart, mirrored (§7)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pikepdf
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from assessment.models import Membership
from assessment.reports.builder import build_report
from assessment.reports.pdf import _stylesheet, render_html, render_pdf
from assessment.reports.questionnaire_pdf import render_blank_questionnaire

from .bulk import answered_assessments
from .factories import answer_all, make_assessment, make_country, make_user

pytestmark = pytest.mark.usefixtures("frameworks")
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _elements(node: pikepdf.Object) -> Iterator[pikepdf.Dictionary]:
    """Every structure element under `node`, depth first (marked-content ids and object
    references to content are not elements)."""
    kids = node.get("/K")
    if kids is None:
        return
    items = kids if isinstance(kids, pikepdf.Array) else [kids]
    for kid in items:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _elements(kid)


def _rows(table: pikepdf.Dictionary) -> Iterator[tuple[str, list[str]]]:
    """(section, cell tags) of each TR of a Table element: THead, TBody, TFoot or the table."""
    for kid in _elements(table):
        if kid["/S"] == "/TR":
            yield "", [str(c["/S"]) for c in _elements(kid) if c["/S"] in ("/TH", "/TD")]
    for section in ("/THead", "/TBody", "/TFoot"):
        for part in _elements(table):
            if part["/S"] == section:
                for row in _elements(part):
                    if row["/S"] == "/TR":
                        yield (
                            section,
                            [str(c["/S"]) for c in _elements(row) if c["/S"] in ("/TH", "/TD")],
                        )


def pdf_ua_problems(data: bytes, language: str) -> list[str]:
    """What a PDF/UA-1 checker would refuse in `data`, as sentences (empty when none)."""
    problems = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root
        with pdf.open_metadata() as meta:
            part = meta.get("pdfuaid:part")
            if part != "1":
                problems.append(f"no PDF/UA identifier in the XMP (pdfuaid:part={part!r})")
            if not (meta.get("dc:title") or "").strip():
                problems.append("no dc:title in the XMP")
        if not bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)):
            problems.append("the viewer is not told to show the title (DisplayDocTitle)")
        lang = str(root.get("/Lang", ""))
        if lang.split("-")[0] != language:
            problems.append(f"document language {lang!r}, not {language!r}")
        if not bool(root.get("/MarkInfo", {}).get("/Marked", False)):
            problems.append("not marked (MarkInfo /Marked)")
        tree = root.get("/StructTreeRoot")
        if tree is None:
            problems.append("no structure tree")
            return problems
        elements = list(_elements(tree))
        if not elements:
            problems.append("an empty structure tree")
        for element in elements:
            if element["/S"] == "/Figure" and not str(element.get("/Alt", "")).strip():
                problems.append("a Figure without alternative text")
            if element["/S"] == "/Table":
                rows = list(_rows(element))
                if not any("/TH" in cells for _s, cells in rows):
                    problems.append("a Table without a header cell (TH)")
                if any(s == "/THead" and "/TD" in cells for s, cells in rows):
                    problems.append("a TD in a table's THead")
    return problems


def figures(data: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [
            str(e.get("/Alt", ""))
            for e in _elements(pdf.Root.StructTreeRoot)
            if e["/S"] == "/Figure"
        ]


@pytest.fixture
def assessment(db):
    assessment = make_assessment(make_country("XA", "Arvenia (demo)"))
    answer_all(assessment, {"C04": "1", "C10": "0"}, criteria={"L1": "not_met"})
    return assessment


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_action_plan_is_pdf_ua(assessment, language):
    data = render_pdf(build_report(assessment, language))
    assert pdf_ua_problems(data, language) == []
    # The score chart is one figure (in Arabic too, §7), named in the report's language.
    (alt,) = figures(data)
    with translation.override(language):
        assert alt == gettext("Maturity level of each domain and capability")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_blank_questionnaire_is_pdf_ua(assessment, language):
    data = render_blank_questionnaire(assessment, language=language)
    assert pdf_ua_problems(data, language) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_secretariat_matrix_pdf_is_pdf_ua(client, language):
    answered_assessments(["FR", "KE"], [2026])
    client.force_login(make_user("ana", role=Membership.Role.ANALYST))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("secretariat:export", args=["matrix", "pdf"]))
    assert response.status_code == 200
    assert pdf_ua_problems(response.content, language) == []


def test_the_arabic_chart_is_the_english_chart_mirrored(assessment):
    """§7: the Arabic chart had no axis numbers, no gridlines and a solid target line (an HTML
    table). Now the same SVG, mirrored: the same axis numbers, gridlines, dashed target line
    and bars at mirrored positions, its labels laid over it as HTML (WeasyPrint cannot set
    Arabic in SVG text), and a Figure with alternative text in the PDF (above)."""
    from assessment.charts import WIDTH

    def chart(language: str) -> tuple[str, str]:
        html = render_html(build_report(assessment, language), chart_rules=_stylesheet()[1])
        start = html.index('<figure class="chart">')
        figure = html[start : html.index("</figure>", start)]
        return figure, figure[figure.index("<svg") : figure.index("</svg>")]

    def xs(svg: str, cls: str) -> list[float]:
        return [float(x) for x in re.findall(rf'class="{cls}" x1="([\d.]+)"', svg)]

    _en_figure, en = chart("en")
    ar_figure, ar = chart("ar")
    axis = re.compile(r'class="chart-axis"[^>]*>(\d)</text>')
    assert axis.findall(ar) == axis.findall(en) == ["0", "1", "2", "3", "4"]
    assert len(xs(ar, "chart-grid")) == len(xs(en, "chart-grid")) == 5
    assert xs(ar, "chart-grid") == [round(WIDTH - x, 1) for x in xs(en, "chart-grid")]
    assert xs(ar, "chart-target") == [round(WIDTH - x, 1) for x in xs(en, "chart-target")]
    assert "stroke-dasharray" in ar  # the target line's rule travels with the SVG
    assert ar.count('class="chart-bar') == en.count('class="chart-bar')
    # Every bar's label, as HTML text in the figure, in Arabic.
    labels = re.findall(r'<span class="label">([^<]+)</span>', ar_figure)
    assert len(labels) == en.count('class="chart-label')
    assert all(re.search("[\u0600-\u06ff]", label) for label in labels)
