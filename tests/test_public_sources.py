"""Issue 23 §1: what readers see cites public sources, never our working notes.

The framework files keep maintainers' notes (the file we paraphrased, line numbers of our
plain-text copy of the report, what we did not read) in `provenance` fields and comments. No
page, PDF, workbook or export may show a repository path, a line number of that copy or an
internal identifier (a legislative question's key, such as `child_age`). Checked three ways:
every framework text as read in each language; every page of the permission table and every
export, in each language; and the version-move preview, which lists items that changed.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from assessment import frameworks_cache
from assessment.models import Assessment
from assessment.reports.builder import build_report
from assessment.reports.pdf import render_html
from assessment.reports.questionnaire_pdf import render_blank_html
from frameworks.models import Capability, Criterion, Domain, FrameworkVersion, Recommendation

from .test_permissions import APP_URLS, put_in_state, request_for
from .test_permissions import world as permissions_world  # noqa: F401 (a fixture)
from .test_pseudo_language import Visible, readers

LANGUAGES = [code for code, _name in settings.LANGUAGES]

# A path of the repository or a file of it; a line of the plain-text copy of the report (L918,
# L742-L747); a snake_case key (the legislative questions' codes: child_age, isp_reporting).
LEAKS = {
    "repository path": re.compile(r"\b(?:shared|reference|docs|frameworks)/|\.(?:md|ya?ml|py)\b"),
    "line number": re.compile(r"(?<![\w/])L\d{2,4}\b"),
    "internal id": re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),
}


SKIPPED = {
    "assessment:evidence_download",  # the files people attached, as they attached them
    # The import page names the CSV columns an analyst types (isp_reporting…): a file format.
    "secretariat_import:upload",
    # PDFs: their HTML is checked below in every language (WeasyPrint takes seconds a file).
    "assessment:blank_questionnaire",
}


def leaks_in(texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        for what, pattern in LEAKS.items():
            for match in pattern.finditer(text):
                start = max(match.start() - 40, 0)
                found.append(f"{what}: …{text[start : match.end() + 40]}…")
    return found


def visible_text(html: str) -> list[str]:
    parser = Visible()
    parser.feed(html)
    return parser.texts


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def xlsx_text(data: bytes) -> list[str]:
    """The cells a person sees: visible sheets, visible columns (the workbook's hidden column A
    and hidden sheet carry the keys its upload reads)."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=False)
    texts = []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        hidden = {k for k, d in sheet.column_dimensions.items() if d.hidden}
        for row in sheet.iter_rows():
            texts += [
                str(cell.value)
                for cell in row
                if cell.value is not None and cell.column_letter not in hidden
            ]
    return texts


def csv_text(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


def readable(response: Any) -> list[str] | None:
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "text/html" in kind:
        return visible_text(body.decode())
    if "pdf" in kind:
        return pdf_text(body)
    if "spreadsheetml" in kind:
        return xlsx_text(body)
    if "text/csv" in kind:
        return csv_text(body)
    return None  # JSON for programs (the API), files people uploaded, redirects


@pytest.mark.django_db
def test_every_framework_text_a_reader_sees_cites_public_sources(frameworks: None):
    """Every text of the loaded framework rows, in every language, as the pages read it."""
    found: list[str] = []
    for lang in LANGUAGES:
        with translation.override(lang):
            texts: list[str] = []
            for v in FrameworkVersion.objects.all():
                texts += [v.title, v.edition, v.source, v.note]
                texts.append(v.rules.get("weighting", {}).get("reason", ""))
                texts.append(v.rules.get("sufficiency", {}).get("description", ""))
            for d in Domain.objects.all():
                texts += [d.name, d.outcome, d.source]
            for c in Capability.objects.prefetch_related("indicators"):
                texts += [c.name, c.summary, c.source, *c.level_descriptors]
                texts += [link["reason"] for link in c.recommendation_links]
                texts += [i.text for i in c.indicators.all()]
            for cr in Criterion.objects.all():
                texts += [cr.name, cr.question, cr.guidance, cr.source]
                texts += [link["reason"] for link in cr.recommendation_links]
            for r in Recommendation.objects.all():
                texts += [r.actor, r.text, r.source]
            found += [f"{lang}: {leak}" for leak in leaks_in(texts)]
    assert found == []


@pytest.mark.django_db
def test_capability_and_legislation_pages_cite_the_public_documents(client, frameworks: None):
    from .factories import make_assessment, make_country, make_user

    country = make_country("XA", "Arvenia (demo)")
    assessment = make_assessment(country)
    client.force_login(make_user("cd", country=country, role="coordinator"))
    page = client.get(reverse("assessment:capability", args=[assessment.uuid, "C01"])).content
    assert (
        "Source: WePROTECT Global Alliance, Model National Response, the alliance&#x27;s "
        "published list of capabilities, capability 1"
    ) in page.decode()
    law = client.get(reverse("assessment:legislation", args=[assessment.uuid])).content.decode()
    assert "Source: ICMEC, Child Sexual Abuse Material: Model Legislation &amp; Global" in law
    # The further question on the age of a child: its help, without our copy's line numbers.
    assert "the age the report&#x27;s definition of CSEA uses; cite the section." in law
    assert "Our elaboration" not in law and "L101" not in law


def test_every_page_and_export_in_every_language_shows_no_working_notes(
    permissions_world: dict[str, Any],  # noqa: F811
):
    world = permissions_world
    a: Assessment = world["assessment"]
    # PDFs are WeasyPrint's drawing of an HTML page: that page is read in every language, and
    # one PDF is read back in one, to check what the drawing adds (its footer). The workbook
    # is a page of the walk.
    exports = [
        reverse("assessment:export", args=[a.uuid, fmt])
        for fmt in ("xlsx", "scores.csv", "gaps.csv", "actions.csv")
    ]
    found: dict[str, set[str]] = {}
    seen = 0
    # The sources a page shows do not depend on the assessment's state; the draft is the state
    # in which the most pages (the version move, the workbook) are open to its coordinator.
    put_in_state(a, "draft")
    for lang in LANGUAGES:
        for name in APP_URLS:
            if name.startswith("api:") or name in SKIPPED:
                continue
            roles = readers(name, "draft")
            if not roles:
                continue
            client = world["clients"][roles[-1]]
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
            url, _data = request_for(name, world)
            texts = readable(client.get(url, HTTP_ACCEPT_LANGUAGE=lang))
            if texts is not None:
                seen += 1
                for leak in leaks_in(texts):
                    found.setdefault(leak, set()).add(f"{name} {lang}")
        # Every export in this language (`?lang=`), as the coordinator may take them.
        client = world["clients"]["coordinator"]
        for url in exports:
            response = client.get(f"{url}?lang={lang}")
            assert response.status_code == 200, url
            seen += 1
            for leak in leaks_in(readable(response) or []):
                found.setdefault(leak, set()).add(f"{url} {lang}")
        html = {
            "plan PDF": render_html(build_report(a, lang)),
            "blank questionnaire PDF": render_blank_html(a, language=lang),
        }
        for what, page in html.items():
            seen += 1
            for leak in leaks_in(visible_text(page)):
                found.setdefault(leak, set()).add(f"{what} {lang}")
    pdf = world["clients"]["coordinator"].get(
        reverse("assessment:export", args=[a.uuid, "pdf"]) + "?lang=fr"
    )
    for leak in leaks_in(readable(pdf) or []):
        found.setdefault(leak, set()).add("plan PDF fr")
    assert seen > 200
    assert found == {}, "\n".join(f"{k} ({sorted(v)[:3]})" for k, v in found.items())


@pytest.fixture
def moving_draft(no_frameworks: None) -> Assessment:
    """A draft on the archived version 1, then the current files loaded: it may move."""
    from pathlib import Path

    from frameworks.loader import load_frameworks

    from .factories import make_assessment, make_country, make_user

    archive = Path(settings.FRAMEWORK_DATA_DIR) / "archive"
    load_frameworks(sorted(archive.glob("*-v1.yaml")))
    country = make_country("XA", "Arvenia (demo)")
    assessment = make_assessment(country)
    make_user("cd", country=country, role="coordinator")
    load_frameworks()
    frameworks_cache.clear_framework_cache()
    return assessment


@pytest.mark.django_db
def test_version_move_preview_names_items_as_readers_know_them(client, moving_draft: Assessment):
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="cd"))
    for lang in LANGUAGES:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        url = reverse("assessment:version_move", args=[moving_draft.uuid])
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
        texts = visible_text(response.content.decode())
        assert leaks_in(texts) == [], lang
        if lang == "en":
            page = " ".join(texts)
            # A further question added since version 1 is named by its question.
            assert "Does the law treat every person under 18 shown in sexual material" in page
            assert "child_age" not in page and "lanzarote_sexual_abuse" not in page


@pytest.mark.django_db
def test_rows_loaded_from_version_2_get_public_citations(no_frameworks: None):
    """An assessment pinned to version 2 (it cannot move once submitted) shows version 3's
    citations after migration 0002, in every language, and only citations changed."""
    import importlib
    from pathlib import Path

    from frameworks import i18n
    from frameworks.citations import public_citations
    from frameworks.loader import load_frameworks
    from frameworks.models import Indicator

    migration = importlib.import_module("frameworks.migrations.0002_public_citations_in_version_2")
    load_frameworks(sorted((Path(settings.FRAMEWORK_DATA_DIR) / "archive").glob("*-v2.yaml")))
    questions = list(Indicator.objects.order_by("pk").values_list("code", "text"))
    rules = {
        v.pk: v.rules["sufficiency"]
        for v in FrameworkVersion.objects.filter(framework__kind="legislation")
    }
    capability = Capability.objects.get(code="C01")
    assert capability.source.startswith("shared/reference/mnr.md")

    models = {
        m.__name__: m for m in (FrameworkVersion, Domain, Capability, Criterion, Recommendation)
    }
    assert public_citations(models, migration.NOTES) > 0
    assert public_citations(models, migration.NOTES) == 0  # idempotent

    capability.refresh_from_db()
    assert capability.source == (
        "WePROTECT Global Alliance, Model National Response, the alliance's published list of "
        "capabilities, capability 1"
    )
    assert list(Indicator.objects.order_by("pk").values_list("code", "text")) == questions
    for v in FrameworkVersion.objects.filter(framework__kind="legislation"):
        assert v.rules["sufficiency"] == rules[v.pk]
    untranslated: set[str] = set()
    for lang in LANGUAGES:
        with translation.override(lang):
            texts = []
            for v in FrameworkVersion.objects.all():
                texts += [v.source, v.note, v.rules.get("weighting", {}).get("reason", "")]
            texts += [d.source for d in Domain.objects.all()]
            for c in Capability.objects.all():
                texts += [c.source, *(link["reason"] for link in c.recommendation_links)]
            for cr in Criterion.objects.all():
                texts += [cr.source, cr.guidance, cr.question]
                texts += [link["reason"] for link in cr.recommendation_links]
            texts += [r.source for r in Recommendation.objects.all()]
            assert leaks_in(texts) == [], lang
            untranslated |= {t for t in texts if isinstance(t, i18n.Untranslated)}
    # Version 3's words, so their translations apply.
    assert untranslated == set(), "\n".join(untranslated)
