"""A person's language, the catalogues shipped for five languages, and what translating costs."""

from __future__ import annotations

import re

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.people import language_of
from frameworks.i18n import locale_dir
from frameworks.models import Capability, FrameworkVersion

from .factories import answer_all, deliver_mail, make_assessment, make_country, make_user

pytestmark = pytest.mark.usefixtures("frameworks")
LANGS = [code for code, _name in settings.LANGUAGES]


def html_lang(page: str) -> tuple[str, str]:
    found = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', page)
    assert found, "no <html lang dir>"
    return found.group(1), found.group(2)


@pytest.fixture
def coordinator(db):
    country = make_country("XA", "Arvenia (demo)")
    user = make_user("cora", country=country, role="coordinator")
    user.email = "cora@example.org"
    user.save()
    return user


@pytest.mark.parametrize("lang", LANGS)
def test_every_language_declares_itself_and_its_direction(client, coordinator, lang):
    client.force_login(coordinator)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert html_lang(page) == (lang, "rtl" if lang == "ar" else "ltr")


def test_the_switcher_remembers_the_persons_language_on_their_account(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("accounts:language"), {"language": "es", "next": "/"})
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert language_of(coordinator) == "es"
    # Another browser, asking for French: the account's choice wins once signed in.
    other = client.__class__()
    other.force_login(coordinator)
    page = other.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert html_lang(page)[0] == "es"
    # Signed out, the browser's language applies.
    assert (
        html_lang(
            client.__class__().get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        )[0]
        == "fr"
    )


def test_an_unknown_language_is_not_remembered(client, coordinator):
    client.force_login(coordinator)
    client.post(reverse("accounts:language"), {"language": "xx", "next": "/"})
    assert language_of(coordinator) == ""


def test_the_password_reset_email_is_in_its_recipients_language(client, coordinator):
    from accounts.people import language_set

    language_set(coordinator, "fr")
    # The request comes from an English browser: the email still follows the account.
    client.post(
        reverse("accounts:password_reset"), {"email": coordinator.email}, HTTP_ACCEPT_LANGUAGE="en"
    )
    deliver_mail()
    assert len(mail.outbox) == 1
    english = "Choose a new password for the MNR self-assessment"
    with translation.override("fr"):
        french = translation.gettext(english)
    assert french != english
    assert mail.outbox[0].subject == french


@pytest.mark.parametrize("lang", [code for code in LANGS if code != "en"])
def test_every_framework_text_of_the_latest_versions_is_translated(lang):
    with translation.override(lang):
        for kind in ("mnr", "legislation", "recommendations"):
            version = FrameworkVersion.objects.latest_of_kind(kind)
            stored = FrameworkVersion.objects.filter(pk=version.pk).values_list("title", flat=True)
            assert version.title != stored[0], (lang, kind)  # read translated, stored English
        for c in Capability.objects.filter(version=FrameworkVersion.objects.latest_of_kind("mnr")):
            # An Untranslated (a str subclass) would mean the English shown for want of one.
            assert type(c.name) is str and type(c.level_descriptors[4]) is str, (lang, c.code)


@pytest.mark.parametrize("lang", [code for code in LANGS if code != "en"])
def test_the_catalogues_are_complete_and_valid(lang):
    """Also printed by `manage.py translation_coverage` (./run test stops below 100 %)."""
    paths = [settings.BASE_DIR / "locale" / lang / "LC_MESSAGES" / "django.po"]
    paths += sorted(locale_dir().joinpath(lang).glob("*.po"))
    for path in paths:
        po = polib.pofile(str(path))
        live = [e for e in po if not e.obsolete]
        assert live and not [e.msgid for e in live if not e.translated() or e.fuzzy], path
        for entry in live:  # the translation uses the English's placeholders, and no others
            english = set(re.findall(PLACEHOLDER, entry.msgid + (entry.msgid_plural or "")))
            if not entry.msgid_plural:
                assert set(re.findall(PLACEHOLDER, entry.msgstr)) == english, (path, entry.msgid)
            for text in entry.msgstr_plural.values():  # a form for one may leave the number out
                assert set(re.findall(PLACEHOLDER, text)) <= english, (path, entry.msgid)


PLACEHOLDER = r"%\(\w+\)[sd]"


def test_translating_a_page_costs_no_query(client, coordinator):
    from assessment.models import Membership

    assessment = make_assessment(Membership.objects.get(user=coordinator).country)
    answer_all(assessment)
    client.force_login(coordinator)
    url = reverse("assessment:capability", args=[assessment.uuid, "C04"])

    def count(lang: str) -> int:
        client.get(url, HTTP_ACCEPT_LANGUAGE=lang)  # warm the per-language caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, HTTP_ACCEPT_LANGUAGE=lang).status_code == 200
        return len(ctx)

    assert count("fr") == count("en")
    with translation.override("fr"):
        name = Capability.objects.get(version=assessment.mnr_version, code="C04").name
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert name in page


def test_an_assessment_has_its_own_working_language_for_its_exports(client, coordinator):
    from pypdf import PdfReader

    from assessment.models import Assessment, AuditEvent, Membership

    client.force_login(coordinator)
    client.post(reverse("accounts:language"), {"language": "en", "next": "/"})
    response = client.post(reverse("assessment:start"), {"cycle": 2026, "language": "fr"})
    assessment = Assessment.objects.get(country=Membership.objects.get(user=coordinator).country)
    assert response.status_code == 302 and assessment.language == "fr"
    answer_all(assessment)
    # The person reads the pages in English; the exports are in French by default...
    page = client.get(reverse("assessment:plan", args=[assessment.uuid])).content.decode()
    assert html_lang(page)[0] == "en" and "?lang=fr" in page
    with translation.override("fr"):
        from django.utils.translation import gettext

        heading = gettext("Contents")
    csv = client.get(reverse("assessment:export", args=[assessment.uuid, "scores.csv"]))
    pdf = client.get(reverse("assessment:export", args=[assessment.uuid, "pdf"]))
    text = "".join(p.extract_text() for p in PdfReader(__import__("io").BytesIO(pdf.content)).pages)
    assert heading != "Contents" and heading in text
    assert csv.content.decode("utf-8-sig") != client.get(
        reverse("assessment:export", args=[assessment.uuid, "scores.csv"]) + "?lang=en"
    ).content.decode("utf-8-sig")
    # ...and in any of the five on request; an unknown language falls back to the working one.
    spanish = client.get(reverse("assessment:export", args=[assessment.uuid, "pdf"]) + "?lang=es")
    assert spanish.status_code == 200
    # The coordinator changes it, and the change is in the change log.
    client.post(reverse("assessment:language", args=[assessment.uuid]), {"language": "ar"})
    assessment.refresh_from_db()
    assert assessment.language == "ar"
    assert AuditEvent.objects.filter(assessment=assessment, action="language.changed").count() == 1


def test_a_report_speaks_its_own_language_whatever_the_page_asking_for_it(coordinator):
    """A French page exporting an Arabic PDF: the framework texts of the report (the scale's
    names, the weighting's reason, the sources) come from the Arabic catalogue, not the page's."""
    from assessment import frameworks_cache
    from assessment.models import Membership
    from assessment.reports.builder import build_report

    assessment = make_assessment(Membership.objects.get(user=coordinator).country)
    answer_all(assessment)
    with translation.override("fr"):
        frameworks_cache.attach_versions(assessment)  # as the French page did
        french = build_report(assessment, "fr")
        arabic = build_report(assessment, "ar")
    english = build_report(assessment, "en")
    assert len({french.scale[3][1], arabic.scale[3][1], english.scale[3][1]}) == 3
    with translation.override("ar"):
        version = FrameworkVersion.objects.get(pk=assessment.mnr_version_id)
        assert arabic.scale[3][1] == version.rules["scale"][3]["name"]
        assert arabic.sources[0] == version.source


def test_english_names_inside_arabic_page_text_are_isolated():
    """A parenthesised English name of three or more words in an Arabic page text sits in a
    <bdi>: without it, the bidi algorithm paired the brackets wrongly once the name broke
    across lines at 390 px (the legislation page's lead, ICMEC's full name)."""
    catalogue = polib.pofile(str(settings.BASE_DIR / "locale" / "ar" / "LC_MESSAGES" / "django.po"))
    latin_run = re.compile(r"\(([^()]*)\)")
    found = []
    for entry in catalogue:
        if not all(path.endswith(".html") for path, _line in entry.occurrences):
            continue  # not page markup (a PDF, a CSV, an email): no <bdi> there
        for inside in latin_run.findall(entry.msgstr):
            words = re.findall(r"[A-Za-z]+", inside)
            if len(words) >= 3 and not inside.startswith("<bdi>"):
                found.append(inside)
    assert not found, found
