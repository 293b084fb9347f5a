"""Sign-in throttling per address: guessing passwords across many accounts from one address is
stopped too, not only guessing one account's (accounts.middleware.AddressLimitedAxesHandler).
The per-account rules are in test_hardening.py."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from .factories import PASSWORD, make_country, make_user

pytestmark = pytest.mark.django_db

ATTACKER = "198.51.100.20"
ELSEWHERE = "203.0.113.9"


def sign_in(
    client: Client, username: str, password: str = PASSWORD, address: str = ATTACKER
) -> Any:
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


@pytest.fixture
def accounts() -> list[str]:
    country = make_country()
    names = ["ana", "ben", "cleo", "dev", "eve"]
    for name in names:
        make_user(name, country=country)
    return names


def test_defaults_are_five_per_account_and_twenty_per_address():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_IP_FAILURE_LIMIT == 20


def test_wrong_passwords_across_accounts_lock_the_address_out(client, accounts):
    for name in accounts[:4]:
        for _ in range(5):
            sign_in(client, name, "wrong-password-123")
    # 20 failures from this address: even the right password of an untouched fifth account is
    # refused, with the lockout page.
    response = sign_in(client, accounts[4])
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in paused" in page and 'id="lockout-message"' in page
    assert "_auth_user_id" not in client.session
    # The same account from another address signs in.
    elsewhere = Client()
    assert sign_in(elsewhere, accounts[4], address=ELSEWHERE).status_code == 302


def test_below_the_address_limit_other_accounts_still_sign_in(client, accounts):
    for name in accounts[:4]:
        for _ in range(4):
            sign_in(client, name, "wrong-password-123")
    # 16 failures: no account and not the address is locked.
    assert sign_in(client, accounts[4]).status_code == 302


def test_one_valid_account_does_not_reset_the_address_count(client, accounts):
    # An attacker who owns "eve" signs in with it between guesses: that clears eve's own count
    # only, not the failures against the other accounts from the same address.
    for name in accounts[:4]:
        for _ in range(4):
            sign_in(client, name, "wrong-password-123")
        assert sign_in(client, "eve").status_code == 302
        client.logout()
    for _ in range(4):
        sign_in(client, "ana", "wrong-password-123")  # the pair is locked at its fifth
    assert sign_in(client, "eve").status_code == 429


def test_the_limits_come_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.AXES_FAILURE_LIMIT, settings.AXES_IP_FAILURE_LIMIT)"
    )
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "AXES_FAILURE_LIMIT": "3",
        "AXES_IP_FAILURE_LIMIT": "12",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "12"]


def test_a_huge_username_is_counted_cut_to_a_usernames_length_not_a_500(client):
    """PostgreSQL enforces axes' 255-character column: a 1 MB username was a 500 there."""
    from axes.models import AccessAttempt

    response = client.post(reverse("login"), {"username": "x" * 1_000_000, "password": "nope"})
    assert response.status_code == 200  # the form again, with its error
    assert [len(a.username) for a in AccessAttempt.objects.all()] == [150]
