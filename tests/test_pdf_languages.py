"""Issue 14: the action plan PDF in French and in Arabic, read back with pypdf: its headings,
scores and gap texts are in that language, and the Arabic one embeds Noto Sans Arabic."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from django.utils import formats, translation
from django.utils.translation import gettext
from pypdf import PdfReader

from assessment.reports.builder import build_report
from assessment.reports.pdf import render_pdf
from frameworks.loader import load_frameworks

from .factories import answer_all, make_assessment, make_country

# Headings whose French and Arabic differ from the English ("Scores" is French too).
HEADINGS = ("Executive summary", "Gaps", "Action plan", "Method", "Top priorities")


def _plain(text: str) -> str:
    """Text as a reader compares it: Arabic presentation forms folded to letters (NFKC), the
    bidi isolates and marks the PDF carries dropped, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub("[\u2066-\u2069\u200e\u200f\u061c]", "", text)
    return " ".join(text.split())


@pytest.fixture
def assessment(db):
    load_frameworks()
    assessment = make_assessment(make_country("XA", "Arvenia (demo)"))
    answer_all(assessment, {"C04": "1", "C10": "0"}, criteria={"L1": "not_met"})
    return assessment


def _read(pdf: bytes) -> tuple[str, set[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    text = _plain(" ".join(page.extract_text() or "" for page in reader.pages))
    fonts: set[str] = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return text, fonts


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_action_plan_pdf_speaks_the_report_language(assessment, language):
    report = build_report(assessment, language)
    english = build_report(assessment, "en")
    text, fonts = _read(render_pdf(report))
    with translation.override(language):
        for msgid in HEADINGS:
            heading = gettext(msgid)
            assert heading != msgid, f"{msgid} is not translated into {language}"
            assert _plain(heading) in text, heading
        score = formats.number_format(report.scores.overall, 1)
        overall = gettext("%(score)s of %(max)s") % {"score": score, "max": 4}
    for word in _plain(overall).split():
        assert word in text, (overall, word)
    # The first gap's name and its first recommendation come from the framework, translated.
    gap = report.gaps[0]
    assert gap.item != english.gaps[0].item
    # pypdf gives Arabic lines in visual order, so a number and its name may swap: compare
    # the name without its number, and the recommendation's opening words, as phrases.
    assert _plain(re.sub(r"^\d+\.\s*", "", gap.item)) in text
    first_words = " ".join(_plain(gap.recommendations[0].text).split()[:3])
    assert first_words in text
    if language == "ar":
        assert any("NotoSansArabic" in f.replace("-", "") for f in fonts), fonts
