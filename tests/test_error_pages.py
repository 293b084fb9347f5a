"""Issue 12 §5: our own 500 page, and a 503 with Retry-After when the database is unreachable."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.db.utils import InterfaceError, OperationalError
from django.test import Client

from assessment.models import Membership

from .factories import make_country, make_user

SECRET = "password=hunter2 at /srv/app/secret.py line 42"


@pytest.fixture
def signed_in(db, settings) -> Client:
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(make_user("co", country=make_country(), role=Membership.Role.CONTRIBUTOR))
    return client


def assert_no_detail(body: str) -> None:
    assert "Traceback" not in body and SECRET not in body and "Server Error (500)" not in body


def test_a_bug_answers_our_500_page_without_the_detail(signed_in):
    with mock.patch("assessment.access.readable_assessments", side_effect=RuntimeError(SECRET)):
        response = signed_in.get("/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in body and '<a href="/">' in body
    assert "Retry-After" not in response
    assert_no_detail(body)


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_an_unreachable_database_answers_503_with_retry_after(signed_in, error):
    down = error(f"could not connect to server: Connection refused ({SECRET})")
    with mock.patch.object(connection, "ensure_connection", side_effect=down):
        response = signed_in.get("/")
    body = response.content.decode()
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "Temporarily unavailable" in body and '<a href="/">' in body
    assert_no_detail(body)


def test_a_database_error_raised_from_another_one_is_still_a_503(signed_in):
    def fail(*_args: object, **_kwargs: object) -> None:
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError as error:
            raise RuntimeError("while loading the session") from error

    with mock.patch.object(connection, "ensure_connection", side_effect=fail):
        response = signed_in.get("/")
    assert response.status_code == 503 and "Retry-After" in response


def test_the_health_endpoint_keeps_its_own_answer(db, settings):
    settings.DEBUG = False
    probe = Client(raise_request_exception=False)  # a load balancer: no session cookie
    down = OperationalError("could not connect to server")
    with mock.patch.object(connection, "ensure_connection", side_effect=down):
        response = probe.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable", "cache": "ok"}
    assert probe.get("/health/").json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "worker": "in-process",
        "worker_seen_at": None,
    }
