"""Issue 14: right to left in real Chromium. In Arabic the results, capability, plan and
secretariat matrix pages overflow nothing at desktop and phone widths, the results chart's labels
stay off its bars, and `<html lang dir>` follows every shipped language. Screenshots of each page
in Arabic and English go to /tmp/shots/ for a person to look at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.test import Client
from playwright.sync_api import Browser, Page, sync_playwright

from accounts.models import Profile
from assessment import workflow
from assessment.models import Assessment, Membership
from frameworks.loader import load_frameworks

from .factories import answer_all, make_assessment, make_country, make_user

CHROMIUM = "/usr/bin/chromium"
# SCREENSHOTS=<folder> ./run test tests/test_rtl_browser.py keeps a full-page PNG of each page
# at each width in each language there, to look at.
SHOTS = Path(os.environ["SCREENSHOTS"]) if os.environ.get("SCREENSHOTS") else None
WIDTHS = (1280, 390)
pytestmark = pytest.mark.browser

# Elements whose box may lie outside the viewport without the page scrolling sideways: a
# scroll box's content (the matrix and wide tables scroll inside their own box), and what is
# clipped or hidden on purpose (visually-hidden text, collapsed menus).
OVERFLOW_SCRIPT = """() => {
  const width = window.innerWidth;
  const out = [];
  const clipped = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (/(auto|scroll|hidden|clip)/.test(s.overflowX) && p !== document.body
          && p !== document.documentElement) return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.position === 'fixed') continue;
    // The content of a closed <details> (the phone's menu) is not rendered.
    if (el.closest('details:not([open]) > :not(summary)')) continue;
    if ((r.left < -1 || r.right > width + 1) && !clipped(el)) {
      out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className}: ${r.left}..${r.right}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: width, out: out.slice(0, 10)};
}"""

OVERLAP_SCRIPT = """() => {
  const svg = document.querySelector('.chart svg');
  const boxes = (sel) => [...svg.querySelectorAll(sel)].map((e) => e.getBoundingClientRect());
  const labels = boxes('text.chart-label');
  const bars = boxes('rect.chart-bar');
  const hits = [];
  for (const t of labels) for (const b of bars) {
    const x = Math.min(t.right, b.right) - Math.max(t.left, b.left);
    const y = Math.min(t.bottom, b.bottom) - Math.max(t.top, b.top);
    if (x > 0.5 && y > 0.5) hits.push([t.left, t.right, b.left, b.right]);
  }
  return {labels: labels.length, bars: bars.length, hits: hits.slice(0, 5)};
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (./run test does).")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # see tests/test_browser.py
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def _page_for(browser: Browser, base: str, user: AbstractUser, width: int) -> Page:
    """A page signed in as `user`: the session of Django's test client, as a cookie."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": base}]  # type: ignore[list-item]
    )
    return context.new_page()


def _speaks(user: AbstractUser, language: str) -> None:
    Profile.objects.update_or_create(user=user, defaults={"language": language})


@pytest.fixture
def scene(transactional_db: None) -> dict[str, object]:
    load_frameworks()
    country = make_country("XA", "Arvenia (demo)")
    submitted = make_assessment(country, cycle=2025)
    answer_all(submitted, {"C04": "4", "C10": "1"}, evidence="وحدة أنشئت بالمرسوم 14/2024")
    workflow.submit(assessment=submitted, sharing=Assessment.Sharing.NAMED, user=None)
    coordinator = make_user("alice", country=country, role=Membership.Role.COORDINATOR)
    analyst = make_user("sam", role=Membership.Role.ANALYST)
    return {"assessment": submitted, "coordinator": coordinator, "analyst": analyst}


def _pages(scene: dict[str, object]) -> list[tuple[str, AbstractUser, str]]:
    uuid = scene["assessment"].uuid  # type: ignore[attr-defined]
    return [
        ("results", scene["coordinator"], f"/assessments/{uuid}/results/"),  # type: ignore[list-item]
        ("capability", scene["coordinator"], f"/assessments/{uuid}/capability/C04/"),  # type: ignore[list-item]
        ("legislation", scene["coordinator"], f"/assessments/{uuid}/legislation/"),  # type: ignore[list-item]
        ("plan", scene["coordinator"], f"/assessments/{uuid}/plan/"),  # type: ignore[list-item]
        ("matrix", scene["analyst"], "/secretariat/"),  # type: ignore[list-item]
    ]


def test_arabic_pages_overflow_nothing_and_the_chart_labels_stay_off_the_bars(
    live_server, scene, browser
):
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for language in ("ar", "en"):
        for user in (scene["coordinator"], scene["analyst"]):
            _speaks(user, language)  # type: ignore[arg-type]
        for width in WIDTHS:
            for name, user, path in _pages(scene):
                page = _page_for(browser, live_server.url, user, width)
                response = page.goto(live_server.url + path)
                assert response is not None and response.status == 200, (name, language)
                page.evaluate("() => document.fonts.ready.then(() => true)")  # in its own font
                if SHOTS:
                    shot = SHOTS / f"{name}-{language}-{width}.png"
                    page.screenshot(path=str(shot), full_page=True)
                dir_ = page.locator("html").get_attribute("dir")
                assert dir_ == ("rtl" if language == "ar" else "ltr"), (name, language)
                if language == "ar":
                    found = page.evaluate(OVERFLOW_SCRIPT)
                    if found["scroll"] > found["inner"] or found["out"]:
                        problems.append(f"{name} at {width}px: {found}")
                if name == "results":
                    overlap = page.evaluate(OVERLAP_SCRIPT)
                    assert overlap["labels"] == 27 and overlap["bars"] > 0, overlap
                    if overlap["hits"]:
                        problems.append(f"chart {language} {width}px labels over bars: {overlap}")
                page.context.close()
    assert not problems, problems


def test_html_lang_and_dir_follow_every_language(live_server, scene, browser):
    user = scene["coordinator"]
    uuid = scene["assessment"].uuid  # type: ignore[attr-defined]
    for code, _name in settings.LANGUAGES:
        _speaks(user, code)  # type: ignore[arg-type]
        page = _page_for(browser, live_server.url, user, 1280)  # type: ignore[arg-type]
        page.goto(f"{live_server.url}/assessments/{uuid}/results/")
        html = page.locator("html")
        assert html.get_attribute("lang") == code
        assert html.get_attribute("dir") == ("rtl" if code == "ar" else "ltr")
        page.context.close()


@pytest.fixture
def demo(transactional_db: None) -> dict[str, object]:
    """The demonstration data, as `./run demo` makes it: the pages a person tries first."""
    from django.contrib.auth import get_user_model

    from assessment.demo import create_demo

    create_demo()
    users = get_user_model().objects
    draft = Assessment.objects.get(country="XA", cycle=2026)
    return {
        "coordinator": users.get(username="demo-xa-coordinator"),
        "analyst": users.get(username="demo-secretariat-analyst"),
        "pages": [
            ("plan", "coordinator", f"/assessments/{draft.uuid}/plan/"),
            ("results", "coordinator", f"/assessments/{draft.uuid}/results/"),
            ("changelog", "coordinator", f"/assessments/{draft.uuid}/history/"),
            ("matrix", "analyst", "/secretariat/"),
            # Its domains' names come with kept rows' scores, in the reader's language.
            ("profile", "analyst", "/secretariat/countries/XA/"),
        ],
    }


def test_the_demo_on_a_phone_breaks_no_word_and_the_plan_stays_short(live_server, demo, browser):
    """Issue 24, on the demo's own data (its plan has actions; the permission walk's world has
    none): at 390 px no word of the plan, results, change log, matrix or country profile is
    broken inside itself in English or Arabic, the plan page is at most three times as tall as
    at 1280 px (it was 5.8 times: 29,094 px), and the Arabic results title reads country, then
    cycle."""
    from .test_small_screens import broken_words, height

    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for language in ("en", "ar"):
        for role in ("coordinator", "analyst"):
            _speaks(demo[role], language)  # type: ignore[arg-type]
        pages = {
            role: _page_for(browser, live_server.url, demo[role], 1280)  # type: ignore[arg-type]
            for role in ("coordinator", "analyst")
        }
        for name, role, path in demo["pages"]:  # type: ignore[attr-defined]
            page = pages[role]
            page.set_viewport_size({"width": 1280, "height": 900})
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, (name, language)
            page.evaluate("() => document.fonts.ready.then(() => true)")
            laptop = height(page)
            if name == "results" and language == "ar":
                # At 1280 px, on one line, read from the right: country first, then cycle.
                boxes = page.evaluate(
                    """() => {
                      const text = document.querySelector('h1').firstChild;
                      const left = (word) => {
                        const range = document.createRange();
                        const at = text.data.indexOf(word);
                        range.setStart(text, at);
                        range.setEnd(text, at + word.length);
                        return range.getBoundingClientRect().left;
                      };
                      return [left('Arvenia'), left('2026')];
                    }"""
                )
                assert boxes[0] > boxes[1], boxes
            page.set_viewport_size({"width": 390, "height": 900})
            problems += broken_words(page, f"{name} ({language})", 390)
            phone = height(page)
            if name == "plan" and phone > 3 * laptop:
                problems.append(f"plan ({language}): {phone} px at 390 px, {laptop} px at 1280")
            if SHOTS:
                page.screenshot(path=str(SHOTS / f"demo-{name}-{language}-390.png"), full_page=True)
        for page in pages.values():
            page.context.close()
    assert not problems, "\n".join(problems)
