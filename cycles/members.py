"""Alliance members and their focal points; a focal point is invited through the country
team's own invitation flow (assessment/team.py) with the coordinator's role, so accepting the
signed link creates the coordinator's account and no password ever leaves the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from assessment import audit, team
from assessment.models import Country, Invitation, Membership
from outbox.models import OutgoingEmail

from .models import AllianceMember, FocalPoint


class FocalPointState:
    NOT_INVITED = "not_invited"
    INVITED = "invited"
    BOUNCED = "bounced"
    EXPIRED = "expired"
    ACTIVE = "active"

    LABELS: dict[str, Promise] = {
        NOT_INVITED: _("Not invited"),
        INVITED: _("Invited"),
        BOUNCED: _("Invitation refused by the mail server"),
        EXPIRED: _("Invitation expired"),
        ACTIVE: _("Active"),
    }


@dataclass(frozen=True)
class FocalPointView:
    focal_point: FocalPoint
    state: str

    @property
    def label(self) -> str:
        return str(FocalPointState.LABELS[self.state])

    @property
    def may_resend(self) -> bool:
        return self.state != FocalPointState.ACTIVE


def invitation_key(invitation: Invitation) -> str:
    return outbox_key(invitation.uuid)


def outbox_key(invitation_uuid: object) -> str:
    """The outbox key of an invitation's email, from its uuid."""
    return f"invitation:{invitation_uuid}"


def focal_point_state(
    fp: FocalPoint, email_states: dict[str, str], *, now: datetime | None = None
) -> str:
    """`email_states`: outbox key -> state, for the invitations' emails (one query for many)."""
    invitation = fp.invitation
    if invitation is None:
        return FocalPointState.NOT_INVITED
    return invitation_state(
        invitation.uuid, invitation.accepted_at, invitation.created_at, email_states, now=now
    )


def invitation_state(
    uuid: object,
    accepted_at: datetime | None,
    created_at: datetime,
    email_states: dict[str, str],
    *,
    now: datetime | None = None,
) -> str:
    """A focal point's state from its invitation's fields (the board reads them as plain
    values, not as model instances)."""
    if accepted_at is not None:
        return FocalPointState.ACTIVE
    if email_states.get(outbox_key(uuid)) == OutgoingEmail.State.FAILED:
        return FocalPointState.BOUNCED
    age = (now or timezone.now()) - created_at
    if age > timedelta(seconds=team.invitation_max_age()):
        return FocalPointState.EXPIRED
    return FocalPointState.INVITED


def email_states_of(keys: list[str]) -> dict[str, str]:
    """Outbox key -> the email's state, for these keys; one query (none for no key)."""
    found = OutgoingEmail.objects.filter(key__in=keys).values_list("key", "state") if keys else []
    return {str(key): state for key, state in found}


def focal_point_views(focal_points: list[FocalPoint]) -> list[FocalPointView]:
    """Each focal point with its state; `focal_points` have their invitation selected."""
    states = email_states_of(
        [invitation_key(fp.invitation) for fp in focal_points if fp.invitation]
    )
    now = timezone.now()
    return [FocalPointView(fp, focal_point_state(fp, states, now=now)) for fp in focal_points]


@transaction.atomic
def member_add(*, country: Country, member_since: date, user: User | None) -> AllianceMember:
    member, created = AllianceMember.objects.update_or_create(
        country=country, defaults={"member_since": member_since, "left_on": None}
    )
    audit.record(
        actor=user,
        action="alliance.member_added" if created else "alliance.member_changed",
        country=country,
        after={"member_since": member_since.isoformat()},
    )
    return member


@transaction.atomic
def focal_point_add(
    *, member: AllianceMember, name: str, email: str, language: str, user: User | None
) -> FocalPoint:
    fp = FocalPoint.objects.create(member=member, name=name, email=email, language=language)
    audit.record(
        actor=user,
        action="alliance.focal_point_added",
        country=member.country,
        after={"name": name, "email": email, "language": language},
    )
    return fp


@transaction.atomic
def focal_point_invite(
    *, focal_point: FocalPoint, user: User | None, accept_url: str, note: str = ""
) -> Invitation:
    """A new invitation (a fresh link, a fresh expiry) to become the country's coordinator,
    emailed in the focal point's language; replaces any earlier one."""
    country = focal_point.member.country
    invitation = Invitation.objects.create(
        country=country,
        email=focal_point.email,
        role=Membership.Role.COORDINATOR,
        invited_by=user,
    )
    team.invitation_email_queue(
        invitation, accept_url=accept_url, language=focal_point.language, note=note
    )
    FocalPoint.objects.filter(pk=focal_point.pk).update(invitation=invitation)
    focal_point.invitation = invitation
    audit.record(
        actor=user,
        action="invitation.sent",
        country=country,
        after={"email": focal_point.email, "role": Membership.Role.COORDINATOR},
    )
    return invitation
