"""With REDIS_URL, the API's throttle counts are shared by every worker process.

Runs against a Redis server of the test session's own (the `redis_url` fixture in conftest.py);
without redis-server this test fails rather than skips, since it is the only proof that
several gunicorn workers do not each allow the full rate.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import Any

from django.conf import settings

RATE = 6

# One worker's share of the traffic: the DRF user throttle, exactly as the API runs it, for one
# user (a made-up id, new for every test run, so that no earlier count is seen).
WORKER = """
import json, sys
import django

django.setup()
from django.core.cache import caches
from django.test import RequestFactory
from rest_framework.throttling import UserRateThrottle


class User:
    is_authenticated = True
    pk = sys.argv[1]


allowed = []
for _ in range(int(sys.argv[2])):
    request = RequestFactory().get("/api/v1/countries/")
    request.user = User()
    allowed.append(UserRateThrottle().allow_request(request, None))
print(json.dumps({"backend": type(caches["default"]).__name__, "allowed": allowed}))
"""


def worker(user_id: str, requests: int, **env: str) -> dict[str, Any]:
    """A fresh Python process with the app's settings and `env`, as a gunicorn worker is."""
    environment = {
        k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "API_THROTTLE_USER")
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "API_THROTTLE_USER": f"{RATE}/min",
    } | env
    result = subprocess.run(
        [sys.executable, "-c", WORKER, user_id, str(requests)],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_worker_processes_share_one_throttle_count(redis_url):
    user_id = f"test-{uuid.uuid4().hex}"
    first = worker(user_id, 4, REDIS_URL=redis_url)
    assert first["backend"] == "RedisCache"
    assert first["allowed"] == [True] * 4
    # The second process sees the first one's four requests: two more reach the rate of six.
    second = worker(user_id, 4, REDIS_URL=redis_url)
    assert second["allowed"] == [True, True, False, False]


def test_without_redis_url_each_process_counts_alone():
    user_id = f"test-{uuid.uuid4().hex}"
    assert worker(user_id, 4)["backend"] == "LocMemCache"
    # Nothing shared: a second process allows the full rate again (what REDIS_URL is for).
    assert worker(user_id, RATE)["allowed"] == [True] * RATE
