"""Knowing where you are and what is next (issue 16): the overall count, the next step, the
submit page's links to what is missing, and a start form that does not lead to an error."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assessment import answering, frameworks_cache
from assessment.models import Assessment, Membership

from .factories import answer_all, make_assessment, make_country, make_user

pytestmark = pytest.mark.usefixtures("frameworks")
Role = Membership.Role


@pytest.fixture
def assessment(frameworks) -> Assessment:
    return make_assessment(make_country("XA", "Arvenia (demo)"))


@pytest.fixture
def coordinator(assessment):
    return make_user("cora", country=assessment.country, role=Role.COORDINATOR)


def url(name: str, assessment: Assessment, *args: object) -> str:
    return reverse(f"assessment:{name}", args=[assessment.uuid, *args])


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def answer(client, assessment: Assessment, code: str, value: str = "2") -> None:
    response = client.post(url("capability", assessment, code), {"response": value, "version": 0})
    assert response.status_code == 302


def test_overview_home_and_results_count_what_is_answered(client, assessment, coordinator):
    client.force_login(coordinator)
    total = len(frameworks_cache.mnr_tree(assessment.mnr_version).capabilities)
    assert f"0 of {total} capabilities answered" in text(client.get(url("overview", assessment)))
    answer(client, assessment, "C01")
    answer(client, assessment, "C02", "dont_know")
    for page in (url("overview", assessment), url("results", assessment), reverse("home")):
        body = text(client.get(page))
        assert f"2 of {total} capabilities answered" in body, page
        assert "0 of 5 legislative criteria" in body, page


def test_the_next_step_is_the_first_unanswered_capability_then_submitting(
    client, assessment, coordinator
):
    client.force_login(coordinator)
    answer(client, assessment, "C01")
    page = client.get(url("overview", assessment)).content.decode()
    main = re.search(r'<a class="btn btn-primary" id="next-step" href="([^"]+)">([^<]+)', page)
    assert main and main.group(1) == url("capability", assessment, "C02")
    assert "Submit to the secretariat" not in page  # not the main action while work remains

    for cap in frameworks_cache.mnr_tree(assessment.mnr_version).capabilities[1:]:
        answer(client, assessment, cap.code)
    page = client.get(url("overview", assessment)).content.decode()
    main = re.search(r'id="next-step" href="([^"]+)"', page)
    assert main and main.group(1) == url("legislation", assessment)

    client.post(
        url("legislation", assessment),
        {
            f"crit_{c.code}": "met"
            for c in frameworks_cache.criteria_of(assessment.legislation_version)
        },
    )
    page = client.get(url("overview", assessment)).content.decode()
    main = re.search(r'<a class="btn btn-primary" id="next-step" href="([^"]+)">([^<]+)', page)
    assert main and main.group(1) == url("submit", assessment)
    assert main.group(2) == "Review and submit"


def test_a_contributor_is_sent_to_their_own_section(client, assessment, coordinator):
    carl = make_user("carl", country=assessment.country, role=Role.CONTRIBUTOR)
    client.force_login(coordinator)
    client.post(url("assignments", assessment), {"user": carl.pk, "sections": ["D2"]})
    client.force_login(carl)
    page = client.get(url("overview", assessment)).content.decode()
    first_of_d2 = frameworks_cache.mnr_tree(assessment.mnr_version).capabilities
    code = next(c.code for c in first_of_d2 if c.domain.code == "D2")
    assert f'id="next-step" href="{url("capability", assessment, code)}"' in page


def test_the_submit_page_links_to_each_missing_capability_and_criterion(
    client, assessment, coordinator
):
    answer_all(assessment)
    # Take two answers back: one capability, one criterion.
    answering.capability_answers_save(
        assessment=assessment,
        capability=frameworks_cache.mnr_tree(assessment.mnr_version).capabilities[3],
        user=None,
        response="",
        evidence="",
        indicator_values={},
        version=1,
        share_with_peers=False,
    )
    client.force_login(coordinator)
    page = client.get(url("submit", assessment)).content.decode()
    links = re.findall(r'<ul class="small mb-0 missing-items">(.*?)</ul>', page, re.S)
    hrefs = re.findall(r'href="([^"]+)"', "".join(links))
    cap = frameworks_cache.mnr_tree(assessment.mnr_version).capabilities[3]
    assert hrefs == [url("capability", assessment, cap.code)]
    # Each link leads to the page where the item is answered.
    assert client.get(hrefs[0]).status_code == 200


def test_missing_criteria_link_to_their_place_on_the_legislation_page(
    client, assessment, coordinator
):
    client.force_login(coordinator)
    page = client.get(url("submit", assessment)).content.decode()
    hrefs = re.findall(r'href="([^"]*legislation/#crit-[^"]+)"', page)
    assert len(hrefs) == 5
    legislation = client.get(url("legislation", assessment)).content.decode()
    for href in hrefs:
        assert f'id="{href.split("#")[1]}"' in legislation


def test_the_start_form_offers_a_cycle_that_does_not_exist_yet(client, assessment, coordinator):
    client.force_login(coordinator)
    make_assessment(assessment.country, cycle=assessment.cycle + 1)
    from django.utils import timezone

    this_year = timezone.now().year
    taken = set(
        Assessment.objects.filter(country=assessment.country).values_list("cycle", flat=True)
    )
    page = client.get(reverse("home")).content.decode()
    offered = int(re.search(r'name="cycle" id="id_cycle"[^>]* value="(\d+)"', page).group(1))
    assert offered >= this_year and offered not in taken
    response = client.post(reverse("assessment:start"), {"cycle": offered, "language": "en"})
    assert response.status_code == 302
    assert Assessment.objects.filter(country=assessment.country, cycle=offered).exists()


def test_one_save_status_names_who_saved_and_stays_current(client, assessment, coordinator):
    from accounts.people import set_display_name

    set_display_name(coordinator, "Cora Mendes")
    client.force_login(coordinator)
    saved = client.post(
        url("capability", assessment, "C01"),
        {"response": "2", "version": 0},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Saved at" in saved and "by Cora Mendes." in saved
    page = client.get(url("capability", assessment, "C01")).content.decode()
    # Only the live region says when it was saved: no second, older line beside it.
    assert page.count("Saved at") == 1 and "Last saved" not in page
    start = page.index('id="save-status"')
    assert "by Cora Mendes." in page[start : page.index("</p>", start)]
