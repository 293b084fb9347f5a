"""Our own 500 page, and a 503 with Retry-After when the database cannot be reached.

Registered as `handler500` in config/urls.py. Django calls it for any exception a view or a
middleware did not handle (DEBUG off), still inside the `except`, so `sys.exc_info()` tells
a database that is down (a temporary state worth retrying) from a bug. The pages are rendered
without a request: no context processors, no database, no URL reversing.
"""

from __future__ import annotations

import sys

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import TemplateDoesNotExist, loader

RETRY_AFTER_SECONDS = 30
UNREACHABLE = (OperationalError, InterfaceError)


def database_unreachable(error: BaseException | None) -> bool:
    """Whether `error`, or an exception it was raised from, says the database is down."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, UNREACHABLE):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def cache_unreachable(error: BaseException | None) -> bool:
    """Whether `error`, or one it was raised from, says the cache's Redis cannot be reached (a
    refused or timed-out connection; the redis package is installed with the app)."""
    from redis.exceptions import ConnectionError, TimeoutError

    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, ConnectionError | TimeoutError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _page(template_name: str, status: int) -> HttpResponse:
    try:
        body = loader.get_template(template_name).render()
    except TemplateDoesNotExist:
        body = "<h1>Server Error</h1>" if status == 500 else "<h1>Service Unavailable</h1>"
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    if database_unreachable(sys.exc_info()[1]):
        response = _page("503.html", 503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _page(template_name, 500)
