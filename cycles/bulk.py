"""A cycle's validated action plans and its scores workbook as one ZIP, built by the worker.

One PDF per country that validated its assessment and shares it by name, each in the
assessment's working language; the scores workbook is the secretariat's comparison of the
cycle's validated assessments (named rows only, aggregates under disclosure control), so an
aggregate-only country is never in the file by name. The export row is claimed with a
conditional update (one builder at a time; a builder that died is replaced once its claim
lapses) and counts its progress, which the page reads.
"""

from __future__ import annotations

import logging
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assessment.models import Assessment

from .models import BulkExport, Cycle

log = logging.getLogger(__name__)
CLAIM = timedelta(minutes=30)


def plans_of(cycle: Cycle) -> list[Assessment]:
    """The latest validated revision of each country that shares by name."""
    latest: dict[str, Assessment] = {}
    for a in (
        Assessment.objects.with_frameworks()
        .filter(cycle=cycle.year, status=Assessment.Status.VALIDATED)
        .order_by("country", "revision")
    ):
        latest[a.country_id] = a
    return [a for a in latest.values() if a.sharing == Assessment.Sharing.NAMED]


def export_path(export: BulkExport) -> Path:
    return Path(settings.EXPORT_ROOT) / f"{export.uuid}.zip"


@transaction.atomic
def export_request(*, cycle: Cycle, user: User | None, now: datetime | None = None) -> BulkExport:
    export = BulkExport.objects.create(
        cycle=cycle,
        requested_by=user,
        created_at=now or timezone.now(),
        total=len(plans_of(cycle)) + 1,
    )
    transaction.on_commit(lambda: _trigger(export.pk))
    return export


def _trigger(export_id: int) -> None:
    from .tasks import build_export

    try:
        build_export.delay(export_id)
    except Exception:  # the broker is away: the scheduler's next tick starts it
        log.warning("bulk export %s: could not reach the task queue", export_id)


def _claim(export_id: int, now: datetime) -> bool:
    return bool(
        BulkExport.objects.filter(pk=export_id)
        .filter(
            Q(state=BulkExport.State.QUEUED)
            | Q(state=BulkExport.State.RUNNING, claimed_until__lt=now)
        )
        .update(state=BulkExport.State.RUNNING, claimed_until=now + CLAIM, done=0)
    )


def scores_workbook(cycle: Cycle, language: str) -> bytes:
    from secretariat import comparison as cmp
    from secretariat.reviews.labels import xlsx
    from secretariat.views import aggregates_sheet, matrix_sheet

    with translation.override(language):
        result = cmp.load_rows(cmp.Filters(cycle=cycle.year, status=Assessment.Status.VALIDATED))
        rows = cmp.sort_rows(result.named_rows, "", False, result.columns)
        context = {
            "comparison": result,
            "table": [(row, [(c, cmp.cell(row, c)) for c in result.columns]) for row in rows],
            "aggregates": cmp.aggregates(result),
        }
        return xlsx(
            {_("Matrix"): matrix_sheet(context), _("Aggregates"): aggregates_sheet(context)}
        )


def plan_file_name(assessment: Assessment) -> str:
    with translation.override("en"):
        name = slugify(str(assessment.country.name)) or assessment.country_id
    return (
        f"plans/{assessment.country_id}-{name}-{assessment.cycle}"
        f"-r{assessment.revision}-{assessment.language}.pdf"
    )


def export_build(export_id: int, *, now: datetime | None = None) -> bool:
    """Build the ZIP if this process claims the export; False if another builder has it."""
    from assessment.reports.builder import build_report
    from assessment.reports.pdf import render_pdf

    now = now or timezone.now()
    if not _claim(export_id, now):
        return False
    export = BulkExport.objects.select_related("cycle", "requested_by__profile").get(pk=export_id)
    plans = plans_of(export.cycle)
    BulkExport.objects.filter(pk=export_id).update(total=len(plans) + 1)
    path = export_path(export)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for done, assessment in enumerate(plans, start=1):
                zf.writestr(
                    plan_file_name(assessment),
                    render_pdf(build_report(assessment, assessment.language)),
                )
                BulkExport.objects.filter(pk=export_id).update(done=done)
            from accounts.people import language_of

            language = language_of(export.requested_by) or settings.LANGUAGE_CODE
            zf.writestr(f"scores-{export.cycle.year}.xlsx", scores_workbook(export.cycle, language))
        partial.replace(path)
    except Exception as error:  # recorded for the page; the partial file is removed
        partial.unlink(missing_ok=True)
        BulkExport.objects.filter(pk=export_id).update(
            state=BulkExport.State.FAILED, error=f"{type(error).__name__}: {error}"[:1000]
        )
        log.exception("bulk export %s failed", export_id)
        return True
    finished = timezone.now()
    BulkExport.objects.filter(pk=export_id).update(
        state=BulkExport.State.DONE,
        done=len(plans) + 1,
        file_name=path.name,
        finished_at=finished,
        expires_at=finished + timedelta(days=int(settings.BULK_EXPORT_KEEP_DAYS)),
        claimed_until=None,
    )
    return True


def exports_pending(*, now: datetime | None = None) -> list[int]:
    """Exports waiting for a builder (their trigger was lost) or whose builder died."""
    now = now or timezone.now()
    return list(
        BulkExport.objects.filter(
            Q(state=BulkExport.State.QUEUED)
            | Q(state=BulkExport.State.RUNNING, claimed_until__lt=now)
        ).values_list("pk", flat=True)
    )


def exports_cleanup(*, now: datetime | None = None) -> int:
    """Delete the files (and rows) of exports past their keeping time."""
    now = now or timezone.now()
    expired = list(BulkExport.objects.filter(expires_at__lt=now))
    for export in expired:
        export_path(export).unlink(missing_ok=True)
    BulkExport.objects.filter(pk__in=[e.pk for e in expired]).delete()
    return len(expired)
