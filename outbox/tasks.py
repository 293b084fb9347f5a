"""The outbox's tasks. They only look at the database: running one twice, or late, is harmless."""

from __future__ import annotations

from celery import shared_task

from . import mail, worker


@shared_task(ignore_result=True)
def deliver_outbox() -> int:
    return mail.deliver_due()


@shared_task(ignore_result=True)
def heartbeat() -> None:
    worker.heartbeat_record()
