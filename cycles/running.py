"""A cycle's life: created, opened (every member's focal point invited), deadlines extended."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessment import audit
from assessment.models import Country
from frameworks.models import FrameworkVersion
from outbox.mail import email_queue
from outbox.models import OutgoingEmail

from .members import focal_point_invite
from .models import AllianceMember, Cycle, DeadlineExtension, FocalPoint


def cycle_versions(year: int) -> dict[str, FrameworkVersion] | None:
    """The framework versions the secretariat chose for the cycle of `year` (by kind, as
    `assessment.services.assessment_start` takes them), or None when no cycle of that year was
    created in the app (the latest versions are used then)."""
    cycle = (
        Cycle.objects.filter(year=year)
        .select_related("mnr_version", "legislation_version", "recommendations_version")
        .first()
    )
    if cycle is None:
        return None
    return {
        "mnr": cycle.mnr_version,
        "legislation": cycle.legislation_version,
        "recommendations": cycle.recommendations_version,
    }


def deadlines_of(cycle: Cycle, countries: Iterable[str] | None = None) -> dict[str, date]:
    """Country code -> its deadline where extended (the latest extension); one query."""
    extensions = DeadlineExtension.objects.filter(cycle=cycle)
    if countries is not None:
        extensions = extensions.filter(country__in=list(countries))
    found: dict[str, date] = {}
    for ext in extensions.order_by("created_at", "pk"):
        found[ext.country_id] = ext.deadline
    return found


def deadline_for(cycle: Cycle, country_code: str) -> date:
    return deadlines_of(cycle, [country_code]).get(country_code, cycle.deadline)


@transaction.atomic
def deadline_extend(
    *, cycle: Cycle, country: Country, deadline: date, reason: str, user: User | None
) -> DeadlineExtension:
    before = deadline_for(cycle, country.pk)
    extension = DeadlineExtension.objects.create(
        cycle=cycle, country=country, deadline=deadline, reason=reason, created_by=user
    )
    audit.record(
        actor=user,
        action="cycle.deadline_extended",
        country=country,
        subject=str(cycle.year),
        before={"deadline": before.isoformat()},
        after={"deadline": deadline.isoformat(), "reason": reason},
    )
    return extension


def _opening_notice_queue(cycle: Cycle, fp: FocalPoint, url: str) -> None:
    """A focal point who is already the coordinator hears that the cycle is open."""
    with translation.override(fp.language):
        subject = _("The %(year)s MNR self-assessment cycle is open") % {"year": cycle.year}
        body = _(
            "The %(year)s cycle of the MNR self-assessment is open. Please submit the "
            "assessment of %(country)s by %(deadline)s.\n\n%(url)s\n"
        ) % {
            "year": cycle.year,
            "country": fp.member.country.name,
            "deadline": cycle.deadline.isoformat(),
            "url": url,
        }
    message = cycle.message.strip()
    email_queue(
        to=fp.email,
        subject=subject,
        body=f"{message}\n\n{body}" if message else body,
        kind=OutgoingEmail.Kind.INVITATION,
        language=fp.language,
        key=f"cycle-open:{cycle.pk}:{fp.pk}",
    )


@transaction.atomic
def cycle_open(
    *, cycle: Cycle, user: User | None, accept_url: str, home_url: str, now: datetime | None = None
) -> int:
    """Invite every current member's focal points (those already coordinators are told the
    cycle is open). Happens once: the conditional update claims the opening. Returns how many
    were written to."""
    now = now or timezone.now()
    if not Cycle.objects.filter(pk=cycle.pk, opened_at__isnull=True).update(opened_at=now):
        return 0
    cycle.opened_at = now
    focal_points = FocalPoint.objects.filter(
        member__in=AllianceMember.objects.current()
    ).select_related("member__country", "invitation")
    count = 0
    for fp in focal_points:
        if fp.invitation is not None and fp.invitation.accepted_at is not None:
            _opening_notice_queue(cycle, fp, home_url)
        else:
            focal_point_invite(focal_point=fp, user=user, accept_url=accept_url, note=cycle.message)
        count += 1
    audit.record(
        actor=user,
        action="cycle.opened",
        country=None,
        subject=str(cycle.year),
        after={"deadline": cycle.deadline.isoformat(), "focal_points": count},
    )
    return count
