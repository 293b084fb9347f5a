"""The action plan as an A4 PDF, drawn by WeasyPrint from templates/reports/action_plan.html.

The HTML is rendered by Django's template engine in the report's language; its stylesheet and
fonts are files under static/ and are read from the filesystem. Nothing is ever fetched from the
network: the URL fetcher refuses every URL that is not a file under the static directory.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..charts import bar_chart, bar_chart_labelled
from .data import Report

__all__ = ["PDF_UA", "StaticFileFetcher", "render_html", "render_pdf", "static_dir"]

logger = logging.getLogger(__name__)

# WeasyPrint reports each layout step at INFO ("Step 5 - Creating layout - Page 12"); with the
# root logger at INFO that is dozens of lines per PDF. Keep its warnings, drop the steps.
if logging.getLogger("weasyprint.progress").level == logging.NOTSET:
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

TEMPLATE = "reports/action_plan.html"
STYLESHEET = "reports/action_plan.css"  # under the static directory
# The chart's SVG rules sit between these markers in the stylesheet (see its comment).
CHART_RULES = re.compile(r"/\* chart-svg:start.*?\*/(?P<rules>.*?)/\* chart-svg:end \*/", re.S)
SVG_OPEN_TAG = re.compile(r"<svg\b[^>]*>")
# Every PDF the app makes is PDF/UA-1 (issue 25): public bodies must publish accessible
# documents. The variant tags the structure (pdf_tags) and writes the XMP metadata with the
# PDF/UA identifier and the title; the title shown and the language come from the HTML's
# <title> and <html lang>. tests/test_pdf_ua.py reads each PDF back with pikepdf.
PDF_UA = {"pdf_variant": "pdf/ua-1"}


def static_dir() -> Path:
    """The project's own static files (not STATIC_ROOT): the stylesheet and fonts live here."""
    return (Path(settings.BASE_DIR) / "static").resolve()


class StaticFileFetcher(URLFetcher):
    """Serves `file:` URLs under `root` and refuses everything else: no network, no other
    file. WeasyPrint logs a refused resource as a warning and draws the page without it."""

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve()

    def path_for(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        path = self.path_for(url)
        if path is None:
            logger.warning("PDF: refused to fetch %s (only files under %s)", url[:200], self.root)
            raise ValueError(f"Refused: {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ")
    return f'"{escaped}"'


def _page_number_css() -> str:
    """The "Page X of Y" margin box, built here so that its words are translated."""
    # Translators: the page number printed at the foot of every page of the PDF action plan.
    text = gettext("Page %(page)s of %(pages)s") % {"page": "\0page\0", "pages": "\0pages\0"}
    parts = []
    for piece in re.split(r"(\0pages?\0)", text):
        if piece == "\0page\0":
            parts.append("counter(page)")
        elif piece == "\0pages\0":
            parts.append("counter(pages)")
        elif piece:
            parts.append(_css_string(piece))
    content = " ".join(parts)
    return "@page { @bottom-center { content: " + content + "; } }"


def _stylesheet() -> tuple[str, str]:
    """The stylesheet split in two: the page's rules, and the chart's SVG rules."""
    text = (static_dir() / STYLESHEET).read_text(encoding="utf-8")
    match = CHART_RULES.search(text)
    if match is None:
        return text, ""
    return text[: match.start()] + text[match.end() :], match["rules"]


def _chart_svg(report: Report, rules: str) -> str:
    """The results page's SVG chart, carrying its rules in a <style> of its own: WeasyPrint
    styles an inline SVG only from there, never from the page's stylesheets. In a
    right-to-left language, its words are HTML laid over it (charts.bar_chart_labelled says
    why): the same chart, mirrored."""
    if translation.get_language_bidi():
        svg = bar_chart_labelled(report.scores, target=report.target_default)
    else:
        svg = bar_chart(report.scores, target=report.target_default)
    style = f"<style>{escape(rules.strip())}</style>"
    return mark_safe(SVG_OPEN_TAG.sub(lambda m: m[0] + style, svg, count=1))


def render_html(report: Report, chart_rules: str = "") -> str:
    """The HTML the PDF is drawn from, in the report's language."""
    with translation.override(report.language):
        return render_to_string(
            TEMPLATE,
            {
                "report": report,
                "chart_svg": _chart_svg(report, chart_rules),
                "overdue_count": sum(a.overdue for a in report.actions),
            },
        )


# The parsed stylesheets and the fonts they load (@font-face), per language (the page-number
# rule is translated) and stylesheet version: parsing them and loading the fonts again for
# every PDF was a tenth of its processor time. A FontConfiguration may serve many documents.
_StyleKey = tuple[str | None, int, int]
_STYLES: dict[_StyleKey, tuple[FontConfiguration, list[CSS], str]] = {}


def _styles(root: Path) -> tuple[_StyleKey, FontConfiguration, list[CSS], str]:
    """The stylesheets' key, the font configuration, the page's stylesheets and the chart's
    SVG rules, in the active language; read again when the stylesheet file changes."""
    stat = (root / STYLESHEET).stat()
    key = (translation.get_language(), stat.st_mtime_ns, stat.st_size)
    if key not in _STYLES:
        page_rules, chart_rules = _stylesheet()
        fetcher = StaticFileFetcher(root)
        # @font-face rules in a stylesheet given here load only through an explicit font
        # config, shared with the document; without one WeasyPrint silently uses the
        # system's fonts.
        fonts = FontConfiguration()
        stylesheet_url = (root / STYLESHEET).as_uri()
        sheets = [
            CSS(string=page_rules, base_url=stylesheet_url, url_fetcher=fetcher, font_config=fonts),
            CSS(string=_page_number_css(), url_fetcher=fetcher, font_config=fonts),
        ]
        if len(_STYLES) >= 8:
            _STYLES.pop(next(iter(_STYLES)))
        _STYLES[key] = (fonts, sheets, chart_rules)
    return (key, *_STYLES[key])


# The PDF is a function of its HTML and the stylesheets alone: WeasyPrint writes no clock and
# no random identifier (the creation date is the HTML's dcterms.created, a day), so the same
# HTML gives the same bytes (tests/test_pdf_kept.py). Drawing takes most of a second at 13
# pages; a plan downloaded again unchanged (by a colleague, the bulk export, a second click)
# costs its HTML only. Kept per process under a digest of the HTML and the stylesheets' key,
# a few at a time (about 150 kB each): nothing kept can be out of date, as any change to what
# the PDF shows changes its HTML.
_KEPT: dict[bytes, bytes] = {}
KEEP = 16
_KEPT_LOCK = threading.Lock()


def render_pdf(report: Report) -> bytes:
    """The action plan as PDF bytes: A4, in the report's language, fonts embedded."""
    root = static_dir()
    with translation.override(report.language):
        key, fonts, sheets, chart_rules = _styles(root)
    html = render_html(report, chart_rules)
    digest = hashlib.sha256(f"{key!r}\0{html}".encode()).digest()
    with _KEPT_LOCK:
        found = _KEPT.pop(digest, None)
        if found is not None:
            _KEPT[digest] = found  # now the most recent
            return found
    data: bytes = HTML(
        string=html, base_url=f"{root}/", url_fetcher=StaticFileFetcher(root)
    ).write_pdf(stylesheets=sheets, font_config=fonts, **PDF_UA)
    with _KEPT_LOCK:
        while len(_KEPT) >= KEEP:
            _KEPT.pop(next(iter(_KEPT)))
        _KEPT[digest] = data
    return data
