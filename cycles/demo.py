"""The demonstration cycle: the four fictional demo countries as alliance members, their
coordinators as focal points (already active), and the latest demo cycle open with a deadline
ten days away (Dunmark's extended), so the board and the reminders can be tried at once."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assessment.models import Country, Invitation, Membership
from frameworks.models import FrameworkVersion

from .models import AllianceMember, Cycle, DeadlineExtension, FocalPoint


@transaction.atomic
def demo_cycle_create(*, year: int, codes: list[str], languages: dict[str, str]) -> Cycle:
    today = timezone.localdate()
    latest = FrameworkVersion.objects.latest_of_kind
    cycle, _ = Cycle.objects.update_or_create(
        year=year,
        defaults={
            "opens_on": today - dt.timedelta(days=60),
            "deadline": today + dt.timedelta(days=10),
            "mnr_version": latest("mnr"),
            "legislation_version": latest("legislation"),
            "recommendations_version": latest("recommendations"),
            "message": "Demonstration cycle: every country in it is fictional.",
            "reminder_days": [14, 7, 1],
            "opened_at": timezone.now(),
        },
    )
    users = get_user_model().objects
    for code in codes:
        country = Country.objects.get(pk=code)
        member, _ = AllianceMember.objects.update_or_create(
            country=country, defaults={"member_since": dt.date(2019, 1, 1), "left_on": None}
        )
        member.focal_points.all().delete()
        coordinator = users.get(username=f"demo-{code.lower()}-{Membership.Role.COORDINATOR}")
        for user in users.filter(username__startswith=f"demo-{code.lower()}-"):
            user.email = f"{user.username}@demo.example"
            user.save(update_fields=["email"])
        invitation = Invitation.objects.create(
            country=country,
            email=coordinator.email,
            role=Membership.Role.COORDINATOR,
            accepted_at=timezone.now(),
            accepted_by=coordinator,
        )
        FocalPoint.objects.create(
            member=member,
            name=coordinator.get_full_name() or coordinator.username,
            email=coordinator.email,
            language=languages.get(code, "en"),
            invitation=invitation,
        )
    DeadlineExtension.objects.filter(cycle=cycle, country__in=codes).delete()
    DeadlineExtension.objects.create(
        cycle=cycle,
        country_id=codes[-1],
        deadline=cycle.deadline + dt.timedelta(days=30),
        reason="Demonstration: national elections.",
    )
    return cycle
