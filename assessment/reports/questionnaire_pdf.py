"""The printable blank questionnaire (issue 15): every capability of the assessment's pinned
MNR version with its level descriptors and indicator questions, and the legislative criteria,
with boxes to tick and lines to write on, for a workshop on paper. Drawn by WeasyPrint with the
action plan's setup (pdf.py): our fonts, our stylesheet, no network."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from .. import frameworks_cache
from ..models import Assessment, IndicatorAnswer
from .pdf import PDF_UA, StaticFileFetcher, _page_number_css, static_dir

TEMPLATE = "reports/blank_questionnaire.html"
STYLESHEET = "reports/blank_questionnaire.css"  # under the static directory
EVIDENCE_LINES = 5


def render_blank_html(assessment: Assessment, *, language: str | None) -> str:
    with translation.override(language):
        tree = frameworks_cache.mnr_tree(assessment.mnr_version)
        from ..workbook import criterion_options

        return render_to_string(
            TEMPLATE,
            {
                "assessment": assessment,
                "domains": [
                    (
                        d,
                        [
                            {
                                "cap": c,
                                "levels": [
                                    (f"{s['level']} — {s['name']}", text)
                                    for s, text in zip(tree.scale, c.level_descriptors, strict=True)
                                ],
                            }
                            for c in d.capability_list  # type: ignore[attr-defined]
                        ],
                    )
                    for d in tree.domains
                ],
                "indicator_choices": [str(label) for _v, label in IndicatorAnswer.Value.choices],
                "criteria": [
                    (c, [label for _v, label in criterion_options(c)])
                    for c in frameworks_cache.criteria_of(assessment.legislation_version)
                ],
                "evidence_lines": range(EVIDENCE_LINES),
            },
        )


# The PDF depends only on framework versions (never changed once loaded), the country's name,
# the cycle and the language, and takes seconds to draw: kept per process, a few at a time.
_KEPT: dict[tuple[Any, ...], bytes] = {}
KEEP = 8


def render_blank_questionnaire(assessment: Assessment, *, language: str | None) -> bytes:
    mnr, law = assessment.mnr_version, assessment.legislation_version
    key: tuple[Any, ...] = (mnr.pk, mnr.sha256, law.pk, law.sha256, str(assessment.country))
    key += (assessment.cycle, language)
    if key not in _KEPT:
        if len(_KEPT) >= KEEP:
            _KEPT.pop(next(iter(_KEPT)))
        _KEPT[key] = _draw(assessment, language=language)
    return _KEPT[key]


def _draw(assessment: Assessment, *, language: str | None) -> bytes:
    root = static_dir()
    html = render_blank_html(assessment, language=language)
    with translation.override(language):
        page_numbers = _page_number_css()
    fetcher = StaticFileFetcher(root)
    fonts = FontConfiguration()  # see pdf.render_pdf: @font-face needs an explicit config
    stylesheet = root / STYLESHEET
    return HTML(string=html, base_url=f"{root}/", url_fetcher=fetcher).write_pdf(
        stylesheets=[
            CSS(
                string=stylesheet.read_text(encoding="utf-8"),
                base_url=stylesheet.as_uri(),
                url_fetcher=fetcher,
                font_config=fonts,
            ),
            CSS(string=page_numbers, url_fetcher=fetcher, font_config=fonts),
        ],
        font_config=fonts,
        **PDF_UA,
    )
