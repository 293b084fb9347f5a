"""The cycles' scheduled tasks. Each finds its work in the database, so running one twice or
late is harmless (see reminders.py and bulk.py for how each piece of work is claimed)."""

from __future__ import annotations

from celery import shared_task

from . import reminders


@shared_task(ignore_result=True)
def send_reminders() -> int:
    return reminders.send_due_reminders()
