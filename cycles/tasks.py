"""The cycles' scheduled tasks. Each finds its work in the database, so running one twice or
late is harmless (see reminders.py and bulk.py for how each piece of work is claimed)."""

from __future__ import annotations

from celery import shared_task

from . import bulk, reminders


@shared_task(ignore_result=True)
def send_reminders() -> int:
    return reminders.send_due_reminders()


@shared_task(ignore_result=True)
def exports_resume() -> None:
    """Exports whose trigger was lost (Redis restarted) or whose builder died start again."""
    for export_id in bulk.exports_pending():
        build_export.delay(export_id)


@shared_task(ignore_result=True)
def build_export(export_id: int) -> bool:
    return bulk.export_build(export_id)


@shared_task(ignore_result=True)
def exports_cleanup() -> int:
    return bulk.exports_cleanup()
