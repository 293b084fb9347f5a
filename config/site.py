"""The site's own address, for links that leave the site (emails).

A request's Host header names whatever the client chose among ALLOWED_HOSTS, port included:
`Host: 127.0.0.1:6666` made the invitation and password-reset emails link to
`https://127.0.0.1:6666/…` (issue 22). Links in emails are built here, from SITE_URL alone.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` (as `reverse()` gives it, starting with "/") under SITE_URL."""
    if not path.startswith("/"):
        raise ValueError(f"absolute_url() takes a path from the site's root, not {path!r}")
    return f"{settings.SITE_URL}{path}"


def site_url_checked(value: str, *, production: bool) -> str:
    """SITE_URL as the settings keep it (no trailing "/"), or ValueError saying what is wrong:
    http or https, a host, no path, query or fragment; https in production."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"SITE_URL must be like https://mnr.example.org, not {value!r}.")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"SITE_URL is the site's address only (no path or query): {value!r}.")
    if production and parts.scheme != "https":
        raise ValueError(f"SITE_URL must be an https:// address in production, not {value!r}.")
    return f"{parts.scheme}://{parts.netloc}"
