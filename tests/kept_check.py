"""What the comparison keeps between requests equals what it draws with nothing kept.

Called after every step of the sharing state machine (tests/test_sharing_state_machine.py):
the rows, aggregates and pages are first drawn with whatever the steps before left kept
(`secretariat/kept.py`, the rows' HTML, the thawed stored scores), then again with nothing
kept, and must be the same. A value a kept entry is drawn from but its key leaves out (a
status, a cycle's sharing choice, a freezing, a framework version, the language) shows here as
a stale row after the step that changes it.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from assessment import frozen
from secretariat import comparison as cmp
from secretariat import row_cache

from .factories import sign_in_with_second_factor

LANGUAGES = ("en", "fr", "ar")
# The CSRF token is masked anew on every response (form fields and htmx's headers).
_TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]*"')


def _urls(country: str) -> list[str]:
    matrix = reverse("secretariat:matrix")
    return [
        matrix,
        matrix + "?cycle=2026&sort=overall&dir=desc",
        matrix + "?hemisphere=south",
        reverse("secretariat:country", args=[country]),
    ]


def _drawn(user: Any, filters: list[cmp.Filters], urls: list[str], language: str) -> Any:
    with translation.override(language):
        comparisons = [cmp.load_rows(f) for f in filters]
        figures = [(c.rows, cmp.aggregates(c)) for c in comparisons]
    client = Client()
    sign_in_with_second_factor(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    pages = []
    for url in urls:
        response = client.get(url)  # a country profile with no row to show is a 404
        assert response.status_code in (200, 404), url
        html = _TOKEN.sub(r"\1", response.content.decode())
        pages.append(f"{response.status_code} {html}")
    return figures, pages


def check_kept(user: Any, filters: list[cmp.Filters], country: str, step: int) -> None:
    """`user` reads the matrix (the secretariat). The language changes every fourth step: in
    the steps between, what was kept in the same language at the step before is put to the
    test (a change of language alone draws anew)."""
    language = LANGUAGES[step // 4 % len(LANGUAGES)]
    urls = _urls(country)
    kept = _drawn(user, filters, urls, language)
    row_cache.clear()
    frozen.clear_cache()
    fresh = _drawn(user, filters, urls, language)
    assert kept[0] == fresh[0], f"kept rows or aggregates differ ({language})"
    for url, was, now in zip(urls, kept[1], fresh[1], strict=True):
        assert was == now, f"the kept page differs from a fresh one: {url} ({language})"
