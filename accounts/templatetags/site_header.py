"""`{% site_header %}`: the site's header, drawn once per kind of reader and kept.

The header holds the navigation twice (one line on a wide screen, the phone's menu) with the
language list and the account's links: about a millisecond of every page (issue 27). What it
shows depends only on the key below, so it is drawn once per key and kept in the process; the
two values that differ on every request, the CSRF token and the current path (where the
language switch returns), are put in afterwards. The template and the translations change only
with a new deployment, that is a new process; with DEBUG on (templates edited as the server
runs) it is drawn every time.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from accounts.people import display_name
from assessment.access import membership_of

register = template.Library()

TOKEN = "csrf-token-drawn-per-request"
NEXT = "/next-path-drawn-per-request/"
KEPT_MAX = 1000  # kinds of reader × pages; emptied when full
_KEPT: dict[tuple[Any, ...], str] = {}


def clear() -> None:
    _KEPT.clear()
    _STATIC.clear()


@register.simple_tag(takes_context=True)
def site_header(context: template.Context) -> SafeString:
    request = context["request"]
    user = context["user"]
    match = request.resolver_match
    current = {
        "namespace": match.namespace if match else "",
        "url_name": match.url_name if match else "",
        "view_name": match.view_name if match else "",
    }
    membership = membership_of(user)
    key = (
        get_language(),
        tuple(code for code, _name in settings.LANGUAGES),  # (names are lazy: codes only)
        settings.ROOT_URLCONF,
        get_urlconf(),
        get_script_prefix(),
        user.is_authenticated,
        bool(membership and membership.is_secretariat),
        display_name(user) if user.is_authenticated else "",
        tuple(current.values()),
    )
    html = None if settings.DEBUG else _KEPT.get(key)
    if html is None:
        html = render_to_string(
            "partials/site_header.html",
            {"user": user, "current": current, "csrf_token": TOKEN, "next_path": NEXT},
        )
        if len(_KEPT) >= KEPT_MAX:
            _KEPT.clear()
        _KEPT[key] = html
    filled = html.replace(TOKEN, escape(get_token(request))).replace(
        NEXT, escape(request.get_full_path())
    )
    return mark_safe(filled)  # noqa: S308 (a rendered template; both values escaped)


_STATIC: dict[tuple[str, str, str], str] = {}


@register.simple_tag
def site_static(path: str) -> str:
    """`{% static path %}`, kept per path: the same URL on every page until the next
    deployment (a new process), where looking it up in the hashed files' manifest cost 28 µs
    each, six times a page (issue 27). With DEBUG on it is looked up every time."""
    key = (path, settings.STATIC_URL, settings.STORAGES["staticfiles"]["BACKEND"])
    url = None if settings.DEBUG else _STATIC.get(key)
    if url is None:
        url = _STATIC[key] = static(path)
    return url
