"""Phones and small screens (issues 16 and 24), in real Chromium: the header is one line at
1280 px in every language and one menu button at 390 px, which opens without JavaScript; the
pages each role may read, and the helpers that find them and measure a page: how far it scrolls
sideways, which words are broken inside themselves. That no page scrolls sideways and no word
is broken, at 390 px and at 1280 px, in English and in Arabic, and that the plan page at
390 px is at most three times as tall as at 1280 px, are checked by the accessibility walk
(tests/test_accessibility.py), which has each page open already."""

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


# Words whose letters lie on more than one line: for every text node, each word's
# Range.getClientRects() must lie on one line. Words are split at spaces; a break after a
# hyphen, a dash or a slash is a normal line break. URLs, e-mail addresses and file names may
# break (they can be longer than a phone is wide).
BROKEN_WORDS = r"""() => {
  // Words (split at spaces; a break after a hyphen, a dash or a slash is allowed) whose
  // letters lie on more than one line. URLs, e-mail addresses and file names may break.
  const exempt = /:\/\/|^www\.|@|^\/|\.[a-z][a-z0-9]{1,4}[)\].,;:]*$/i;
  const out = [];
  let count = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const lines = (rects) => {
    const tops = [];
    for (const r of rects) {
      if (r.width === 0 || r.height === 0) continue;
      if (!tops.some((t) => r.top < t.bottom - 1 && r.bottom > t.top + 1)) tops.push(r);
    }
    return tops.length;
  };
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style, template, option, noscript")) continue;
    const text = node.data;
    const re = /\S+/g;
    let m;
    while ((m = re.exec(text))) {
      const word = m[0];
      if (word.length < 2 || exempt.test(word)) continue;
      // Pieces between allowed break points (after - – — / ‐).
      const pieces = word.split(/(?<=[-‐–—\/])/);
      let start = m.index;
      for (const piece of pieces) {
        const end = start + piece.length;
        if (piece.replace(/[-‐–—\/]$/, "").length >= 2) {
          range.setStart(node, start);
          range.setEnd(node, end);
          if (lines(range.getClientRects()) > 1) {
            count += 1;
            if (out.length < 8) out.push(piece);
          }
        }
        start = end;
      }
    }
  }
  return {count, examples: out};
}"""


def broken_words(page: Page, url: str, width: int) -> list[str]:
    """[] when no word of the page open now is broken inside itself; else the first few."""
    found = page.evaluate(BROKEN_WORDS)
    if found["count"]:
        return [f"{url} at {width} px: {found['count']} broken words, e.g. {found['examples']}"]
    return []


def hidden_columns(page: Page, url: str) -> list[str]:
    """[] when no matrix of the page open now hides columns behind its own scroll (issue 24:
    at 1280 px the matrix hid L3-L5 and "Met" with no cue)."""
    hidden = page.evaluate(
        """() => [...document.querySelectorAll('.matrix-wrap')]
             .filter((box) => box.scrollWidth > box.clientWidth + 1)
             .map((box) => box.querySelector('table').id + ': ' + box.scrollWidth
                           + ' px in ' + box.clientWidth)"""
    )
    return [f"{url}: {h}" for h in hidden]


def height(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


HEADER_LINE = """() => {
  const shown = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
  const items = [...document.querySelectorAll(
    ".app-brand, .app-nav-link, .app-header select, .app-header button, .app-header summary")]
    .filter(shown).filter((e) => !e.closest("details:not([open]) > :not(summary)"));
  const boxes = items.map((e) => e.getBoundingClientRect());
  return {
    items: items.map((e) => e.textContent.trim().slice(0, 30)),
    tops: boxes.map((b) => Math.round(b.top)),
    bottoms: boxes.map((b) => Math.round(b.bottom)),
    nav: document.querySelector(".app-nav").getBoundingClientRect().height,
  };
}"""


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_the_header_is_one_line_at_1280_in_every_language_and_one_menu_button_at_390(
    role,
    live_server,
    transactional_db,
    world,  # noqa: F811
    browser,  # noqa: F811
):
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from accounts.people import language_set, set_display_name

    # A long name, as real ones are: the header must still hold on one line.
    user = get_user_model().objects.get(username={"coordinator": "cd", "admin": "ad"}[role])
    set_display_name(user, "Maria Fernanda Oliveira")
    page = page_for(browser, live_server.url, world, role, 1280)
    for code, _name in settings.LANGUAGES:
        language_set(user, code)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(live_server.url + "/")
        line = page.evaluate(HEADER_LINE)
        # Every link, the language switcher and the account button side by side on one line.
        assert max(line["tops"]) < min(line["bottoms"]), (code, line)
        assert line["nav"] < 70, (code, line)
        assert page.locator(".app-menu").is_hidden()
        page.locator(".account-menu > summary").click()
        sign_out = page.locator(".app-nav-wide").get_by_role("button", name=_sign_out(code))
        box = sign_out.bounding_box()
        assert box is not None and box["height"] < 40, (code, box)  # one line of text
        page.set_viewport_size({"width": 390, "height": 900})
        line = page.evaluate(HEADER_LINE)
        # The brand and one button, "Menu"; nothing else of the header is shown.
        assert len(line["items"]) == 2 and page.locator(".app-menu > summary").is_visible(), line
        assert page.locator(".app-nav-wide").is_hidden()
    page.context.close()


def _sign_out(code: str) -> str:
    from django.utils import translation

    with translation.override(code):
        return str(translation.gettext("Sign out"))


def test_the_phone_menu_opens_and_signs_out_without_javascript(
    live_server,
    transactional_db,
    world,  # noqa: F811
    browser,  # noqa: F811
):
    context = browser.new_context(viewport={"width": 390, "height": 800}, java_script_enabled=False)
    session = world["clients"]["coordinator"].cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": session.value, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + "/")
    menu = page.locator(".app-menu")
    sign_out = menu.get_by_role("button", name="Sign out")
    assert sign_out.is_hidden()
    menu.locator("summary").focus()
    page.keyboard.press("Enter")  # a <details> opens by keyboard, with no script
    assert sign_out.is_visible()
    assert menu.get_by_role("link", name="Change password").is_visible()
    assert menu.get_by_label("Language").is_visible()
    sign_out.click()
    page.goto(live_server.url + "/assessments/team/")
    assert "/accounts/login/" in page.url
    context.close()
