"""The comparison matrix as a printable PDF (A3 landscape), drawn by WeasyPrint from the same
context as the page. Fonts and files come only from static/, as for the action plan."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from assessment.reports.pdf import PDF_UA, StaticFileFetcher, _page_number_css, static_dir

STYLE = """
@font-face { font-family: "MNR Sans"; src: url("fonts/DejaVuSans.ttf"); }
@font-face { font-family: "MNR Sans"; font-weight: bold; src: url("fonts/DejaVuSans-Bold.ttf"); }
@font-face { font-family: "MNR Arabic"; src: url("fonts/NotoSansArabic-Regular.ttf");
             unicode-range: U+0600-06FF, U+0750-077F, U+0870-08FF, U+FB50-FDFF, U+FE70-FEFF; }
@font-face { font-family: "MNR Arabic"; font-weight: bold;
             src: url("fonts/NotoSansArabic-Bold.ttf");
             unicode-range: U+0600-06FF, U+0750-077F, U+0870-08FF, U+FB50-FDFF, U+FE70-FEFF; }
@page { size: A3 landscape; margin: 14mm 10mm 16mm;
        @top-center { content: string(header); font: 8pt "MNR Arabic", "MNR Sans"; color: #444; }
        @bottom-center { font: 8pt "MNR Sans"; color: #444; } }
body { font: 7.5pt/1.3 "MNR Arabic", "MNR Sans"; color: #111; }
h1 { font-size: 14pt; string-set: header content(); margin-block: 0 2mm; }
p { margin-block: 0 2mm; }
table { border-collapse: collapse; inline-size: 100%; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { border: 0.4pt solid #bbb; padding: 0.8mm 0.6mm; text-align: center; }
th.name, td.name { text-align: start; white-space: nowrap; }
.level-0 { background: #f3f5f8; } .level-1 { background: #d6e4f5; }
.level-2 { background: #a9c8ec; } .level-3 { background: #5d95d6; color: #fff; }
.level-4 { background: #1f4e89; color: #fff; }
.met { background: #dcefe3; } .not_met, .dont_know { background: #fbe3e1; }
caption { text-align: start; font-size: 7pt; color: #444; }
.legend { columns: 3; font-size: 7pt; margin-block-start: 3mm; }
"""


def render_matrix_pdf(context: dict[str, Any]) -> bytes:
    root = static_dir()
    fetcher = StaticFileFetcher(root)
    fonts = FontConfiguration()
    html = render_to_string("secretariat/matrix_pdf.html", context)
    return HTML(string=html, base_url=f"{root}/", url_fetcher=fetcher).write_pdf(
        stylesheets=[
            CSS(string=STYLE, base_url=f"{root}/", url_fetcher=fetcher, font_config=fonts),
            CSS(string=_page_number_css(), url_fetcher=fetcher, font_config=fonts),
        ],
        font_config=fonts,
        **PDF_UA,
    )
