"""Health endpoint for the container orchestrator and the load balancer.

- The database unreachable: 503, `"status": "error"`. Nothing works without it; take the
  instance out of the pool and restart it if it stays so.
- The cache (Redis, REDIS_URL) unreachable: 200, `"status": "degraded"`, `"cache":
  "unreachable"`. The pages and sign-in still work (they do not use the cache); only the API
  refuses its requests, with a JSON 503 (api/exceptions.py), because it cannot count them.
  Restarting or removing the app would not bring Redis back and would take the pages down too:
  keep routing to it, and alert on "degraded" (docs/security.md, "Health").
- The background worker not seen lately: `"worker": "late"` (or "in-process" where tasks run in
  the web process). It does not make the web app unhealthy (restarting it would not help), so
  the status stays as above; nothing is lost meanwhile (the outbox waits).
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"; the detail goes to the log
        logger.exception("health check: database unreachable")
        return False
    return True


def cache_ok() -> bool:
    """A write and a read, as the API's throttle makes."""
    try:
        cache.set("health-check", "ok", timeout=10)
        return cache.get("health-check") == "ok"
    except Exception:  # any cache failure (refused, timed out) is "unreachable"; logged
        logger.exception("health check: cache unreachable")
        return False


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    database = database_ok()
    cache_state = cache_ok()
    status = "ok" if database and cache_state else "degraded" if database else "error"
    body: dict[str, str | None] = {
        "status": status,
        "database": "ok" if database else "unreachable",
        "cache": "ok" if cache_state else "unreachable",
    }
    if database:
        from outbox.worker import worker_state

        worker = worker_state()
        body["worker"] = worker.status
        body["worker_seen_at"] = worker.seen_at.isoformat() if worker.seen_at else None
    return JsonResponse(body, status=200 if database else 503)
