"""Issue 22 §5: with Redis unreachable, every API call was an HTML 500 while /health/ said ok.

The cache here is Django's RedisCache pointed at a loopback port nobody listens on: a real
client getting real refused connections, not a mock. The API answers a JSON 503 with
Retry-After (never an unthrottled answer), /health/ reports the cache, and the pages and
sign-in, which do not use the cache, keep working.
"""

from __future__ import annotations

import socket
import time

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from assessment.models import Membership

from .factories import PASSWORD, make_country, make_user

pytestmark = pytest.mark.usefixtures("frameworks")


def closed_port() -> int:
    """A loopback port that was free a moment ago and has no listener now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_down(settings) -> str:
    url = f"redis://127.0.0.1:{closed_port()}/0"
    # The production CACHES of config/settings.py, with that address.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "mnr",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    return url


@pytest.fixture
def member():
    return make_user("carla", country=make_country("XA", "Arvenia (demo)"))


@pytest.fixture
def analyst():
    return make_user("ana", role=Membership.Role.ANALYST)


def token_client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


def test_the_api_answers_a_json_503_with_retry_after_and_no_data(redis_down, member, analyst):
    client = token_client(analyst)
    paths = [
        reverse("api:countries"),
        reverse("api:frameworks"),
        reverse("api:assessments"),
        reverse("api:comparison_matrix"),
        reverse("api:schema"),
    ]
    for path in paths:
        started = time.monotonic()
        response = client.get(path)
        assert time.monotonic() - started < 10, path  # the socket timeouts hold, no hang
        assert response.status_code == 503, (path, response.content[:200])
        # application/json (the schema's own: application/vnd.oai.openapi+json)
        assert response["Content-Type"].split(";")[0].endswith("json")
        assert response["Retry-After"] == "30"
        body = response.json()
        # The refusal only: nothing of what the endpoint would have answered (never fails open).
        assert list(body) == ["detail"], body
        assert "unavailable" in body["detail"]
    # In the reader's language, like every message.
    french = client.get(reverse("api:countries"), HTTP_ACCEPT_LANGUAGE="fr")
    assert french.status_code == 503
    assert "indisponible" in french.json()["detail"]


def test_without_a_token_the_api_still_says_401_not_503(redis_down):
    response = Client().get(reverse("api:countries"))
    assert response.status_code == 401


def test_health_reports_the_cache_as_unreachable(client, redis_down):
    response = client.get("/health/")
    # The database is there and the pages work: the instance stays in the pool (200), and says
    # it is degraded so that monitoring alerts (config/health.py).
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "cache": "unreachable",
        "worker": "in-process",
        "worker_seen_at": None,
    }


def test_sign_in_and_the_pages_keep_working(client, redis_down, member):
    response = client.post(reverse("login"), {"username": "carla", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("assessment:team")).status_code in (200, 403)


def test_health_says_ok_when_the_cache_answers(client, db):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "worker": "in-process",
        "worker_seen_at": None,
    }
