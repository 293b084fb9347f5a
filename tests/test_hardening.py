"""Sign-in hardening: lockout, sessions, the second factor, the Content-Security-Policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import client_ip
from assessment.models import Membership

from .factories import PASSWORD, make_country, make_user

pytestmark = pytest.mark.django_db

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"


@pytest.fixture
def contributor():
    return make_user("carla", country=make_country("XA", "Arvenia (demo)"))


@pytest.fixture
def secretariat_admin():
    return make_user("sam", role=Membership.Role.ADMIN)


def code_for(device: TOTPDevice) -> str:
    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{token:0{device.digits}d}"


def wrong_code_for(device: TOTPDevice) -> str:
    return f"{(int(code_for(device)) + 500_000) % 1_000_000:06d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def sign_in(client, username: str, password: str = PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


# ---------------------------------------------------------------- login throttling (django-axes)


def test_axes_is_the_first_authentication_backend():
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert settings.AXES_RESET_ON_SUCCESS is True


def test_five_wrong_passwords_lock_out_even_the_right_one(client, contributor):
    for _ in range(4):
        response = sign_in(client, "carla", "wrong-password-123")
        assert response.status_code == 200  # the form again, with its error
    response = sign_in(client, "carla", "wrong-password-123")
    assert response.status_code in (403, 429)

    response = sign_in(client, "carla")
    assert response.status_code in (403, 429)
    page = response.content.decode()
    assert "Sign-in paused" in page
    assert "too many failed attempts to sign in from your network" in page
    assert "30 minutes" in page
    assert 'id="lockout-message"' in page
    # Not signed in: the home page still sends them to sign in.
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("login"))


def test_lockout_is_per_username_and_address(client, contributor):
    make_user("dora", country=contributor.membership.country)
    for _ in range(5):
        sign_in(client, "carla", "wrong-password-123")
    assert sign_in(client, "carla").status_code in (403, 429)
    # Another account from the same address, and the same account from another address, work.
    assert sign_in(client, "dora").status_code == 302
    client.logout()
    assert sign_in(client, "carla", REMOTE_ADDR="203.0.113.9").status_code == 302


def test_a_successful_sign_in_resets_the_count(client, contributor):
    for _ in range(4):
        sign_in(client, "carla", "wrong-password-123")
    assert sign_in(client, "carla").status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, "carla", "wrong-password-123")
    assert sign_in(client, "carla").status_code == 302


def test_client_ip_trusts_only_our_own_proxies(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.7"  # not the client-written 6.6.6.6
    settings.TRUSTED_PROXY_COUNT = 3  # fewer entries than proxies: the header is not trusted
    assert client_ip(request) == "10.0.0.2"


# ---------------------------------------------------------------- sessions and cookies


def test_session_ends_with_the_browser_and_after_eight_hours(client, contributor):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    response = sign_in(client, "carla")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"]
    assert not cookie["expires"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 8 * 3600


def test_cookies_are_same_site_lax():
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"


@pytest.mark.parametrize("url_name", ["set_language", "accounts:language"])
def test_the_language_cookie_has_the_session_cookies_flags(client, contributor, url_name):
    """Issue 22 §5: the language cookie was sent without HttpOnly and SameSite (and without
    Secure in production, tests/test_deploy_check.py); now with the session cookie's flags."""
    sign_in(client, "carla")
    response = client.post(reverse(url_name), {"language": "fr", "next": "/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "fr"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert bool(cookie["secure"]) is settings.SESSION_COOKIE_SECURE


# ---------------------------------------------------------------- second factor: set-up


def test_setup_page_shows_the_key_the_uri_and_an_inline_qr_code(client, contributor):
    client.force_login(contributor)
    response = client.get(reverse("accounts:two_factor"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    device = TOTPDevice.objects.get(user=contributor)
    assert device.confirmed is False
    page = response.content.decode()
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    assert secret[:4] + " " + secret[4:8] in page
    assert "otpauth://totp/" in page
    assert '<svg role="img"' in page
    assert "<title>QR code of the set-up key</title>" in page
    assert '<label class="form-label" for="id_token">' in page
    assert "style=" not in page
    assert "http" not in re.sub(r'(href|action|xmlns)="[^"]*"', "", page).replace(
        "http://www.w3.org", ""
    )
    # Reloading keeps the same key, so a scanned code stays valid.
    client.get(reverse("accounts:two_factor"))
    assert TOTPDevice.objects.filter(user=contributor).count() == 1


def test_setup_with_a_wrong_code_leaves_the_device_unconfirmed(client, contributor):
    client.force_login(contributor)
    client.get(reverse("accounts:two_factor"))
    device = TOTPDevice.objects.get(user=contributor)
    response = client.post(reverse("accounts:two_factor"), {"token": wrong_code_for(device)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "That code is not right." in page
    assert 'aria-invalid="true"' in page
    device.refresh_from_db()
    assert device.confirmed is False


def test_setup_with_the_right_code_turns_it_on(client, contributor):
    client.force_login(contributor)
    client.get(reverse("accounts:two_factor"))
    device = TOTPDevice.objects.get(user=contributor)
    code = code_for(device)
    response = client.post(reverse("accounts:two_factor"), {"token": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    device.refresh_from_db()
    assert device.confirmed is True
    # This session counts as verified: no detour through the verify page.
    assert client.get(reverse("home")).status_code == 200
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert "Two-factor authentication is on" in page
    assert "otpauth://" not in page


# ---------------------------------------------------------------- second factor: signing in


def test_user_with_a_device_must_enter_a_code_and_gets_in_with_the_right_one(client, contributor):
    device = confirmed_device(contributor)
    assert sign_in(client, "carla").status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:verify") + "?next=%2F"
    assert client.get(reverse("frameworks:index")).status_code == 302

    page = client.get(reverse("accounts:verify") + "?next=/").content.decode()
    assert "Enter your sign-in code" in page
    response = client.post(reverse("accounts:verify"), {"token": code_for(device), "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200


def test_user_with_a_device_is_refused_with_a_wrong_code(client, contributor):
    device = confirmed_device(contributor)
    client.force_login(contributor)
    response = client.post(reverse("accounts:verify"), {"token": wrong_code_for(device)})
    assert response.status_code == 200
    assert "That code is not right." in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
    # Guessing is slowed down: straight after a wrong code, even the right one waits.
    response = client.post(reverse("accounts:verify"), {"token": code_for(device)})
    assert "Too many wrong codes." in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_a_code_works_only_once(client, contributor):
    device = confirmed_device(contributor)
    code = code_for(device)
    client.force_login(contributor)
    assert client.post(reverse("accounts:verify"), {"token": code}).status_code == 302
    client.logout()
    client.force_login(contributor)
    assert client.post(reverse("accounts:verify"), {"token": code}).status_code == 200
    assert client.get(reverse("home")).status_code == 302


def test_unverified_user_cannot_add_another_device(client, contributor):
    confirmed_device(contributor)
    client.force_login(contributor)
    response = client.get(reverse("accounts:two_factor"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))
    assert TOTPDevice.objects.filter(user=contributor).count() == 1


def test_verify_does_not_redirect_off_site(client, contributor):
    device = confirmed_device(contributor)
    client.force_login(contributor)
    response = client.post(
        reverse("accounts:verify"), {"token": code_for(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_unverified_user_can_still_sign_out_and_switch_language(client, contributor):
    confirmed_device(contributor)
    client.force_login(contributor)
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response["Location"] == "/"
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_htmx_requests_are_sent_to_the_whole_verify_page(client, contributor):
    confirmed_device(contributor)
    client.force_login(contributor)
    response = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("accounts:verify"))


# ---------------------------------------------------------------- second factor: who must use it


@pytest.mark.parametrize("path_name", ["home", "frameworks:index", "admin:index"])
def test_secretariat_admin_without_a_device_is_sent_to_setup(client, secretariat_admin, path_name):
    client.force_login(secretariat_admin)
    response = client.get(reverse(path_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor"))
    page = client.get(response["Location"]).content.decode()
    assert "Two-factor authentication is required for your role." in page


def test_superuser_without_a_device_is_sent_to_setup(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor"))


def test_secretariat_admin_is_let_in_once_set_up(client, secretariat_admin):
    client.force_login(secretariat_admin)
    client.get(reverse("accounts:two_factor"))
    device = TOTPDevice.objects.get(user=secretariat_admin)
    response = client.post(
        reverse("accounts:two_factor"), {"token": code_for(device), "next": "/frameworks/"}
    )
    assert response["Location"] == "/frameworks/"
    assert client.get(reverse("frameworks:index")).status_code == 200


def test_secretariat_admin_still_reaches_static_files_and_sign_out(client, secretariat_admin):
    client.force_login(secretariat_admin)
    response = client.get(settings.STATIC_URL + "css/app.css")
    assert not (
        response.status_code == 302
        and response["Location"].startswith(reverse("accounts:two_factor"))
    )
    assert client.post(reverse("logout"))["Location"] == reverse("login")


def test_contributor_without_a_device_is_not_forced(client, contributor):
    client.force_login(contributor)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("accounts:two_factor") in page  # the link in the user menu
    assert "Two-factor authentication" in page


def test_analyst_without_a_device_is_not_forced(client):
    analyst = make_user("ana", role=Membership.Role.ANALYST)
    client.force_login(analyst)
    assert client.get(reverse("home")).status_code == 200


# ---------------------------------------------------------------- Content-Security-Policy


def test_pages_carry_a_strict_content_security_policy(client, contributor):
    for response in (client.get(reverse("login")), client.get(reverse("home"))):
        policy = response["Content-Security-Policy"]
        directives = dict(
            (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in policy.split(";"))
        )
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["img-src"] == "'self' data:"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["form-action"] == "'self'"
        assert directives["base-uri"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy


def test_lockout_page_carries_the_policy_too(client, contributor):
    for _ in range(5):
        response = sign_in(client, "carla", "wrong-password-123")
    assert response.status_code in (403, 429)
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_templates_have_no_inline_script_or_style():
    """The policy would block them: behaviour goes in static/js, looks in static/css."""
    offenders = []
    for template in TEMPLATES_DIR.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        text = re.sub(r"{#.*?#}", "", text, flags=re.S)
        text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", text, flags=re.S)
        for pattern in (
            r"<script(?![^>]*\bsrc=)[^>]*>",  # a script without src is inline
            r"<style\b",
            r"\sstyle\s*=",
            r"\son[a-z]+\s*=",  # onclick= and friends
            r"javascript:",
        ):
            for match in re.finditer(pattern, text, flags=re.I):
                offenders.append(f"{template.relative_to(TEMPLATES_DIR)}: {match.group(0)}")
    assert offenders == []


def test_an_empty_code_is_an_error_not_a_silent_reload(client, contributor):
    confirmed_device(contributor)
    client.force_login(contributor)
    response = client.post(reverse("accounts:verify"), {})
    assert "Enter the six digits your app shows." in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
