"""The bulk export: asked for from the board, built by the worker, followed on a progress page
(updated in place by htmx every two seconds; without JavaScript, a refresh link), downloaded
while it is kept."""

from __future__ import annotations

from uuid import UUID

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest

from .. import bulk
from ..access import secretariat_admin_required
from ..models import BulkExport, Cycle


@secretariat_admin_required
@require_POST
def export_start(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, year=year)
    export = bulk.export_request(cycle=cycle, user=request.user)
    return redirect("cycles:export", uuid=export.uuid)


@secretariat_admin_required
@require_safe
def export_page(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    export = get_object_or_404(BulkExport.objects.select_related("cycle"), uuid=uuid)
    context = {
        "export": export,
        "expired": export.expires_at is not None and export.expires_at < timezone.now(),
        "percent": round(100 * export.done / export.total) if export.total else 0,
    }
    if request.htmx:
        return render(request, "cycles/_export_progress.html", context)
    return render(request, "cycles/export.html", context)


@secretariat_admin_required
@require_safe
def export_download(request: AuthenticatedHttpRequest, uuid: UUID) -> FileResponse:
    export = get_object_or_404(BulkExport, uuid=uuid, state=BulkExport.State.DONE)
    path = bulk.export_path(export)
    if (export.expires_at and export.expires_at < timezone.now()) or not path.exists():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"mnr-{export.cycle.year}-plans-and-scores.zip",
        content_type="application/zip",
    )
