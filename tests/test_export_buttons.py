"""The plan page's export buttons (issue 24): each says its language, and a reader whose
language is not the assessment's working language is offered both (an English reader pressing
"Action plan (PDF)" got Arabic, with the choice of language below the buttons)."""

from __future__ import annotations

import io
import re

from django.urls import reverse
from pypdf import PdfReader

from accounts.people import language_set
from assessment.models import Assessment, Membership

from .factories import answer_all, make_assessment, make_country, make_user


def _buttons(html: str) -> list[tuple[str, str, str]]:
    """(href, label, language named) of each export button, in page order."""
    exports = html.split('id="exports"')[1].split("</div>")[0]
    return [
        (href, re.sub(r"<[^>]+>", "", label).strip(), lang)
        for href, label, lang in re.findall(
            r'<a class="btn[^"]*" hreflang="[^"]+" href="([^"]+)">'
            r'(.*?<span lang="([^"]+)">.*?)</a>',
            exports,
            flags=re.S,
        )
    ]


def test_an_english_reader_of_an_arabic_assessment_gets_both_and_the_english_pdf_is_english(
    client, frameworks
):
    country = make_country("XA", "Arvenia (demo)")
    assessment = make_assessment(country)
    Assessment.objects.filter(pk=assessment.pk).update(language="ar")
    answer_all(assessment)
    user = make_user("cd", country=country, role=Membership.Role.COORDINATOR)
    language_set(user, "en")
    client.force_login(user)
    html = client.get(reverse("assessment:plan", args=[assessment.uuid])).content.decode()
    buttons = _buttons(html)
    assert len(buttons) == 10, buttons  # five exports, in two languages
    # The working language first, then the reader's; every label names its language.
    assert [lang for _h, _l, lang in buttons] == ["ar"] * 5 + ["en"] * 5
    assert all(label.endswith("· العربيّة") for _h, label, lang in buttons if lang == "ar")
    assert all(label.endswith("· English") for _h, label, lang in buttons if lang == "en")
    assert all(href.endswith(f"?lang={lang}") for href, _l, lang in buttons)
    english_pdf = next(h for h, label, _ in buttons if label == "Action plan (PDF) · English")
    pdf = client.get(english_pdf)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages[:3])
    assert "Contents" in text and "المحتويات" not in text


def test_a_reader_of_the_working_language_gets_one_set(client, frameworks):
    country = make_country("XA", "Arvenia (demo)")
    assessment = make_assessment(country)
    Assessment.objects.filter(pk=assessment.pk).update(language="fr")
    user = make_user("cd", country=country, role=Membership.Role.COORDINATOR)
    language_set(user, "fr")
    client.force_login(user)
    html = client.get(reverse("assessment:plan", args=[assessment.uuid])).content.decode()
    buttons = _buttons(html)
    assert [lang for _h, _l, lang in buttons] == ["fr"] * 5
    assert all(label.endswith("· français") for _h, label, _ in buttons)
