"""Phones and small screens (issue 16), in real Chromium: the header keeps "Sign out" on one
line; the pages each role may read, and the helpers that find them and measure how far a page
scrolls sideways. That no page scrolls sideways at 390 px or at 1280 px, in English and in
Arabic, is checked by the accessibility walk (tests/test_accessibility.py), which has each
page open already."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page

from .test_browser import browser  # noqa: F401 (the module's Chromium fixture)
from .test_permissions import APP_URLS, EXPECTED, ROLES, put_in_state, request_for, world  # noqa: F401

pytestmark = pytest.mark.browser

# Where each role works: the country team in a draft, the secretariat once it is submitted
# (a draft is 404 to it); the anonymous reader sees the sign-in pages.
ROLE_STATE = {
    "anonymous": "draft",
    "other_coordinator": "draft",
    "contributor": "draft",
    "coordinator": "draft",
    "analyst": "submitted",
    "admin": "submitted",
}


# URL name -> whether it is an HTML page, as found by the first walk of a role. Every world is
# built the same way, so later walks need not ask the server again (only the ids differ).
_HTML: dict[str, bool] = {}


def readable_pages(built: dict[str, Any], role: str) -> list[str]:
    """The URLs of the permission table this role may read (GET 200) that are HTML pages."""
    client: Client = built["clients"][role]
    urls = []
    for name in APP_URLS:
        codes = EXPECTED[name][ROLE_STATE[role]][0]
        if codes[ROLES.index(role)] != 200 or name.startswith("api:"):
            continue
        url, _data = request_for(name, built)
        if name not in _HTML:
            response = client.get(url)
            assert response.status_code == 200, (url, role, response.status_code)
            _HTML[name] = response["Content-Type"].startswith("text/html")
        if _HTML[name]:
            urls.append(url)
    return urls


def page_for(browser: Browser, base: str, built: dict[str, Any], role: str, width: int) -> Page:  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900})
    session = built["clients"][role].cookies.get("sessionid")
    if session is not None:
        context.add_cookies([{"name": "sessionid", "value": session.value, "url": base}])
    return context.new_page()


WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const over = (e) => e.getBoundingClientRect().right > limit + 1;
    if (over(el) && ![...el.children].some(over)) {
      out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + el.className);
    }
  }
  return out.slice(0, 3).join(", ");
}"""


def sideways(page: Page) -> int:
    """How far the page scrolls sideways, in CSS pixels (0: not at all)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def too_wide(page: Page, url: str, width: int) -> list[str]:
    """[] when the page open now does not scroll sideways; else what sticks out."""
    if (overflow := sideways(page)) > 0:
        return [f"{url} at {width} px: {overflow} px too wide ({page.evaluate(WIDEST)})"]
    return []


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_the_header_keeps_sign_out_on_one_line_at_1280(
    role,
    live_server,
    transactional_db,
    world,  # noqa: F811
    browser,  # noqa: F811
):
    from django.contrib.auth import get_user_model

    from accounts.people import set_display_name

    # A long name, as real ones are: the header must still hold on one line.
    username = {"coordinator": "cd", "admin": "ad"}[role]
    set_display_name(get_user_model().objects.get(username=username), "Maria Fernanda Oliveira")
    page = page_for(browser, live_server.url, world, role, 1280)
    page.goto(live_server.url + "/")
    button = page.get_by_role("button", name="Sign out")
    box = button.bounding_box()
    assert box is not None and box["height"] < 40, box  # one line of text, not two
    page.context.close()
