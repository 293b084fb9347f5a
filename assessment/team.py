"""Country teams: invitations, section assignments and comments."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core import signing
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import people
from frameworks.models import Capability
from outbox.mail import email_queue
from outbox.models import OutgoingEmail

from . import audit
from .models import Assessment, Assignment, Comment, Country, Invitation, Membership

SALT = "assessment.invitation"


class InvitationError(Exception):
    """The link cannot be used; the message says why, for the user."""


def invitation_max_age() -> int:
    return int(settings.INVITATION_MAX_AGE_SECONDS)


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(str(invitation.uuid), salt=SALT)


@transaction.atomic
def invite(
    *,
    country: Country,
    email: str,
    role: str,
    user: User | None,
    accept_url: str,
    language: str = "",
) -> Invitation:
    """Create the invitation and queue the email with its link (the outbox sends it, in
    `language`, else the active one); `accept_url` is called with the token."""
    invitation = Invitation.objects.create(country=country, email=email, role=role, invited_by=user)
    invitation_email_queue(invitation, accept_url=accept_url, language=language)
    audit.record(
        actor=user, action="invitation.sent", country=country, after={"email": email, "role": role}
    )
    return invitation


def invitation_email_queue(
    invitation: Invitation, *, accept_url: str, language: str = "", note: str = ""
) -> OutgoingEmail | None:
    """The invitation's email, in the recipient's language; `note` (the secretariat's message
    to the countries) goes before the link. Queued once per invitation."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    link = accept_url.replace("TOKEN", invitation_token(invitation))
    with translation.override(language):
        country = invitation.country.name
        subject = _("Invitation to the MNR self-assessment of %(country)s") % {"country": country}
        body = _(
            "You are invited to join the %(country)s team of the MNR self-assessment.\n\n"
            "Open this link to create your account (it works once and expires in %(days)s days):"
            "\n%(link)s\n"
        ) % {"country": country, "days": invitation_max_age() // 86400, "link": link}
    return email_queue(
        to=invitation.email,
        subject=subject,
        body=f"{note.strip()}\n\n{body}" if note.strip() else body,
        kind=OutgoingEmail.Kind.INVITATION,
        language=language,
        key=f"invitation:{invitation.uuid}",
    )


def invitation_from_token(token: str) -> Invitation:
    try:
        uuid = signing.loads(token, salt=SALT, max_age=invitation_max_age())
    except signing.SignatureExpired:
        raise InvitationError(
            _("This invitation has expired. Ask your coordinator for a new one.")
        ) from None
    except signing.BadSignature:
        raise InvitationError(_("This invitation link is not valid.")) from None
    invitation = Invitation.objects.select_related("country").filter(uuid=uuid).first()
    if invitation is None:
        raise InvitationError(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise InvitationError(_("This invitation has already been used."))
    return invitation


@transaction.atomic
def accept(*, token: str, username: str, display_name: str, password: str) -> User:
    """Create the invited account. `username` and `display_name` must have been checked by
    accounts.people (AcceptInvitationForm does)."""
    invitation = invitation_from_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:  # used in a concurrent request
        raise InvitationError(_("This invitation has already been used."))
    user = get_user_model().objects.create_user(username, email=invitation.email, password=password)
    people.set_display_name(user, display_name)
    Membership.objects.create(user=user, country=invitation.country, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(
        actor=user,
        action="membership.added",
        country=invitation.country,
        after={
            "username": user.get_username(),
            "display_name": display_name,
            "role": invitation.role,
            "email": invitation.email,
        },
    )
    return user


@transaction.atomic
def assignments_set(
    *,
    assessment: Assessment,
    member: User,
    sections: Iterable[str],
    user: User,
) -> None:
    wanted = set(sections)
    current = set(
        Assignment.objects.filter(assessment=assessment, user=member).values_list(
            "section", flat=True
        )
    )
    if wanted == current:
        return
    Assignment.objects.filter(assessment=assessment, user=member).exclude(
        section__in=wanted
    ).delete()
    Assignment.objects.bulk_create(
        Assignment(assessment=assessment, user=member, section=s) for s in wanted - current
    )
    audit.record(
        actor=user,
        action="assignment.changed",
        country=assessment.country,
        assessment=assessment,
        subject=member.get_username(),
        before=sorted(current),
        after=sorted(wanted),
    )


@transaction.atomic
def comment_add(
    *, assessment: Assessment, capability: Capability, text: str, user: User
) -> Comment:
    comment = Comment.objects.create(
        assessment=assessment, capability=capability, text=text, author=user
    )
    audit.record(
        actor=user,
        action="comment.added",
        country=assessment.country,
        assessment=assessment,
        subject=capability.code,
        after={"text": text},
    )
    return comment
