"""Upload size limits enforced while the body arrives, not after it has all been read.

Django reads a whole multipart body (to memory or a temporary file) before a view can look at a
file's size, so a 150 MB "evidence file" was taken in full before being refused (issue 22).
Each URL has a limit on the file bytes it accepts (UPLOAD_LIMITS, or DEFAULT for every other
URL); `UploadLimitMiddleware`, before the CSRF middleware reads the body:

- refuses a request whose declared Content-Length is over the limit (plus room for the form's
  other fields) before reading any of it, and
- otherwise puts `LimitedUploadHandler` first, which counts the file bytes as they arrive and
  stops reading (Django's `StopUpload`) as soon as they pass the limit.

Either way the answer is a 413 page that says the limit. The rest of the body is never read by
the app; the development server drains it, gunicorn closes the connection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

# Room for the multipart framing and the small fields beside the file (a CSRF token, a source,
# a year): a body up to the limit plus this is read, and its file bytes counted.
FORM_OVERHEAD_BYTES = 256 * 1024


def _review_limit() -> int:
    from secretariat.reviews.forms import MAX_REVIEW_FILE_BYTES

    return MAX_REVIEW_FILE_BYTES


UPLOAD_LIMITS: dict[str, Callable[[], int]] = {
    "assessment:evidence_upload": lambda: int(settings.EVIDENCE_MAX_UPLOAD_BYTES),
    "assessment:workbook_upload": lambda: int(settings.WORKBOOK_MAX_UPLOAD_BYTES),
    "secretariat_import:upload": _review_limit,
}


def upload_limit(view_name: str) -> int:
    """The file bytes a URL accepts: its own limit, or what Django allows a form's fields."""
    found = UPLOAD_LIMITS.get(view_name)
    return found() if found else int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


class LimitedUploadHandler(FileUploadHandler):
    """Counts the file bytes of one request; stops the upload when they pass `limit`."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            setattr(self.request, "upload_too_large", True)  # noqa: B010 - read by the middleware
            # connection_reset: Django reads nothing more of the body (else it drains it).
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (Django's own) builds the file


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    back = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    megabytes = max(1, limit // (1024 * 1024))
    return render(
        request,
        "upload_too_large.html",
        {"message": _("The file is larger than %(mb)s MB.") % {"mb": megabytes}, "back": back},
        status=413,
    )


class UploadLimitMiddleware:
    """See the module's docstring. Placed before CsrfViewMiddleware, whose token check would
    otherwise read the whole body first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if request.method != "POST" or request.content_type != "multipart/form-data":
            return None
        match = request.resolver_match
        view_name = match.view_name if match else ""
        if view_name.startswith("api:"):
            return None  # JSON only: DRF refuses a multipart body unread (415)
        limit = upload_limit(view_name)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit + FORM_OVERHEAD_BYTES:
            return too_large(request, limit)
        request.upload_handlers = [LimitedUploadHandler(request, limit), *request.upload_handlers]
        request.FILES  # noqa: B018 - parse now, counting, before the CSRF check reads the body
        if getattr(request, "upload_too_large", False):
            return too_large(request, limit)
        return None
