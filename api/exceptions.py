"""The API's exception handler: DRF's, plus a JSON 503 when the cache (Redis) is unreachable.

The throttle counts live in the cache; without it a request can be neither counted nor let
through uncounted (that would lift the rate limit), so it is refused with 503 and Retry-After,
in JSON like every other API answer, instead of the HTML 500 page (issue 22). The pages do not
use the cache and keep working; `/health/` reports the cache (config/health.py).
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import RETRY_AFTER_SECONDS, cache_unreachable

logger = logging.getLogger(__name__)


def exception_handler(error: Exception, context: dict[str, Any]) -> Response | None:
    if cache_unreachable(error):
        logger.error("API refused: the cache is unreachable (%s)", error)
        return Response(
            {"detail": _("The API is unavailable for a moment. Please try again in a minute.")},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return drf_exception_handler(error, context)
