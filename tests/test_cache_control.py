"""Shared computers: after sign-out, the browser's cache must hold nothing the app served.

Every response but /health/ says `Cache-Control: no-store, private` (accounts.middleware.
NoStoreMiddleware); the permission walk in test_permissions.py checks it on every URL and role.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from assessment import evidence, frameworks_cache, team
from assessment.models import Assessment, Invitation, Membership

from .factories import PASSWORD, answer_all, make_assessment, make_country, make_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def assert_not_stored(response: HttpResponse) -> None:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, response.get("Cache-Control")


@pytest.fixture
def coordinator_world(frameworks: None, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    country = make_country("XA", "Arvenia (demo)")
    user = make_user("cd", country=country, role=Membership.Role.COORDINATOR)
    assessment: Assessment = make_assessment(country)
    answer_all(assessment)
    record = evidence.evidence_add(
        assessment=assessment,
        capability=frameworks_cache.mnr_tree(assessment.mnr_version).capabilities[3],
        upload=SimpleUploadedFile("e.pdf", PDF),
        user=None,
    )
    client = Client()
    client.force_login(user)
    return {"client": client, "user": user, "assessment": assessment, "evidence": record}


def test_signed_in_pages_exports_and_downloads_are_not_stored(coordinator_world):
    client: Client = coordinator_world["client"]
    a: Assessment = coordinator_world["assessment"]
    pdf = client.get(reverse("assessment:export", args=[a.uuid, "pdf"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert_not_stored(pdf)

    download = client.get(
        reverse("assessment:evidence_download", args=[a.uuid, coordinator_world["evidence"].uuid])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert_not_stored(download)

    change_log = client.get(reverse("assessment:history", args=[a.uuid]), {"format": "csv"})
    assert change_log.status_code == 200 and change_log["Content-Type"].startswith("text/csv")
    assert_not_stored(change_log)

    capability = client.get(reverse("assessment:capability", args=[a.uuid, "C04"]))
    assert capability.status_code == 200
    assert_not_stored(capability)


def test_api_responses_are_not_stored(coordinator_world):
    cache.clear()  # the throttle counts of earlier tests
    key = Token.objects.create(user=coordinator_world["user"]).key
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get(reverse("api:assessment", args=[coordinator_world["assessment"].uuid]))
    assert response.status_code == 200
    assert_not_stored(response)
    # A refusal too: it tells whoever looks that the address holds an API.
    assert_not_stored(Client().get(reverse("api:countries")))


def test_sign_in_invitation_and_two_factor_pages_are_not_stored(client):
    country = make_country()
    make_user("carla", country=country)
    # The invitation page is anonymous but names the invitee and carries the token in its URL.
    invitation = Invitation.objects.create(country=country, email="n@x.example", role="contributor")
    invited = client.get(
        reverse("assessment:accept_invitation", args=[team.invitation_token(invitation)])
    )
    assert invited.status_code == 200 and "n@x.example" in invited.content.decode()
    assert_not_stored(invited)
    login = client.get(reverse("login"))
    assert login.status_code == 200 and "csrfmiddlewaretoken" in login.content.decode()
    assert_not_stored(login)
    signed_in = client.post(reverse("login"), {"username": "carla", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert_not_stored(signed_in)
    setup = client.get(reverse("accounts:two_factor"))
    assert setup.status_code == 200
    assert_not_stored(setup)


def test_the_lockout_page_is_not_stored(client):
    make_user("carla", country=make_country())
    for _ in range(5):
        client.post(reverse("login"), {"username": "carla", "password": "wrong-password-123"})
    response = client.post(reverse("login"), {"username": "carla", "password": PASSWORD})
    assert response.status_code == 429
    assert_not_stored(response)
