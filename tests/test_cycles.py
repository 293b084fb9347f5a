"""Issue 26: member countries and focal points invited from the app; a cycle opened; the
board; deadlines extended per country."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assessment.models import Assessment, Membership
from cycles import board
from cycles.models import AllianceMember, DeadlineExtension, FocalPoint
from outbox.models import OutgoingEmail

from .factories import (
    answer_all,
    deliver_mail,
    make_assessment,
    make_country,
    make_cycle,
    make_member,
    make_user,
    sign_in_with_second_factor,
)

Role = Membership.Role


@pytest.fixture
def admin_client(client, frameworks):
    sign_in_with_second_factor(client, make_user("ad", role=Role.ADMIN))
    return client


def accept_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def test_a_focal_point_is_invited_in_their_language_and_becomes_coordinator(admin_client, client):
    country = make_country("XA", "Arvenia (demo)")
    response = admin_client.post(
        reverse("cycles:members"), {"country": "XA", "member_since": "2019-05-01"}
    )
    assert response.status_code == 302
    assert AllianceMember.objects.get().member_since.isoformat() == "2019-05-01"
    response = admin_client.post(
        reverse("cycles:focal_point_add", args=["XA"]),
        {"name": "Amélie Roy", "email": "amelie@gouv.example", "language": "fr"},
    )
    assert response.status_code == 302
    assert deliver_mail() == 1
    [message] = mail.outbox
    assert message.to == ["amelie@gouv.example"]
    assert "Arvenia" in message.subject and "Invitation" in message.subject
    assert "Ouvrez ce lien" in message.body  # French, the focal point's language
    assert "password" not in message.body.lower() and "mot de passe" not in message.body
    page = admin_client.get(reverse("cycles:members")).content.decode()
    assert "Amélie Roy" in page and "Invited" in page
    admin_client.logout()
    path = accept_link(message)
    form = {
        "username": "amelie",
        "display_name": "Amélie Roy",
        "password1": "a-long-enough-passphrase",
        "password2": "a-long-enough-passphrase",
    }
    assert client.post(path, form).status_code == 302
    user = get_user_model().objects.get(username="amelie")
    assert (user.membership.role, user.membership.country) == (Role.COORDINATOR, country)


def test_a_bounced_or_expired_invitation_is_shown_and_can_be_sent_again(admin_client, settings):
    make_member(make_country("XA", "Arvenia (demo)"), ("Ana", "ana@gov.example", "es"))
    fp = FocalPoint.objects.get()
    page = admin_client.get(reverse("cycles:members")).content.decode()
    assert "Not invited" in page
    admin_client.post(reverse("cycles:focal_point_invite", args=[fp.uuid]))
    OutgoingEmail.objects.update(state=OutgoingEmail.State.FAILED, last_error="550 no such user")
    page = admin_client.get(reverse("cycles:members")).content.decode()
    assert "Invitation refused by the mail server" in page
    admin_client.post(reverse("cycles:focal_point_invite", args=[fp.uuid]))
    fp.refresh_from_db()
    page = admin_client.get(reverse("cycles:members")).content.decode()
    assert "Invited" in page and "refused" not in page
    assert OutgoingEmail.objects.filter(state="pending").count() == 1
    # Older than the invitation's lifetime: expired, and again it can be re-sent.
    fp.invitation.__class__.objects.filter(pk=fp.invitation.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.INVITATION_MAX_AGE_SECONDS + 60)
    )
    assert "Invitation expired" in admin_client.get(reverse("cycles:members")).content.decode()


def test_a_focal_point_form_with_bad_input_says_why_and_stores_nothing(admin_client):
    make_member(make_country("XA", "Arvenia (demo)"))
    response = admin_client.post(
        reverse("cycles:focal_point_add", args=["XA"]),
        {"name": "", "email": "not-an-address", "language": "xx"},
    )
    assert response.status_code == 422
    assert "Enter a valid email address" in response.content.decode()
    assert not FocalPoint.objects.exists() and not OutgoingEmail.objects.exists()


def test_opening_a_cycle_invites_every_member_focal_point_once(admin_client):
    make_member(make_country("XA", "Arvenia (demo)"), ("Ana", "ana@gov.example", "es"))
    make_member(
        make_country("XB", "Belmora (demo)"),
        ("Bea", "bea@gov.example", "pt"),
        ("Bilal", "bilal@gov.example", "ar"),
    )
    make_country("XC", "Not a member (demo)")
    cycle = make_cycle(2027, message="Please start early.")
    for _ in range(2):  # a second click invites nobody again
        assert admin_client.post(reverse("cycles:open", args=[2027])).status_code == 302
    deliver_mail()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ana@gov.example",
        "bea@gov.example",
        "bilal@gov.example",
    ]
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "Please start early." in by_address["bea@gov.example"].body
    assert "Abra este link" in by_address["bea@gov.example"].body  # Portuguese
    assert "افتح هذا الرابط" in by_address["bilal@gov.example"].body  # Arabic
    cycle.refresh_from_db()
    assert cycle.opened_at is not None


def test_a_cycle_with_a_deadline_before_its_opening_is_refused(admin_client):
    response = admin_client.post(
        reverse("cycles:list"),
        {
            "year": "2028",
            "opens_on": "2028-03-01",
            "deadline": "2028-02-01",
            "reminder_days_text": "14, 7, 1",
        },
    )
    assert response.status_code == 422
    assert "The deadline must be on or after the opening date" in response.content.decode()


@pytest.fixture
def board_world(frameworks):
    today = timezone.localdate()
    cycle = make_cycle(2026, deadline=today + timedelta(days=5))
    countries = {
        code: make_country(code, f"{name} (demo)", hemisphere=h)
        for code, name, h in (
            ("XA", "Arvenia", "south"),
            ("XB", "Belmora", "north"),
            ("XC", "Corvalia", "south"),
        )
    }
    for c in countries.values():
        make_member(c, (f"fp {c.pk}", f"{c.pk.lower()}@gov.example", "en"))
    draft = make_assessment(countries["XA"], 2026)
    validated = make_assessment(countries["XB"], 2026)
    Assessment.objects.filter(pk=validated.pk).update(status="validated")
    return {"cycle": cycle, "draft": draft, "countries": countries}


def rows_by_code(cycle, **filters):
    today = timezone.localdate()
    return {
        r.country.pk: r for r in board.board_rows(cycle, board.BoardFilters(**filters), today=today)
    }


def test_the_board_shows_each_member_state_and_days_to_the_deadline(board_world):
    rows = rows_by_code(board_world["cycle"])
    assert {c: r.assessment_status for c, r in rows.items()} == {
        "XA": "draft",
        "XB": "validated",
        "XC": "not_started",
    }
    assert rows["XA"].days_left == 5 and rows["XA"].deadline_words == "5 days left"
    assert rows["XB"].deadline_words == ""  # with the secretariat: no countdown
    assert rows["XA"].last_activity is not None and rows["XC"].last_activity is None
    assert {c: r.focal_state for c, r in rows.items()} == dict.fromkeys(rows, "not_invited")
    assert set(rows_by_code(board_world["cycle"], hemisphere="north")) == {"XB"}
    assert set(rows_by_code(board_world["cycle"], status="not_started")) == {"XC"}


def test_an_extension_is_recorded_with_its_reason_and_moves_that_country_only(
    board_world, admin_client
):
    url = reverse("cycles:extend", args=[2026, "XA"])
    bad = admin_client.post(url, {"deadline": "2001-01-01", "reason": "x"})
    assert bad.status_code == 422 and not DeadlineExtension.objects.exists()
    new = timezone.localdate() + timedelta(days=40)
    response = admin_client.post(url, {"deadline": new.isoformat(), "reason": "Elections."})
    assert response.status_code == 302
    rows = rows_by_code(board_world["cycle"])
    assert (rows["XA"].deadline, rows["XA"].extended, rows["XA"].days_left) == (new, True, 40)
    assert rows["XC"].days_left == 5
    assert "Elections." in admin_client.get(url).content.decode()


def test_overdue_countries_are_filtered_and_a_submitted_one_is_not_overdue(board_world):
    cycle = board_world["cycle"]
    cycle.deadline = timezone.localdate() - timedelta(days=3)
    cycle.save()
    rows = rows_by_code(cycle, status="overdue")
    assert set(rows) == {"XA", "XC"}
    assert rows["XA"].deadline_words == "3 days overdue"


def board_outputs(client) -> tuple[str, str, list]:
    html = client.get(reverse("cycles:board", args=[2026])).content.decode()
    html = re.sub(r'csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"', "", html)
    csv = client.get(reverse("cycles:board_export", args=[2026, "csv"])).content.decode()
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("cycles:board_export", args=[2026, "xlsx"])).content)
    )
    return html, csv, [list(r) for r in book.active.iter_rows(values_only=True)]


def api_board(user, **params):
    from django.test import Client
    from rest_framework.authtoken.models import Token

    key = Token.objects.get_or_create(user=user)[0].key
    return Client(HTTP_AUTHORIZATION=f"Token {key}").get(
        reverse("api:cycle_board", args=[2026]), params
    )


def test_a_drafts_answers_change_nothing_on_the_board_or_its_exports(board_world, admin_client):
    analyst = make_user("an", role=Role.ANALYST)
    before = board_outputs(admin_client), api_board(analyst).json()
    answer_all(board_world["draft"], default="4", evidence="Our national strategy.")
    after = board_outputs(admin_client), api_board(analyst).json()
    assert before == after
    assert "Our national strategy" not in after[0][0]
    assert "Draft" in after[0][1] and "Validated" in after[0][1]
    assert {r["country"]: r["assessment"] for r in after[1]} == {
        "XA": "draft",
        "XB": "validated",
        "XC": "not_started",
    }
    assert set(after[1][0]) == {
        "country",
        "name",
        "region_code",
        "hemisphere",
        "member_since",
        "focal_point",
        "assessment",
        "last_activity",
        "deadline",
        "extended",
        "days_left",
        "overdue",
    }


def test_the_board_api_is_for_the_secretariat_and_filters_as_the_page(board_world):
    country_user = make_user("cd", country=board_world["countries"]["XA"], role=Role.COORDINATOR)
    assert api_board(country_user).status_code == 403
    analyst = make_user("an", role=Role.ANALYST)
    rows = api_board(analyst, status="not_started").json()
    assert [(r["country"], r["days_left"]) for r in rows] == [("XC", 5)]


def test_the_board_page_and_exports_sort_filter_and_name_columns_in_words(
    board_world, admin_client
):
    page = admin_client.get(
        reverse("cycles:board", args=[2026]), {"sort": "country", "dir": "desc"}
    )
    html = page.content.decode()
    assert html.index("Corvalia") < html.index("Belmora") < html.index("Arvenia")
    csv = admin_client.get(
        reverse("cycles:board_export", args=[2026, "csv"]), {"status": "draft"}
    ).content.decode("utf-8-sig")
    header, *lines = csv.strip().splitlines()
    assert header.startswith("Country,ISO code,UN region")
    assert len(lines) == 1 and lines[0].startswith("Arvenia (demo),XA")
    french = admin_client.get(
        reverse("cycles:board_export", args=[2026, "csv"]), HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert french.content.decode("utf-8-sig").startswith("Pays,")


def test_the_board_query_count_does_not_grow_with_the_countries(
    board_world, admin_client, django_assert_max_num_queries
):
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(reverse("cycles:board", args=[2026])).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for i in range(20):
        code = f"X{chr(ord('D') + i)}"
        c = make_country(code, f"Country {code} (demo)")
        make_member(c, ("fp", f"{code}@gov.example", "en"))
        make_assessment(c, 2026)
    assert count() == small


def test_the_board_says_when_the_worker_has_not_been_seen(board_world, admin_client, settings):
    from outbox.worker import heartbeat_record

    url = reverse("cycles:board", args=[2026])
    assert 'id="worker-late"' not in admin_client.get(url).content.decode()  # in-process
    settings.CELERY_TASK_ALWAYS_EAGER = False
    heartbeat_record(now=timezone.now() - timedelta(hours=1))
    assert 'id="worker-late"' in admin_client.get(url).content.decode()
    heartbeat_record()
    assert 'id="worker-late"' not in admin_client.get(url).content.decode()


def test_an_assessment_started_in_a_cycle_uses_the_cycles_framework_versions(no_frameworks, client):
    """Issue 26: the secretariat opens a cycle with the framework versions it uses; a country
    starting its assessment of that cycle is pinned to them, not to whatever was loaded last.
    A year with no cycle in the app still starts on the latest versions."""
    from pathlib import Path

    from frameworks.loader import load_frameworks
    from frameworks.models import FrameworkVersion

    data = Path(__file__).resolve().parent.parent / "frameworks" / "data"
    load_frameworks(sorted((data / "archive").glob("*-v1.yaml")))
    first = {k: FrameworkVersion.objects.latest_of_kind(k) for k in ("mnr", "legislation")}
    make_cycle(2026, mnr_version=first["mnr"], legislation_version=first["legislation"])
    load_frameworks()  # a corrected version arrives after the cycle opened
    latest_mnr = FrameworkVersion.objects.latest_of_kind("mnr")
    assert latest_mnr != first["mnr"]
    country = make_country("XA", "Arvenia (demo)")
    client.force_login(make_user("co", country=country, role=Role.COORDINATOR))
    for year in (2026, 2028):
        assert client.post(reverse("assessment:start"), {"cycle": year}).status_code == 302
    in_cycle = Assessment.objects.get(country=country, cycle=2026)
    assert in_cycle.mnr_version == first["mnr"]
    assert in_cycle.legislation_version == first["legislation"]
    assert Assessment.objects.get(country=country, cycle=2028).mnr_version == latest_mnr


def test_the_board_stacks_on_a_phone_each_cell_named_by_its_column(board_world, admin_client):
    """Issue 24's rule for tables read row by row: on a phone each row is a block and each
    cell says its column's name (`data-label`), in the reader's language."""
    admin_client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    page = admin_client.get(reverse("cycles:board", args=[2026])).content.decode()
    table = page[page.index('id="board"') - 60 : page.index("</table>", page.index('id="board"'))]
    assert 'class="table table-sm table-stack" id="board"' in table
    body = table[table.index("<tbody>") :]
    cells = re.findall(r"<td( [^>]*)?>", body)
    assert len(cells) == 3 * 6  # three members, five columns and the extension link
    assert all('data-label="' in (attrs or "") for attrs in cells)
    assert 'data-label="Date limite"' in body or 'data-label="Échéance"' in body
