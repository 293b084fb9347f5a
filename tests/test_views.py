"""The questionnaire pages as a country team uses them, and what others are refused."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment import frameworks_cache
from assessment.models import (
    LEGISLATION_SECTION,
    Assessment,
    CapabilityAnswer,
    CriterionAnswer,
    IndicatorAnswer,
    Membership,
)

from .factories import PASSWORD, answer_all, make_assessment, make_country, make_user

pytestmark = pytest.mark.usefixtures("frameworks")


@pytest.fixture
def assessment(db, frameworks) -> Assessment:
    return make_assessment(make_country("XA", "Arvenia (demo)"))


@pytest.fixture
def member(assessment):
    # The coordinator may change every section; contributors are covered in test_workflow.py.
    return make_user("alice", country=assessment.country, role=Membership.Role.COORDINATOR)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def url(name: str, assessment: Assessment, *args: str) -> str:
    return reverse(f"assessment:{name}", args=[assessment.uuid, *args])


def capability_form(**extra: str) -> dict[str, str]:
    return {
        "response": "3",
        "evidence": "National plan 2025, annex 2.",
        "version": "0",
        "ind_C04.1": "yes",
        "ind_C04.2": "partly",
    } | extra


def test_anonymous_is_sent_to_sign_in(client, assessment):
    for name, args in (
        ("overview", ()),
        ("capability", ("C04",)),
        ("results", ()),
        ("legislation", ()),
    ):
        response = client.get(url(name, assessment, *args))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_sign_in_with_the_login_form(client, member):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    response = client.get(reverse("home"))
    assert "Self-assessments of Arvenia (demo)" in response.content.decode()


def test_member_sees_the_task_list(member_client, assessment):
    page = member_client.get(url("overview", assessment)).content.decode()
    assert "Policy and Governance" in page
    assert "Media and Communications" in page
    assert "Legislation: the five legislative criteria" in page
    assert page.count("Not started") == 7  # six domains and the legislation section
    assert "Demonstration data" in page


def test_every_link_on_the_task_list_opens_its_page(member_client, assessment):
    # The capability links are relative to the overview's URL: follow each as a browser would.
    import re
    from urllib.parse import urljoin

    page_url = url("overview", assessment)
    page = member_client.get(page_url).content.decode()
    links = re.findall(r'<a[^>]* href="([^"#]+)"', page[page.index('class="task-list') :])
    targets = {
        urljoin("http://testserver" + page_url, href)[len("http://testserver") :] for href in links
    }
    expected = {url("capability", assessment, f"C{n:02}") for n in range(1, 22)}
    assert expected <= targets
    assert url("legislation", assessment) in targets
    for target in sorted(targets):
        assert member_client.get(target).status_code == 200, target


def test_capability_page_shows_each_level_descriptor(member_client, assessment):
    page = member_client.get(url("capability", assessment, "C04")).content.decode()
    capability = assessment.mnr_version.capabilities.get(code="C04")
    for descriptor in capability.level_descriptors:
        assert descriptor.replace("'", "&#x27;").replace('"', "&quot;") in page
    assert "Don&#x27;t know" in page
    assert capability.indicators.first().text.replace("'", "&#x27;") in page


def test_saving_a_capability_stores_everything_and_shows_it_again(member_client, assessment):
    response = member_client.post(url("capability", assessment, "C04"), capability_form())
    assert response.status_code == 302
    answer = CapabilityAnswer.objects.get(assessment=assessment, capability__code="C04")
    assert (answer.response, answer.evidence) == ("3", "National plan 2025, annex 2.")
    assert dict(
        IndicatorAnswer.objects.filter(assessment=assessment).values_list(
            "indicator__code", "value"
        )
    ) == {"C04.1": "yes", "C04.2": "partly"}
    page = member_client.get(response["Location"]).content.decode()
    assert 'value="3" checked' in page
    assert "National plan 2025, annex 2." in page


def test_htmx_save_answers_with_a_status_fragment(member_client, assessment):
    response = member_client.post(
        url("capability", assessment, "C04"), capability_form(), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Saved at" in response.content.decode()
    assert CapabilityAnswer.objects.filter(assessment=assessment, response="3").exists()


def test_answer_outside_the_choices_is_refused_and_nothing_is_stored(member_client, assessment):
    member_client.post(url("capability", assessment, "C04"), capability_form())
    response = member_client.post(
        url("capability", assessment, "C04"),
        capability_form(response="5", evidence="changed", version="1"),
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Select a valid choice" in page
    assert "changed" in page  # what was typed is still on the page
    answer = CapabilityAnswer.objects.get(assessment=assessment, capability__code="C04")
    assert (answer.response, answer.evidence) == ("3", "National plan 2025, annex 2.")


def test_indicator_value_outside_the_choices_is_refused(member_client, assessment):
    response = member_client.post(
        url("capability", assessment, "C04"),
        capability_form(**{"ind_C04.1": "maybe"}),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "Not saved." in response.content.decode()
    assert not CapabilityAnswer.objects.exists()
    assert not IndicatorAnswer.objects.exists()


def test_forged_question_id_is_refused_and_nothing_is_stored(member_client, assessment):
    # C05.1 is a real indicator, but of another capability: this page does not ask it.
    for forged in ("ind_C05.1", "ind_C99.9"):
        response = member_client.post(
            url("capability", assessment, "C04"), capability_form(**{forged: "yes"})
        )
        assert response.status_code == 422
        assert "does not ask the question" in response.content.decode()
    assert not CapabilityAnswer.objects.exists()
    assert not IndicatorAnswer.objects.exists()


def test_unknown_capability_code_is_404(member_client, assessment):
    assert member_client.get(url("capability", assessment, "C99")).status_code == 404
    assert member_client.post(url("capability", assessment, "C99"), {}).status_code == 404


def test_other_countrys_assessment_is_404_for_reading_and_writing(client, assessment):
    outsider = make_user(
        "bob", country=make_country("XB", "Belmora (demo)"), role=Membership.Role.COORDINATOR
    )
    client.force_login(outsider)
    for name, args in (
        ("overview", ()),
        ("capability", ("C04",)),
        ("results", ()),
        ("legislation", ()),
    ):
        assert client.get(url(name, assessment, *args)).status_code == 404
    assert client.post(url("capability", assessment, "C04"), capability_form()).status_code == 404
    assert (
        client.post(url("legislation", assessment), {"crit_legislation": "met"}).status_code == 404
    )
    assert not CapabilityAnswer.objects.exists()
    assert not CriterionAnswer.objects.exists()


def test_secretariat_cannot_see_a_draft(client, assessment):
    analyst = make_user("sec", role=Membership.Role.ANALYST)
    client.force_login(analyst)
    assert client.get(url("overview", assessment)).status_code == 404


def test_validated_assessment_is_read_only_for_its_own_team(member_client, assessment):
    assessment.status = Assessment.Status.VALIDATED
    assessment.save()
    assert member_client.get(url("capability", assessment, "C04")).status_code == 200
    response = member_client.post(url("capability", assessment, "C04"), capability_form())
    assert response.status_code == 403
    assert not CapabilityAnswer.objects.exists()


def test_legislation_answers_save_and_score(member_client, assessment):
    data = {
        "crit_legislation": "met",
        "cite_legislation": "Child Protection Act s.12",
        "crit_definition": "met",
        "crit_technology": "met",
        "crit_possession": "met",
        "crit_isp_reporting": "not_met",
    }
    response = member_client.post(url("legislation", assessment), data)
    assert response.status_code == 302
    assert CriterionAnswer.objects.get(criterion__code="legislation").citation == (
        "Child Protection Act s.12"
    )
    page = member_client.get(url("results", assessment)).content.decode()
    assert "4 of 5 met" in page
    assert "Sufficient legislation" in page


def test_legislation_forged_criterion_is_refused(member_client, assessment):
    response = member_client.post(
        url("legislation", assessment), {"crit_legislation": "met", "crit_treaty": "met"}
    )
    assert response.status_code == 422
    assert not CriterionAnswer.objects.exists()


def test_results_show_the_score_of_a_complete_domain(member_client, assessment):
    for code, level in (("C01", "4"), ("C02", "2"), ("C03", "3")):
        member_client.post(url("capability", assessment, code), {"response": level, "version": "0"})
    page = member_client.get(url("results", assessment)).content.decode()
    assert "<svg" in page and "Maturity level of each domain and capability" in page
    # Policy and Governance: (4 + 2 + 3) / 3 = 3.0; overall over the one scored domain.
    assert '<p class="display-6 mb-0" id="overall-score">3.0 of 4</p>' in page
    assert "How this is scored" in page
    overview = member_client.get(url("overview", assessment)).content.decode()
    assert "score 3.0 of 4 (75%)" in overview


def test_coordinator_starts_an_assessment_contributor_cannot(client, frameworks):
    country = make_country("XC", "Corvania (demo)")
    contributor = make_user("carl", country=country)
    client.force_login(contributor)
    assert client.post(reverse("assessment:start"), {"cycle": "2026"}).status_code == 403
    coordinator = make_user("cora", country=country, role=Membership.Role.COORDINATOR)
    client.force_login(coordinator)
    response = client.post(reverse("assessment:start"), {"cycle": "2026"})
    assessment = Assessment.objects.get(country=country, cycle=2026)
    assert response["Location"] == url("overview", assessment)
    response = client.post(reverse("assessment:start"), {"cycle": "2026"}, follow=True)
    assert "already exists" in response.content.decode()
    assert Assessment.objects.filter(country=country).count() == 1


@pytest.mark.parametrize(
    ("name", "args"),
    [("overview", ()), ("capability", ("C04",)), ("results", ()), ("legislation", ())],
)
def test_query_count_does_not_grow_with_answers(
    member_client, assessment, django_assert_num_queries, name, args
):
    member_client.get(url(name, assessment, *args))  # warm caches (content types, session)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as empty:
        member_client.get(url(name, assessment, *args))
    answer_all(assessment, evidence="e", indicators="yes")
    with django_assert_num_queries(len(empty)):
        member_client.get(url(name, assessment, *args))
    assert len(empty) <= 16, [q["sql"] for q in empty.captured_queries]


def test_results_chart_coordinates_are_not_localised(member_client, assessment):
    # In French, Django would print 600.0 as "600,0", which is not an SVG number.
    member_client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    page = member_client.get(url("results", assessment)).content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    import re

    assert not re.search(r'(x1|x2|x|y|width)="\d+,\d', svg)
    assert 'x1="330' in svg


def test_overview_asks_one_query_for_newer_versions_and_none_for_answers_to_confirm(
    member_client, assessment, django_assert_num_queries
):
    """Issue 27: the coordinator's overview asked three queries (one per framework) whether a
    corrected version exists, and two (one with a join) how many copied answers wait for
    confirmation. The versions are one query, kept a minute; the copied answers come with the
    answers themselves, in the one query every score reads; the counts stay the same."""
    from assessment import answering, progress, services, version_move

    answer_all(assessment)
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    CapabilityAnswer.objects.filter(
        assessment=assessment, capability__in=tree.domains[1].capability_list[:2]
    ).update(to_confirm=True)
    CriterionAnswer.objects.filter(assessment=assessment).update(to_confirm=True)
    law = CriterionAnswer.objects.filter(assessment=assessment).count()
    with django_assert_num_queries(1):
        values = answering.answer_values(assessment)
    codes = values.to_confirm
    counts = progress.to_confirm_by_section(services.scores_of(assessment, values), codes)
    assert counts == {tree.domains[1].code: 2, LEGISLATION_SECTION: law}
    with django_assert_num_queries(1):
        assert version_move.newer_versions(assessment=assessment) == {}
    member_client.get(url("overview", assessment))
    with CaptureQueriesContext(connection) as page:
        assert member_client.get(url("overview", assessment)).status_code == 200
    # The latest numbers are kept for a minute: a second visit asks none (issue 27's budget).
    versions = [q for q in page.captured_queries if "frameworks_frameworkversion" in q["sql"]]
    assert versions == [], versions
    confirm = [q for q in page.captured_queries if "to_confirm" in q["sql"]]
    assert len(confirm) == 1, confirm  # the answers' own query


@pytest.mark.parametrize(
    ("language", "file_label", "comment_label"),
    [
        ("en", "Attach an evidence file", "Add a comment"),
        ("fr", "Joindre un justificatif", "Ajouter un commentaire"),
        ("ar", "إرفاق ملف دليل", "إضافة تعليق"),
    ],
)
def test_capability_page_forms_are_drawn_in_each_readers_language(
    member_client, assessment, language, file_label, comment_label
):
    """The blank file and comment forms are drawn once per language and kept (issue 27): a
    reader in another language still gets them in theirs, never in the first reader's."""
    for lang in ("en", language):  # English first, so a cache keyed on nothing would show it
        member_client.post("/i18n/setlang/", {"language": lang, "next": "/"})
        page = member_client.get(url("capability", assessment, "C04")).content.decode()
    assert 'for="id_file"' in page and 'name="file"' in page and 'name="text"' in page
    assert file_label in page and comment_label in page
    if language != "en":
        assert "Attach an evidence file" not in page
