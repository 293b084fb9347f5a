"""One real walk through the questionnaire in Debian's Chromium, driven by Playwright."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from assessment.models import Assessment, Membership
from frameworks.loader import load_frameworks

from .factories import PASSWORD, make_assessment, make_country, make_user

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (./run test does).")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are plain synchronous calls, so Django's async guard is lifted.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def test_answer_a_capability_reload_and_see_the_score(live_server, transactional_db, page):
    load_frameworks()
    country = make_country("XA", "Arvenia (demo)")
    assessment = make_assessment(country)
    make_user("alice", country=country, role=Membership.Role.COORDINATOR)
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Arvenia (demo)")

    page.goto(f"{base}/assessments/{assessment.uuid}/capability/C04/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dedicated law enforcement")
    # Choosing a level saves in place (htmx) without leaving the page.
    page.locator("#response_3").check()
    expect(page.locator("#save-status")).to_contain_text("Saved at")
    page.get_by_role("textbox", name="Evidence").fill(
        "Unit created by decree 14/2024; 35 officers."
    )
    # Leaving the evidence box (a change) and pressing Save both save; they are queued one
    # after the other, so the user's own saves never conflict with each other.
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#save-status")).to_contain_text("Saved at")
    expect(page.locator("#save-status")).not_to_contain_text("Not saved")
    page.wait_for_timeout(500)
    expect(page.locator("#save-status")).not_to_contain_text("Not saved")

    page.reload()
    expect(page.locator("#response_3")).to_be_checked()
    expect(page.get_by_role("textbox", name="Evidence")).to_have_value(
        "Unit created by decree 14/2024; 35 officers."
    )

    page.goto(f"{base}/assessments/{assessment.uuid}/results/")
    row = page.locator("#scores-table tr", has_text="Dedicated law enforcement")
    expect(row).to_contain_text("3")
    expect(row).to_contain_text("75%")
    expect(page.locator("#overall-score")).to_have_text(re.compile(r"3\.0 of 4"))


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def _signed_in_coordinators_draft(page: Page, base: str) -> Assessment:
    """A draft of Arvenia (demo), its coordinator signed in in `page`."""
    load_frameworks()
    country = make_country("XA", "Arvenia (demo)")
    assessment = make_assessment(country)
    make_user("alice", country=country, role=Membership.Role.COORDINATOR)
    _sign_in(page, base, "alice")
    return assessment


def test_arrowing_through_levels_saves_the_settled_choice_once(live_server, transactional_db, page):
    """Issue 16: each autosave is a version and a history entry, so passing through options
    with the arrow keys must not save each one; the choice the user settles on is saved."""
    from assessment.models import AuditEvent, CapabilityAnswer

    assessment = _signed_in_coordinators_draft(page, live_server.url)
    page.goto(f"{live_server.url}/assessments/{assessment.uuid}/capability/C04/")
    page.locator("#response_0").check()
    for _ in range(3):  # 0 → 1 → 2 → 3, quicker than the settling delay
        page.keyboard.press("ArrowDown")
    expect(page.locator("#response_3")).to_be_checked()
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=5000)
    page.wait_for_timeout(1500)  # time for any late, extra save to arrive
    answer = CapabilityAnswer.objects.get(assessment=assessment, capability__code="C04")
    assert (answer.response, answer.version) == ("3", 1)
    assert AuditEvent.objects.filter(assessment=assessment, subject="C04").count() == 1


def test_a_choice_made_just_before_leaving_is_not_lost(live_server, transactional_db, page):
    from assessment.models import CapabilityAnswer

    assessment = _signed_in_coordinators_draft(page, live_server.url)
    page.goto(f"{live_server.url}/assessments/{assessment.uuid}/capability/C04/")
    page.locator("#response_2").check()
    # Follow a link at once, before the choice has settled: pagehide sends it.
    page.goto(f"{live_server.url}/assessments/{assessment.uuid}/")
    page.wait_for_timeout(1000)
    answer = CapabilityAnswer.objects.get(assessment=assessment, capability__code="C04")
    assert answer.response == "2"


def test_legislation_radios_save_the_settled_choice_too(live_server, transactional_db, page):
    from assessment.models import AuditEvent, CriterionAnswer

    assessment = _signed_in_coordinators_draft(page, live_server.url)
    page.goto(f"{live_server.url}/assessments/{assessment.uuid}/legislation/")
    radios = page.locator('input[name="crit_legislation"]')
    radios.first.check()
    page.keyboard.press("ArrowRight")  # passes on to the next value before settling
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=5000)
    page.wait_for_timeout(1500)
    answer = CriterionAnswer.objects.get(assessment=assessment, criterion__code="legislation")
    assert answer.value == radios.nth(1).get_attribute("value")
    assert AuditEvent.objects.filter(action="criterion.saved").count() == 1
