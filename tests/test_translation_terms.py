"""Issue 23 §3: the translation errors the review found, each checked in the catalogues as
readers get them (live, translated, not fuzzy entries), and the Arabic list separator in a text
the app assembles."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import polib
import pytest
from django.conf import settings
from django.utils import translation

from assessment.reports.builder import priority_rule

LOCALE = Path(settings.FRAMEWORK_LOCALE_DIR)
GLOSSARY = Path(settings.BASE_DIR) / "docs" / "glossary"


def entries(lang: str) -> dict[str, str]:
    found = {}
    for path in sorted((LOCALE / lang).glob("*.po")):
        for e in polib.pofile(str(path)):
            if e.msgstr and not e.fuzzy and not e.obsolete:
                found[e.msgid] = e.msgstr
    return found


ES, PT, AR, FR = (entries(lang) for lang in ("es", "pt", "ar", "fr"))


def test_spanish_uses_the_glossary_term_for_grooming():
    bare = [s for s in ES.values() if re.search(r"\bgrooming\b", s) and "(grooming)" not in s]
    assert bare == []
    assert sum("captación" in s for s in ES.values()) >= 10


def test_spanish_industry_reporting_is_one_term():
    assert ES["CSEA reporting"] == "Notificación de la explotación y el abuso sexual infantil"
    industry = [m for m in ES if m.startswith(("Companies do not report", "A few large companies"))]
    assert industry and all("denunc" not in ES[m] for m in industry)
    assert "notific" in ES["ISP reporting duty"].lower()


def test_end_to_end_support_is_not_comprehensive_support():
    assert ES["End-to-end support"] == "Apoyo de principio a fin"
    assert PT["End-to-end support"] == "Apoio do início ao fim"
    assert not any("integral" in s for m, s in ES.items() if "end-to-end" in m.lower())


def test_spanish_upstream_is_not_narrowed_to_infrastructure():
    r02 = next(s for m, s in ES.items() if m.startswith("Engage upstream technology"))
    assert "infraestructura" not in r02


def test_spanish_offender_support_levels_use_one_word_for_offenders():
    level2 = next(s for m, s in ES.items() if m.startswith("Some preventive or rehabilitative"))
    assert "agresores" in level2 and "delincuentes" not in level2


def test_arabic_agreement_and_a_less_literal_r07():
    r11 = next(s for m, s in AR.items() if m.startswith("Share advanced technology"))
    assert "تُحدَّد هوية" in r11 and "يُحدَّد هوية" not in r11
    r07 = next(s for m, s in AR.items() if m.startswith("Aim to appoint a national leader"))
    assert "جهة وطنية" in r07


def test_portuguese_article_23_names_grooming_once_as_aliciamento():
    q = next(s for m, s in PT.items() if m.startswith("Does the law criminalise the solicitation"))
    assert q.count("aliciamento") == 1


def test_french_has_no_partial_credit():
    assert not any("crédit partiel" in s for s in FR.values())


@pytest.mark.parametrize("lang", ["fr", "es", "pt"])
def test_a_country_name_never_follows_de(lang: str):
    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale" / lang / "LC_MESSAGES" / "django.po"))
    after_de = [
        e.msgid for e in po if not e.obsolete and re.search(r"\bde %\(country\)s", e.msgstr)
    ]
    assert after_de == []


def test_arabic_lists_use_the_arabic_comma():
    """The gap order's rule names the capabilities weighted higher: "(القيادة, …)" before."""
    analysis = SimpleNamespace(default_target=3)  # all priority_rule reads of the analysis
    with translation.override("ar"):
        text = priority_rule(analysis, ["القيادة", "التشريعات"])  # type: ignore[arg-type]
    assert "القيادة، التشريعات" in text and "القيادة, " not in text


@pytest.mark.parametrize("lang", ["es", "pt", "ar"])
def test_glossaries_name_every_capability(lang: str):
    glossary = (GLOSSARY / f"{lang}.md").read_text()
    catalogue = entries(lang)
    for name in ("Leadership", "End-to-end support", "Universal terminology", "CSEA reporting"):
        assert f"| {name} | {catalogue[name]} |" in glossary


@pytest.mark.django_db
def test_the_north_south_filter_says_where_unclassed_countries_are(client, frameworks):
    """§5: a filter on North or South leaves out the countries the report names in neither
    group; the filter says so, in the reader's language, and what to choose to see them."""
    from django.urls import reverse

    from .factories import make_user

    client.force_login(make_user("an", role="analyst"))
    for lang, words in (
        ("en", "Not classified by the report"),
        ("fr", "Non classé par le rapport"),
    ):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        page = client.get(reverse("secretariat:matrix"), HTTP_ACCEPT_LANGUAGE=lang)
        text = page.content.decode()
        assert 'aria-describedby="id_hemisphere-help"' in text
        assert words in text.split('id="id_hemisphere-help">')[1].split("</p>")[0]
