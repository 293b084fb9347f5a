"""Is the background worker alive? The scheduler sends a heartbeat task every minute and the
worker records when it ran it, so a stale row means the worker or the scheduler is down (or
Redis, which carries the task between them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import WorkerHeartbeat

WORKER = "worker"


def heartbeat_record(*, name: str = WORKER, now: datetime | None = None) -> None:
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"seen_at": now or timezone.now()})


@dataclass(frozen=True)
class WorkerState:
    in_process: bool  # no broker configured: tasks run inside the web process (demo)
    seen_at: datetime | None
    late: bool

    @property
    def status(self) -> str:
        if self.in_process:
            return "in-process"
        return "late" if self.late else "ok"


def worker_state(*, now: datetime | None = None) -> WorkerState:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return WorkerState(in_process=True, seen_at=None, late=False)
    now = now or timezone.now()
    row = WorkerHeartbeat.objects.filter(name=WORKER).first()
    seen_at = row.seen_at if row else None
    late_after = timedelta(seconds=int(settings.WORKER_LATE_AFTER_SECONDS))
    return WorkerState(
        in_process=False, seen_at=seen_at, late=seen_at is None or now - seen_at > late_after
    )
