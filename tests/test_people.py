"""People and names: who may be invited under which username, the display name everyone sees,
and changing or resetting a password."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Profile
from accounts.people import display_name
from assessment.models import AuditEvent, Membership
from assessment.templatetags.people import person

from .factories import (
    PASSWORD,
    deliver_mail,
    make_country,
    make_user,
    sign_in_with_second_factor,
)

Role = Membership.Role
NEW_PASSWORD = "another-long-passphrase"

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator():
    # "pacey" can be spelled entirely in Cyrillic look-alikes: расеу.
    return make_user("pacey", country=make_country("XA", "Arvenia (demo)"), role=Role.COORDINATOR)


def invite(client: Client, coordinator, email: str = "new@ministry.example") -> str:
    client.force_login(coordinator)
    response = client.post(reverse("assessment:team"), {"email": email, "role": "contributor"})
    assert response.status_code == 302
    client.logout()
    deliver_mail()
    return reverse(
        "assessment:accept_invitation",
        args=[re.search(r"/invitations/(\S+)/", mail.outbox[-1].body).group(1)],
    )


def signs_in(client: Client, username: str, password: str) -> bool:
    """Through the sign-in page, as a person would (django-axes needs the request)."""
    response = client.post(reverse("login"), {"username": username, "password": password})
    client.logout()
    return response.status_code == 302


def account(username: str, name: str = "Nadia Ortiz") -> dict[str, str]:
    return {
        "username": username,
        "display_name": name,
        "password1": "a-long-enough-passphrase",
        "password2": "a-long-enough-passphrase",
    }


# --- usernames --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username",
    ['=HYPERLINK("http://x")', "<b>nadia</b>", "nadia ortiz", "@SUM(1)+x;"],
)
def test_username_with_formula_markup_or_spaces_is_refused(client, coordinator, username):
    accept = invite(client, coordinator)
    response = client.post(accept, account(username))
    assert response.status_code == 200
    assert "Enter a valid username" in response.content.decode()
    assert not get_user_model().objects.exclude(pk=coordinator.pk).exists()


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("расеу", "looks like the username of someone in your team"),  # all Cyrillic
        ("pаcey", "letters of one alphabet only"),  # Cyrillic а inside Latin
        ("ＰＡＣＥＹ", "This username is taken"),  # full-width, same after NFKC and casefold
        ("PACEY", "This username is taken"),
    ],
)
def test_username_that_passes_for_a_team_member_is_refused(client, coordinator, username, message):
    accept = invite(client, coordinator)
    response = client.post(accept, account(username))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert get_user_model().objects.count() == 1


def test_a_username_in_one_other_alphabet_is_welcome(client, coordinator):
    accept = invite(client, coordinator)
    response = client.post(accept, account("павел", "Павел Иванов"))
    assert response.status_code == 302
    assert get_user_model().objects.get(username="павел").profile.display_name == "Павел Иванов"


def test_username_is_stored_normalised(client, coordinator):
    accept = invite(client, coordinator)
    assert client.post(accept, account("ｎａｄｉａ")).status_code == 302
    assert get_user_model().objects.filter(username="nadia").exists()


# --- display names ----------------------------------------------------------------------------


def test_the_display_name_is_shown_instead_of_the_username_and_escaped(client, coordinator):
    accept = invite(client, coordinator)
    assert client.post(accept, account("nadia", "<b>Nadia</b> Ortiz")).status_code == 302
    nadia = get_user_model().objects.get(username="nadia")
    assert nadia.profile.display_name == "<b>Nadia</b> Ortiz"
    event = AuditEvent.objects.get(action="membership.added")
    assert event.after["display_name"] == "<b>Nadia</b> Ortiz"
    home = client.get(reverse("home")).content.decode()  # the user menu
    assert "&lt;b&gt;Nadia&lt;/b&gt; Ortiz" in home and "<b>Nadia</b>" not in home
    client.force_login(coordinator)
    team = client.get(reverse("assessment:team")).content.decode()
    assert ">&lt;b&gt;Nadia&lt;/b&gt; Ortiz</td>" in team


@pytest.mark.parametrize("name", ["Nadia\u202eztrO", "Nadia\x07", "Na\u200bdia", "   "])
def test_display_name_with_control_or_invisible_characters_is_refused(client, coordinator, name):
    accept = invite(client, coordinator)
    response = client.post(accept, account("nadia", name))
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="nadia").exists()


def test_person_falls_back_to_full_name_then_username(coordinator):
    assert person(coordinator) == "pacey"
    coordinator.first_name, coordinator.last_name = "Pat", "Acey"
    assert person(coordinator) == "Pat Acey"
    Profile.objects.create(user=coordinator, display_name="Pat A.")
    coordinator.refresh_from_db()
    assert person(coordinator) == display_name(coordinator) == "Pat A."
    assert person(None) == "—"


def test_display_names_are_readable_in_the_admin(client, coordinator):
    Profile.objects.create(user=coordinator, display_name="Pat Acey")
    root = make_user("root", role=Role.ADMIN)
    root.is_staff = root.is_superuser = True
    root.save()
    sign_in_with_second_factor(client, root)
    page = client.get(reverse("admin:accounts_profile_changelist"))
    assert page.status_code == 200
    assert "Pat Acey" in page.content.decode()


def test_demo_users_have_display_names(frameworks, settings):
    from django.core.management import call_command

    settings.DEBUG = True  # the demo is for development servers
    call_command("demo")
    demo_users = get_user_model().objects.filter(username__startswith="demo-")
    assert demo_users.count() == 10
    names = {u.username: person(u) for u in demo_users.select_related("profile")}
    assert names["demo-xa-coordinator"] == "Arvenia country coordinator"
    assert names["demo-secretariat-admin"] == "Secretariat admin"
    assert all(name != username for username, name in names.items())


# --- password change and reset ----------------------------------------------------------------


def test_sign_in_page_and_user_menu_link_to_the_password_pages(client, coordinator):
    login = client.get(reverse("login")).content.decode()
    assert reverse("accounts:password_reset") in login and "Forgot your password?" in login
    client.force_login(coordinator)
    home = client.get(reverse("home")).content.decode()
    assert reverse("accounts:password_change") in home and "Change password" in home


def test_password_change_checks_the_old_one_and_the_validators_and_is_recorded(client, coordinator):
    client.force_login(coordinator)
    change = reverse("accounts:password_change")
    wrong = client.post(
        change,
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200 and "incorrectly" in wrong.content.decode()
    weak = client.post(
        change, {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"}
    )
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    assert not AuditEvent.objects.filter(action="password.changed").exists()
    done = client.post(
        change,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password is changed" in done.content.decode()
    event = AuditEvent.objects.get(action="password.changed")
    assert (event.actor, event.country_id) == (coordinator, "XA")
    assert NEW_PASSWORD not in str(event.before) + str(event.after)
    client.logout()
    assert signs_in(client, "pacey", NEW_PASSWORD)
    assert not signs_in(client, "pacey", PASSWORD)


def test_password_change_needs_sign_in(client):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_password_reset_does_not_tell_whether_the_address_has_an_account(client, coordinator):
    coordinator.email = "pacey@ministry.example"
    coordinator.save()
    reset = reverse("accounts:password_reset")
    unknown = client.post(reset, {"email": "nobody@ministry.example"})
    known = client.post(reset, {"email": "pacey@ministry.example"})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == reverse("accounts:password_reset_done")
    deliver_mail()
    assert [m.to for m in mail.outbox] == [["pacey@ministry.example"]]


def test_password_reset_link_sets_a_new_password_once(client, coordinator):
    coordinator.email = "pacey@ministry.example"
    coordinator.save()
    client.post(reverse("accounts:password_reset"), {"email": "pacey@ministry.example"})
    deliver_mail()
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    saved = client.post(
        set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert "Your new password is saved" in saved.content.decode()
    assert AuditEvent.objects.filter(action="password.reset", actor=coordinator).count() == 1
    assert signs_in(client, "pacey", NEW_PASSWORD)
    client.logout()
    again = client.get(link, follow=True)
    assert "This link does not work" in again.content.decode()
