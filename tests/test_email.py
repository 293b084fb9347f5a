"""Production email: the SMTP settings come from the environment, and an invitation and a
password reset really travel over SMTP (to a server on loopback) with links that work."""

from __future__ import annotations

import email
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.urls import reverse

from assessment.models import Membership

from .factories import deliver_mail, make_country, make_user

ROOT = Path(__file__).resolve().parent.parent
SENDER = "MNR Self-Assessment <no-reply@mnr.example.org>"


class Inbox:
    """aiosmtpd handler: keeps every message the server accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = SENDER
    try:
        yield inbox
    finally:
        controller.stop()


def body_and_path(message: EmailMessage) -> tuple[str, str]:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return body, re.search(r"https?://[^/\s]+(/\S+)", body).group(1)


def settings_in_subprocess(env: dict[str, str], *names: str) -> list[str]:
    """The settings module as a fresh process reads it from this environment."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"print('\\n'.join(str(getattr(settings, n)) for n in {list(names)!r}))"
    )
    keep = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        env=keep | {"DJANGO_SETTINGS_MODULE": "config.settings"} | env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


def test_email_settings_are_read_from_the_environment():
    names = (
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD",
        "EMAIL_USE_TLS",
        "EMAIL_USE_SSL",
        "EMAIL_TIMEOUT",
        "DEFAULT_FROM_EMAIL",
    )
    env = {
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": "465",
        "EMAIL_HOST_USER": "mailer",
        "EMAIL_HOST_PASSWORD": "secret",
        "EMAIL_USE_SSL": "1",
        "EMAIL_TIMEOUT": "12",
        "DEFAULT_FROM_EMAIL": SENDER,
    }
    assert settings_in_subprocess(env, *names) == [
        "django.core.mail.backends.smtp.EmailBackend",  # EMAIL_HOST set, EMAIL_BACKEND not
        "smtp.example.org",
        "465",
        "mailer",
        "secret",
        "False",
        "True",
        "12",
        SENDER,
    ]
    assert settings_in_subprocess({}, "EMAIL_BACKEND") == [
        "django.core.mail.backends.console.EmailBackend"
    ]
    chosen = {"EMAIL_HOST": "smtp.example.org", "EMAIL_BACKEND": "x.Backend"}
    assert settings_in_subprocess(chosen, "EMAIL_BACKEND") == ["x.Backend"]


@pytest.mark.django_db
def test_invitation_arrives_over_smtp_and_its_link_creates_the_account(client, smtp_inbox):
    coordinator = make_user(
        "pacey", country=make_country("XA", "Arvenia (demo)"), role=Membership.Role.COORDINATOR
    )
    client.force_login(coordinator)
    response = client.post(
        reverse("assessment:team"), {"email": "nadia@ministry.example", "role": "contributor"}
    )
    assert response.status_code == 302
    assert deliver_mail() == 1
    [message] = smtp_inbox.messages
    assert message["To"] == "nadia@ministry.example"
    assert message["From"] == SENDER
    assert "Arvenia (demo)" in message["Subject"]
    _body, path = body_and_path(message)
    client.logout()
    assert client.get(path).status_code == 200
    accepted = client.post(
        path,
        {
            "username": "nadia",
            "display_name": "Nadia Ortiz",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )
    assert accepted.status_code == 302
    nadia = get_user_model().objects.get(username="nadia")
    assert (nadia.email, nadia.profile.display_name) == ("nadia@ministry.example", "Nadia Ortiz")
    assert nadia.membership.country_id == "XA"


@pytest.mark.django_db
def test_password_reset_arrives_over_smtp_and_its_link_sets_the_password(client, smtp_inbox):
    user = make_user("pacey", country=make_country("XA", "Arvenia (demo)"))
    user.email = "pacey@ministry.example"
    user.save()
    response = client.post(reverse("accounts:password_reset"), {"email": "PACEY@ministry.example"})
    assert response.status_code == 302
    assert deliver_mail() == 1
    [message] = smtp_inbox.messages
    assert message["To"] == "pacey@ministry.example"
    assert message["From"] == SENDER
    body, path = body_and_path(message)
    assert "pacey" in body  # the username, for who forgot that too
    form = client.get(path, follow=True)
    assert form.status_code == 200
    new = "a-brand-new-passphrase"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )
    assert "Your new password is saved" in done.content.decode()
    signed_in = client.post(reverse("login"), {"username": "pacey", "password": new})
    assert signed_in.status_code == 302


# ------------------------------------------------------------------ links from SITE_URL (issue 22)

FORGED_HOST = "127.0.0.1:6666"  # an allowed host name with a port the site is not served on


def links_in(message: EmailMessage) -> list[str]:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.findall(r"https?://\S+", body)


@pytest.mark.django_db
def test_email_links_come_from_site_url_never_from_the_request_host(client, smtp_inbox, settings):
    """The invitation and the password reset were mailed with `https://127.0.0.1:6666/…` when
    the request said `Host: 127.0.0.1:6666`; now their links start with SITE_URL."""
    settings.SITE_URL = "https://mnr.example.org"
    coordinator = make_user(
        "pacey", country=make_country("XA", "Arvenia (demo)"), role=Membership.Role.COORDINATOR
    )
    coordinator.email = "pacey@ministry.example"
    coordinator.save()
    client.force_login(coordinator)
    invited = client.post(
        reverse("assessment:team"),
        {"email": "nadia@ministry.example", "role": "contributor"},
        HTTP_HOST=FORGED_HOST,
    )
    assert invited.status_code == 302
    client.logout()
    reset = client.post(
        reverse("accounts:password_reset"),
        {"email": "pacey@ministry.example"},
        HTTP_HOST=FORGED_HOST,
    )
    assert reset.status_code == 302
    assert deliver_mail() == 2  # the outbox holds both; the worker sends them
    invitation, reset_mail = smtp_inbox.messages
    for message in (invitation, reset_mail):
        [link] = links_in(message)
        assert link.startswith("https://mnr.example.org/"), link
        assert "6666" not in message.get_body(preferencelist=("plain",)).get_content()
    assert "/invitations/" in links_in(invitation)[0]
    assert "/password/reset/" in links_in(reset_mail)[0]


def test_production_refuses_to_start_without_an_https_site_url():
    env = {"DEBUG": "0", "SECRET_KEY": "x" * 64, "ALLOWED_HOSTS": "mnr.example.org"}
    keep = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "DEBUG")}
    for site_url, starts in (
        ("", False),
        ("http://mnr.example.org", False),
        ("https://m.org", True),
    ):
        result = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", "import django; django.setup()"],
            env=keep | {"DJANGO_SETTINGS_MODULE": "config.settings", "SITE_URL": site_url} | env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert (result.returncode == 0) is starts, result.stderr
        assert starts or "SITE_URL" in result.stderr


def test_site_url_defaults_to_the_development_server_and_is_checked():
    assert settings_in_subprocess({}, "SITE_URL") == ["http://127.0.0.1:8000"]
    assert settings_in_subprocess({"SITE_URL": "https://mnr.example.org/"}, "SITE_URL") == [
        "https://mnr.example.org"
    ]
    for bad in ("mnr.example.org", "ftp://mnr.example.org", "https://mnr.example.org/app?x=1"):
        with pytest.raises(subprocess.CalledProcessError) as refused:
            settings_in_subprocess({"SITE_URL": bad}, "SITE_URL")
        assert "SITE_URL" in refused.value.stderr, bad
