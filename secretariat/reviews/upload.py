"""Upload, preview and confirm a published legislative review (secretariat admins only).

The uploaded CSV text waits in the session between the preview and the confirmation, under a
random token; the confirmation form carries only that token, never the data, and the text is
parsed again before it is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from assessment.access import is_secretariat_admin, membership_of
from secretariat.comparison import LAW_CODES
from secretariat.models import LegislativeReview

from . import importer as li
from .forms import LegislationImportForm

SESSION_KEY = "secretariat_legislation_import"

CRITERION_LABELS = {
    "legislation": gettext_lazy("CSAM-specific law"),
    "definition": gettext_lazy("Defines CSAM"),
    "technology": gettext_lazy("Technology-facilitated offences"),
    "possession": gettext_lazy("Knowing possession"),
    "isp_reporting": gettext_lazy("ISP reporting"),
}


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous users go to sign in; signed-in users other than secretariat admins get 403."""

    @login_required
    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_secretariat_admin(membership_of(request.user)):
            raise PermissionDenied(_("Only secretariat admins may import published reviews."))
        return view(request, *args, **kwargs)

    return wrapped


def _criteria() -> list[tuple[str, str]]:
    return [(code, str(CRITERION_LABELS[code])) for code in LAW_CODES]


def _yes_no(value: bool | None) -> str:
    if value is None:
        return "—"
    return _("Yes") if value else _("No")


def _upload_page(request: AuthenticatedHttpRequest, form: LegislationImportForm) -> HttpResponse:
    reviews = LegislativeReview.objects.annotate(entry_count=Count("entries")).select_related(
        "imported_by"
    )
    return render(request, "secretariat/import_upload.html", {"form": form, "reviews": reviews})


@admin_required
@require_http_methods(["GET", "POST"])
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _upload_page(request, LegislationImportForm())
    form = LegislationImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form)
    source, year = form.cleaned_data["source"], form.cleaned_data["year"]
    request.session.pop(SESSION_KEY, None)
    try:
        text = li.decode(form.cleaned_data["file"].read())
        parsed = li.parse(text, source=source, year=year)
    except ValueError as error:
        form.add_error(None, str(error))
        return _upload_page(request, form)
    except li.ImportRejected as rejected:
        return render(
            request,
            "secretariat/import_preview.html",
            {"source": source, "year": year, "errors": rejected.errors},
        )
    token = uuid.uuid4().hex
    request.session[SESSION_KEY] = {"token": token, "text": text, "source": source, "year": year}
    return render(
        request,
        "secretariat/import_preview.html",
        {
            "source": parsed.source,
            "year": parsed.year,
            "token": token,
            "rule": _(parsed.rules["description"]),
            "criteria": _criteria(),
            "rows": [
                (row.country.name, [_yes_no(row.values[c]) for c in LAW_CODES])
                for row in sorted(parsed.rows, key=lambda r: str(r.country.name))
            ],
            "replaces": li.existing_review(parsed.source, parsed.year),
        },
    )


@admin_required
@require_POST
def confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
    pending = request.session.get(SESSION_KEY)
    if not pending or request.POST.get("token") != pending.get("token"):
        messages.error(
            request,
            _(
                "There is no import waiting for confirmation (or another one replaced it). "
                "Upload the file again; nothing was stored."
            ),
        )
        return redirect("secretariat_import:upload")
    del request.session[SESSION_KEY]
    try:
        parsed = li.parse(pending["text"], source=pending["source"], year=pending["year"])
    except (ValueError, li.ImportRejected):
        messages.error(request, _("The file no longer passes the checks; nothing was stored."))
        return redirect("secretariat_import:upload")
    review = li.store(parsed, request.user)
    messages.success(
        request,
        _("Imported %(count)s countries from %(source)s (%(year)s).")
        % {"count": len(parsed.rows), "source": review.source, "year": review.year},
    )
    return redirect("secretariat_import:upload")
