"""Accessibility, kept true (issue 16): axe-core in real Chromium over every page of the
permission table that each role may read, 0 violations at WCAG 2.1 AA (and axe's `region`
rule: no content outside a landmark), no page wider than a 1280 px or a 390 px screen; and the
keyboard alone gets a day's work done.

In English and in Arabic (right to left, with the Arabic catalogue)."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page, expect

from .test_browser import browser  # noqa: F401 (the module's Chromium fixture)
from .test_permissions import ROLES, put_in_state, world  # noqa: F401
from .test_small_screens import (
    ROLE_STATE,
    broken_words,
    height,
    hidden_columns,
    page_for,
    readable_pages,
    too_wide,
)

LANGUAGES_CHECKED = ("en", "ar")
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "rules": {"region": {"enabled": True}},
    "resultTypes": ["violations"],
}


def with_axe(page: Page) -> Page:
    """axe-core put into every document the page opens (rather than sent again for each)."""
    page.context.add_init_script(Axe().axe_script)
    return page


def violations(page: Page) -> list[str]:
    """axe's violations on the page open now (opened through `with_axe`)."""
    results = page.evaluate("options => axe.run(options)", AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {node['target']}"
        for v in results["violations"]
        for node in v["nodes"]
    ]


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES_CHECKED)
@pytest.mark.parametrize("role", ROLES)
def test_every_readable_page_passes_axe_and_fits_a_laptop_and_a_phone(
    role,
    language,
    live_server,
    transactional_db,
    world,  # noqa: F811
    browser,  # noqa: F811
):
    """Each page is loaded once, at 1280 px: axe finds nothing, the page does not scroll
    sideways and no word is broken inside itself; then the window narrows to 390 px, the page
    is laid out again (the layout is CSS media queries only: app.js reads no width) and must
    neither scroll sideways nor break a word there either (issue 24: tables stack or scroll in
    their own box rather than squeeze a column to one letter). The plan page, the longest, is
    at most three times as tall on the phone. Loading the pages is most of the cost, so the
    checks share one walk."""
    put_in_state(world["assessment"], ROLE_STATE[role])
    urls = readable_pages(world, role)
    assert urls
    page = with_axe(page_for(browser, live_server.url, world, role, 1280))
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    found, wide, broken, tall = [], [], [], []
    for url in urls:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(live_server.url + url)
        found += [f"{url}: {v}" for v in violations(page)]
        wide += too_wide(page, url, 1280)
        broken += broken_words(page, url, 1280)
        wide += hidden_columns(page, url)
        laptop = height(page)
        page.set_viewport_size({"width": 390, "height": 900})
        wide += too_wide(page, url, 390)
        broken += broken_words(page, url, 390)
        if url.endswith("/plan/") and height(page) > 3 * laptop:
            tall.append(f"{url}: {height(page)} px at 390 px, {laptop} px at 1280 px")
    page.context.close()
    assert not found, f"{len(found)} violations over {len(urls)} pages:\n" + "\n".join(found)
    assert not wide, f"{language}:\n" + "\n".join(wide)
    assert not broken, f"{language}:\n" + "\n".join(broken)
    assert not tall, tall


@pytest.mark.browser
def test_keyboard_alone_answers_adds_an_action_and_exports_the_pdf(
    live_server,
    transactional_db,
    world,  # noqa: F811
    browser,  # noqa: F811
):
    """Tab, arrows, Space and Enter only: no click anywhere."""
    a = world["assessment"]
    page = page_for(browser, live_server.url, world, "coordinator", 1280)

    def tab_to(pattern: str, limit: int = 200) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            label = page.evaluate(
                "document.activeElement ? (document.activeElement.innerText || "
                "document.activeElement.getAttribute('aria-label') || "
                "document.activeElement.id || '') : ''"
            )
            if re.search(pattern, label or ""):
                return
        raise AssertionError(f"Tab never reached {pattern!r}")

    page.goto(live_server.url + reverse("assessment:capability", args=[a.uuid, "C01"]))
    tab_to(r"^response_")  # the checked level radio
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")  # leaving the group settles the choice: it is saved
    expect(page.locator("#save-status")).to_contain_text("Saved at")

    page.goto(live_server.url + reverse("assessment:plan", args=[a.uuid]))
    tab_to(r"^Add an action$")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an action")
    tab_to(r"^id_title$")
    page.keyboard.type("Train every investigator")
    tab_to(r"^Save$")
    page.keyboard.press("Enter")
    expect(page.locator("#action-table")).to_contain_text("Train every investigator")

    with page.expect_download() as download:
        tab_to(r"^Action plan \(PDF\) · English$")
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".pdf")
    page.context.close()


def test_the_demo_banner_is_a_landmark_and_pages_link_an_icon(client, world):  # noqa: F811
    client = world["clients"]["coordinator"]
    page = client.get(reverse("assessment:overview", args=[world["assessment"].uuid]))
    html = page.content.decode()
    assert '<aside class="demo-banner" aria-labelledby="demo-banner-text">' in html
    assert 'id="demo-banner-text">Demonstration data:' in html
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html)
    assert icon and icon.group(1).endswith(".svg")


def test_favicon_ico_leads_to_the_apps_icon(client):
    from django.conf import settings
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == settings.STATIC_URL + "favicon.svg"
    assert finders.find("favicon.svg")  # served by WhiteNoise like every static file
