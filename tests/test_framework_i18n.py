"""Framework texts in the reader's language, from PO catalogues keyed by the English text."""

from __future__ import annotations

import polib
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from assessment import frameworks_cache
from frameworks import i18n
from frameworks.loader import load_frameworks
from frameworks.models import Capability, FrameworkVersion

from .factories import make_user

pytestmark = pytest.mark.usefixtures("frameworks")


@pytest.fixture
def catalogue(settings, tmp_path):
    """A French catalogue of our own holding one capability's name and its first descriptor."""
    settings.FRAMEWORK_LOCALE_DIR = tmp_path
    i18n.clear_cache()
    c01 = Capability.objects.get(version=FrameworkVersion.objects.latest_of_kind("mnr"), code="C01")
    po = polib.POFile()
    po.append(polib.POEntry(msgid=c01.name, msgstr="Direction"))
    po.append(polib.POEntry(msgid=c01.level_descriptors[0], msgstr="Aucun organe."))
    po.append(polib.POEntry(msgid=c01.summary, msgstr="Brouillon", flags=["fuzzy"]))
    (tmp_path / "fr").mkdir()
    po.save(str(tmp_path / "fr" / "mnr.po"))
    yield c01
    i18n.clear_cache()
    frameworks_cache.clear_framework_cache()


def test_framework_rows_are_read_in_the_active_language(catalogue):
    english = catalogue
    with translation.override("fr"):
        c01 = Capability.objects.get(pk=english.pk)
        assert c01.name == "Direction"
        assert c01.level_descriptors[0] == "Aucun organe."
        # No translation (or only a fuzzy one): the English text, marked as English.
        assert c01.summary == english.summary and isinstance(c01.summary, i18n.Untranslated)
        assert c01.level_descriptors[1] == english.level_descriptors[1]
    assert Capability.objects.get(pk=english.pk).name == english.name  # English again


def test_cached_trees_are_kept_per_language(catalogue):
    version = FrameworkVersion.objects.latest_of_kind("mnr")
    with translation.override("fr"):
        assert frameworks_cache.mnr_tree(version).capabilities[0].name == "Direction"
    assert frameworks_cache.mnr_tree(version).capabilities[0].name == catalogue.name
    with translation.override("fr"):
        assert frameworks_cache.mnr_tree(version).capabilities[0].name == "Direction"


def test_a_page_marks_the_english_it_falls_back_to(catalogue, client):
    client.force_login(make_user("reader", role="analyst"))
    version = FrameworkVersion.objects.latest_of_kind("mnr")
    url = reverse("frameworks:capability", args=[version.framework.slug, version.number, "C01"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Direction" in page and "Aucun organe." in page
    assert f'<p class="lead" lang="en">{escape(catalogue.summary)}</p>' in page
    assert '<td lang="en">' in page  # a descriptor without translation


def test_fixing_a_translation_makes_no_new_version_and_old_versions_reuse_translations(
    catalogue, settings, tmp_path
):
    before = FrameworkVersion.objects.count()
    path = tmp_path / "fr" / "mnr.po"
    po = polib.pofile(str(path))
    po.find(catalogue.name).msgstr = "Direction nationale"
    po.save(str(path))
    i18n.clear_cache()
    load_frameworks()
    assert FrameworkVersion.objects.count() == before
    # The archived (older) MNR version has the same capability name: it reads the same entry.
    load_frameworks(sorted((settings.FRAMEWORK_DATA_DIR / "archive").glob("mnr-*-v1.yaml")))
    old = FrameworkVersion.objects.filter(framework__slug="mnr").order_by("-number").first()
    with translation.override("fr"):
        names = set(
            Capability.objects.filter(version=old, code="C01").values_list("name", flat=True)
        )
        assert Capability.objects.get(version=old, code="C01").name == "Direction nationale"
    assert names == {catalogue.name}  # values_list reads no instance: the stored English


def test_every_stored_framework_text_is_a_key_of_the_catalogues():
    """The loader stores each text as written, so the English of the files is the key the
    catalogues use for every row of every version."""
    from frameworks.management.commands.framework_messages import framework_texts, shipped_files

    keys = {text for by_text in framework_texts(shipped_files()).values() for text in by_text}
    archive = i18n.locale_dir().parent / "data" / "archive"
    for number in ("v1", "v2"):
        load_frameworks(sorted(archive.glob(f"*-{number}.yaml")))
        # Back to the current content between archived versions: version 2 changed questions
        # under version 1's codes, which the loader now refuses when loaded straight after it.
        load_frameworks()
    missing = []
    for c in Capability.objects.all():
        for text in [c.name, c.summary, *c.level_descriptors]:
            if text not in keys:
                missing.append(text)
        missing += [link["reason"] for link in c.recommendation_links if link["reason"] not in keys]
    for v in FrameworkVersion.objects.all():
        missing += [t for t in (v.title, v.edition) if t not in keys]
    assert missing == []


def test_the_questionnaire_marks_the_english_it_falls_back_to(catalogue, client):
    from assessment.models import Membership

    from .factories import make_assessment, make_country

    country = make_country("XA", "Arvenia (demo)")
    coordinator = make_user("cora", country=country, role=Membership.Role.COORDINATOR)
    assessment = make_assessment(country)
    client.force_login(coordinator)
    url = reverse("assessment:capability", args=[assessment.uuid, "C01"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<span class="level-descriptor">Aucun organe.</span>' in page  # translated
    assert '<span class="level-descriptor" lang="en">' in page  # level 1 has no translation
    assert f'<p class="lead" lang="en">{escape(catalogue.summary)}</p>' in page
    assert 'class="fs-6 fw-normal mb-1" lang="en"' in page  # indicators
