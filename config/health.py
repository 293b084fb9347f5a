"""Health endpoint for the container orchestrator and load balancer: is the database there?
It also says whether the background worker has been seen lately ("late" when not); that does
not make the web app unhealthy (restarting it would not help), so the status stays 200."""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"; the detail goes to the log
        import logging

        logging.getLogger(__name__).exception("health check: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    from outbox.worker import worker_state

    worker = worker_state()
    return JsonResponse(
        {
            "status": "ok",
            "database": "ok",
            "worker": worker.status,
            "worker_seen_at": worker.seen_at.isoformat() if worker.seen_at else None,
        }
    )
