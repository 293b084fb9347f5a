"""Issue 22 §5: an upload over its URL's limit is refused while it arrives, with a clear page.

The evidence (20 MB), workbook (5 MB) and published-review (2 MB) uploads were refused only
after the whole body had arrived: a 150 MB file was read in full first. Now the app stops
reading at the limit (config/uploads.py). The live-server tests send the headers of a large
upload and only the first megabyte of its body, then wait for the answer: it comes without the
rest, which the server never needed. Before, the server waited for all of it (timeout).
"""

from __future__ import annotations

import socket
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessment.models import EvidenceFile, Membership

from .factories import make_assessment, make_country, make_user, sign_in_with_second_factor

MB = 1024 * 1024
BOUNDARY = "----mnr-upload-limit-test"
FRENCH_ONE_MB = "Le fichier dépasse 1 Mo."


@pytest.fixture
def people(frameworks) -> dict[str, Any]:
    country = make_country("XA", "Arvenia (demo)")
    coordinator = make_user("cd", country=country, role=Membership.Role.COORDINATOR)
    admin = make_user("ad", role=Membership.Role.ADMIN)
    return {"coordinator": coordinator, "admin": admin, "assessment": make_assessment(country)}


def upload_urls(people: dict[str, Any]) -> dict[str, tuple[str, str, int]]:
    """URL name -> (path, who posts, limit in bytes)."""
    a = people["assessment"]
    return {
        "evidence": (
            reverse("assessment:evidence_upload", args=[a.uuid, "C04"]),
            "coordinator",
            settings.EVIDENCE_MAX_UPLOAD_BYTES,
        ),
        "workbook": (
            reverse("assessment:workbook_upload", args=[a.uuid]),
            "coordinator",
            settings.WORKBOOK_MAX_UPLOAD_BYTES,
        ),
        "review": (reverse("secretariat_import:upload"), "admin", 2 * MB),
    }


def signed_in(people: dict[str, Any], role: str) -> Client:
    client = Client()
    if role == "admin":
        sign_in_with_second_factor(client, people["admin"])
    else:
        client.force_login(people[role])
    return client


def test_the_limits_are_the_documented_ones():
    assert settings.EVIDENCE_MAX_UPLOAD_BYTES == 20 * MB
    assert settings.WORKBOOK_MAX_UPLOAD_BYTES == 5 * MB


@pytest.mark.parametrize("kind", ["evidence", "workbook", "review"])
def test_a_file_over_the_limit_gets_a_page_that_says_the_limit(people, kind):
    path, role, limit = upload_urls(people)[kind]
    client = signed_in(people, role)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (limit + 300 * 1024))
    response = client.post(path, {"file": big}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    page = response.content.decode()
    assert f"The file is larger than {limit // MB} MB." in page
    assert "Nothing was saved" in page
    assert not EvidenceFile.objects.exists()


def test_the_file_bytes_are_counted_when_the_declared_length_is_within_the_margin(people, settings):
    """A body just over the limit (within the room left for the form's other fields) is read,
    and the file refused as soon as its bytes pass the limit."""
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1 * MB
    path, role, _limit = upload_urls(people)["evidence"]
    client = signed_in(people, role)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (MB + 100 * 1024))
    response = client.post(path, {"file": big}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 413
    assert FRENCH_ONE_MB in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_a_file_within_the_limit_is_still_attached(people, settings):
    settings.EVIDENCE_ROOT = settings.BASE_DIR / "private" / "test-evidence-limits"
    path, role, _limit = upload_urls(people)["evidence"]
    client = signed_in(people, role)
    pdf = SimpleUploadedFile("fine.pdf", b"%PDF-1.4\n" + b"0" * (2 * MB) + b"\n%%EOF\n")
    response = client.post(path, {"file": pdf})
    assert response.status_code == 302
    assert EvidenceFile.objects.count() == 1


def raw_upload(url: str, path: str, cookie: str, declared: int, send: int) -> tuple[bytes, float]:
    """POST a multipart body that declares `declared` bytes but sends only `send` of them, then
    read the answer (10 s at most). Returns what came back and how long it took."""
    host = urlsplit(url)
    # A valid CSRF cookie and token, as the browser sends them: the token check reads the body.
    csrf = "a" * 32
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{csrf}\r\n"
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {host.hostname}:{host.port}\r\n"
        f"Cookie: {cookie}; csrftoken={csrf}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {declared}\r\nAccept-Language: en\r\n\r\n"
    ).encode()
    started = time.monotonic()
    with socket.create_connection((host.hostname, host.port), timeout=10) as s:
        s.sendall(request + head)
        sent = len(head)
        chunk = b"0" * 65536
        try:
            while sent < send:
                s.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the server may close early: what it answered is read below
        answer = b""
        try:
            while b"</html>" not in answer:
                data = s.recv(65536)
                if not data:
                    break
                answer += data
        except TimeoutError:
            pass
    return answer, time.monotonic() - started


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "kind, declared", [("evidence", 150 * MB), ("workbook", 25 * MB), ("review", 25 * MB)]
)
def test_the_live_server_answers_before_the_body_has_arrived(
    live_server, frameworks, kind, declared
):
    country = make_country("XA", "Arvenia (demo)")
    people = {
        "coordinator": make_user("cd", country=country, role=Membership.Role.COORDINATOR),
        "admin": make_user("ad", role=Membership.Role.ADMIN),
        "assessment": make_assessment(country),
    }
    path, role, limit = upload_urls(people)[kind]
    client = signed_in(people, role)
    cookie = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
    # One megabyte of a body that declares far more: the answer must not wait for the rest.
    answer, seconds = raw_upload(live_server.url, path, cookie, declared, send=1 * MB)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert f"The file is larger than {limit // MB} MB.".encode() in answer
    assert seconds < 8, seconds
