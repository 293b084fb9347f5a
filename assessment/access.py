"""Who may see and change what. Every view asks here; templates only mirror the answers.

- A country team member reads and answers their own country's assessments while in draft.
- Secretariat staff read assessments once submitted; a draft is invisible to them.
- Anyone else gets a 404, so the existence of another country's assessment is not revealed.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from .models import Assessment, Country, Membership

User = AbstractBaseUser | AnonymousUser


def membership_of(user: User) -> Membership | None:
    if not user.is_authenticated:
        return None
    try:
        return user.membership  # type: ignore[union-attr]
    except Membership.DoesNotExist:
        return None


def may_read(membership: Membership | None, assessment: Assessment) -> bool:
    if membership is None:
        return False
    if membership.is_country_member:
        return membership.country_id == assessment.country_id
    return assessment.status != Assessment.Status.DRAFT


def may_edit(membership: Membership | None, assessment: Assessment) -> bool:
    return (
        membership is not None
        and membership.is_country_member
        and membership.country_id == assessment.country_id
        and assessment.status == Assessment.Status.DRAFT
    )


def may_start(membership: Membership | None, country: Country) -> bool:
    return (
        membership is not None
        and membership.role == Membership.Role.COORDINATOR
        and membership.country_id == country.pk
    )


def assessment_for(user: User, uuid: UUID, *, edit: bool = False) -> Assessment:
    """The assessment if `user` may read it (and edit it, when asked); else 404 or 403."""
    membership = membership_of(user)
    try:
        assessment = Assessment.objects.with_frameworks().get(uuid=uuid)
    except Assessment.DoesNotExist:
        raise Http404 from None
    if not may_read(membership, assessment):
        raise Http404
    if edit and not may_edit(membership, assessment):
        raise PermissionDenied(_("This assessment is read-only for you."))
    return assessment
