"""The site's header is drawn once per kind of reader and kept (accounts/templatetags/
site_header.py, issue 27). Whatever is kept, each reader must see their own header: their
name, their role's links, their language, the page they are on, and forms that work for their
own session. Each test changes one thing the header depends on; it fails if the key forgets it.
"""

from __future__ import annotations

import re

import pytest
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse

from accounts.people import set_display_name
from accounts.templatetags import site_header

from .factories import make_country, make_user

pytestmark = pytest.mark.django_db


def header(client: Client, path: str = "/") -> str:
    page = client.get(path, follow=True).content.decode()
    return page[page.index("<header") : page.index("</header>")]


@pytest.fixture
def country_user():
    return make_user("ana", country=make_country(), role="coordinator")


@pytest.fixture
def signed_in(country_user) -> Client:
    client = Client()
    client.force_login(country_user)
    return client


def test_a_second_visit_is_drawn_from_what_was_kept(signed_in):
    site_header.clear()
    first = header(signed_in)
    assert len(site_header._KEPT) == 1
    assert _same_but_token(header(signed_in), first)  # each request's token is masked anew
    assert len(site_header._KEPT) == 1


def _same_but_token(a: str, b: str) -> bool:
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    return token.sub("", a) == token.sub("", b)


def test_each_reader_sees_their_own_name(signed_in, country_user):
    other = Client()
    other.force_login(make_user("bruno", country=make_country("XB", "Otherland (demo)")))
    assert "ana" in header(signed_in) and "bruno" not in header(signed_in)
    assert "bruno" in header(other) and "ana" not in header(other)
    set_display_name(country_user, "Ana Lopes")
    assert "Ana Lopes" in header(signed_in)


def test_only_the_secretariat_sees_its_links(signed_in, country_user):
    """Two people of the same name, one in a country team, one in the secretariat."""
    sam = make_user("sam", role="analyst")
    set_display_name(sam, "Alex")
    set_display_name(country_user, "Alex")
    analyst = Client()
    analyst.force_login(sam)
    comparison = reverse("secretariat:matrix")
    assert comparison not in header(signed_in)
    assert comparison in header(analyst)
    assert comparison not in header(signed_in)


def test_the_header_follows_the_readers_language(signed_in):
    assert "Sign out" in header(signed_in)
    signed_in.post(reverse("accounts:language"), {"language": "fr", "next": "/"})
    french = header(signed_in)
    assert "Se déconnecter" in french and "Sign out" not in french
    assert '<option value="fr" lang="fr" selected>' in french


def test_the_current_page_is_marked_on_its_own_link(signed_in):
    frameworks = reverse("frameworks:index")
    on_home = header(signed_in, "/")
    on_frameworks = header(signed_in, frameworks)
    link = f'href="{frameworks}" aria-current="page"'
    assert link not in on_home
    assert link in on_frameworks


def test_the_language_switch_returns_to_this_page_and_its_token_is_this_sessions(signed_in):
    """The two values put in after drawing: `next` is the page's own path (escaped), and the
    CSRF token is one this session's CSRF check accepts."""
    path = reverse("frameworks:index") + "?q=a&b='x'"
    signed_in.get("/")  # the header kept, drawn for another page
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = signed_in.cookies
    drawn = header(strict, path)
    assert 'name="next" value="/frameworks/?q=a&amp;b=&#x27;x&#x27;"' in drawn
    form = drawn[drawn.index('<form class="lang-switcher"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = strict.post(
        reverse("accounts:language"),
        {"language": "es", "next": "/", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_the_static_files_urls_are_kept_yet_follow_the_settings(signed_in, settings):
    site_header.clear()
    for _ in range(2):  # drawn, then kept
        page = signed_in.get("/").content.decode()
        assert f'<link rel="stylesheet" href="{static("css/app.css")}">' in page
        assert f'<script src="{static("js/app.js")}" defer></script>' in page
    settings.STATIC_URL = "/elsewhere/"
    page = signed_in.get("/").content.decode()
    assert static("css/app.css").startswith("/elsewhere/")
    assert f'<link rel="stylesheet" href="{static("css/app.css")}">' in page
