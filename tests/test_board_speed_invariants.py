"""Issue 26: the cycle board reads its members, countries and focal points as plain values
(cycles/board.py), not as model instances, to render 196 countries within its budget. These
tests hold it to what the models would have said: the same names, regions and focal point
states in every language, the same filter choices, and no row lost or mislabelled by the
shortcuts (filters applied in Python, activity read for every country)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from assessment.models import AuditEvent, Country, Invitation, Membership
from cycles import board, members
from cycles.forms import BoardFilterForm
from cycles.models import AllianceMember, FocalPoint
from outbox.models import OutgoingEmail

from .factories import (
    make_assessment,
    make_country,
    make_cycle,
    make_member,
    make_user,
    sign_in_with_second_factor,
)

REAL = ("FR", "BR", "JP", "KE", "CA")


@pytest.fixture
def world(frameworks, settings):
    """Real and demo members, one demo country in a region M49 does not know, a member who
    left, and focal points in every state (two for one country)."""
    cycle = make_cycle(2026, deadline=timezone.localdate() + timedelta(days=5))
    for code in REAL:
        make_member(Country.objects.get(pk=code), (f"fp {code}", f"{code}@gov.example", "en"))
    make_member(make_country("XA", "Arvenia <b>&amp; co</b> (demo)"))  # no focal point
    odd = make_country("XB", "Belmora", hemisphere="north", region_code=998, region_name="Nowhere")
    make_member(odd, ("fp XB", "xb@gov.example", "fr"))
    gone = make_member(Country.objects.get(pk="DE"), ("fp DE", "de@gov.example", "en"))
    AllianceMember.objects.filter(pk=gone.pk).update(left_on=timezone.localdate())
    now = timezone.now()

    def invite(code: str, **fields) -> Invitation:
        fp = FocalPoint.objects.filter(member__country=code).first()
        invitation = Invitation.objects.create(
            country_id=code, email=fp.email, role=Membership.Role.COORDINATOR
        )
        Invitation.objects.filter(pk=invitation.pk).update(**fields)
        FocalPoint.objects.filter(pk=fp.pk).update(invitation=invitation)
        return invitation

    invite("FR", accepted_at=now)
    invite("BR")
    invite("JP", created_at=now - timedelta(seconds=settings.INVITATION_MAX_AGE_SECONDS + 60))
    bounced = invite("KE")
    OutgoingEmail.objects.create(
        kind=OutgoingEmail.Kind.INVITATION,
        key=members.invitation_key(bounced),
        to="ke@gov.example",
        subject="s",
        body="b",
        state=OutgoingEmail.State.FAILED,
        created_at=now,
        next_attempt_at=now,
    )
    # A second focal point for Japan, invited afresh: the best of the two (invited) shows.
    FocalPoint.objects.create(
        member=AllianceMember.objects.get(country="JP"), name="fp2 JP", email="jp2@gov.example"
    )
    fp2 = FocalPoint.objects.get(email="jp2@gov.example")
    invitation = Invitation.objects.create(
        country_id="JP", email=fp2.email, role=Membership.Role.COORDINATOR
    )
    FocalPoint.objects.filter(pk=fp2.pk).update(invitation=invitation)
    make_assessment(Country.objects.get(pk="FR"), 2026)
    return cycle


def rows_of(cycle, **filters) -> dict[str, board.BoardRow]:
    found = board.board_rows(cycle, board.BoardFilters(**filters), today=timezone.localdate())
    return {r.country.pk: r for r in found}


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar", "pt"])
def test_the_board_names_countries_and_regions_as_the_models_do(world, language):
    with translation.override(language):
        rows = rows_of(world)
        current = AllianceMember.objects.current().select_related("country")
        assert set(rows) == {m.country_id for m in current}  # DE left: not on the board
        for member in current:
            country, shown = member.country, rows[member.country_id].country
            assert (shown.name, shown.region_label) == (country.name, country.region_label)
            assert (shown.region_code, shown.hemisphere) == (
                country.region_code,
                country.hemisphere,
            )
            assert rows[member.country_id].member_since == member.member_since
    assert rows["XB"].country.region_label == "Nowhere"  # a code M49 does not know


def test_focal_point_states_are_the_members_pages(world):
    rows = rows_of(world)
    fps = list(FocalPoint.objects.select_related("invitation", "member"))
    by_country: dict[str, set[str]] = {}
    for view in members.focal_point_views(fps):
        by_country.setdefault(view.focal_point.member.country_id, set()).add(view.state)
    assert {code: row.focal_states for code, row in rows.items() if row.focal_states} == {
        code: states for code, states in by_country.items() if code != "DE"
    }
    assert {code: row.focal_state for code, row in rows.items()} == {
        "FR": "active",
        "BR": "invited",
        "JP": "invited",  # expired and invited: the better one
        "KE": "bounced",
        "CA": "not_invited",
        "XA": "not_invited",  # no focal point at all
        "XB": "not_invited",
    }


def test_the_filter_offers_the_regions_it_would_have_queried(world):
    with translation.override("fr"):
        read = BoardFilterForm(regions=board.members_read().regions).fields["region"].choices
        queried = BoardFilterForm().fields["region"].choices
    assert read == queried
    assert (998, "Nowhere") in read


def test_filters_applied_in_python_keep_the_rows_the_database_would(world):
    regions = {c.region_code for c in Country.objects.filter(alliance__isnull=False)}
    for region in regions - {None}:
        expected = set(
            AllianceMember.objects.current()
            .filter(country__region_code=region)
            .values_list("country", flat=True)
        )
        assert set(rows_of(world, region=region)) == expected
    assert set(rows_of(world, hemisphere="north")) == set(
        AllianceMember.objects.current()
        .filter(country__hemisphere="north")
        .values_list("country", flat=True)
    )


def test_activity_of_other_countries_and_of_no_country_is_left_off(world):
    """The activity is read for every country (no list of members sent): a former member's
    events and the secretariat's own (no country) must neither fail nor show."""
    AuditEvent.objects.create(country_id="DE", action="answer.saved")
    AuditEvent.objects.create(country=None, action="cycle.opened")
    AuditEvent.objects.create(country_id="CA", action="answer.saved")
    rows = rows_of(world)
    assert "DE" not in rows and rows["CA"].last_activity is not None
    assert rows["BR"].last_activity is None


def test_the_board_escapes_names_and_its_queries_stay_flat_with_invitations(world, client):
    sign_in_with_second_factor(client, make_user("ad", role=Membership.Role.ADMIN))
    url = reverse("cycles:board", args=[2026])
    page = client.get(url).content.decode()
    assert "Arvenia &lt;b&gt;&amp;amp; co&lt;/b&gt; (demo)" in page and "<b>&amp; co" not in page

    def count(path: str) -> int:
        from django.db import connection

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    csv = reverse("cycles:board_export", args=[2026, "csv"])
    before = count(url), count(csv)
    for code in ("GB", "IN", "ZA", "MX"):
        make_member(Country.objects.get(pk=code), (f"fp {code}", f"{code}@gov.example", "en"))
        fp = FocalPoint.objects.get(member__country=code)
        invitation = Invitation.objects.create(
            country_id=code, email=fp.email, role=Membership.Role.COORDINATOR
        )
        FocalPoint.objects.filter(pk=fp.pk).update(invitation=invitation)
    assert (count(url), count(csv)) == before
