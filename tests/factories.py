"""Small helpers that make the objects tests need, through the same functions the app uses."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from assessment import answering, frameworks_cache, services
from assessment.models import Assessment, Country, Membership

PASSWORD = "a-long-test-password"


def make_country(code: str = "XA", name: str = "Testland (demo)", **fields: Any) -> Country:
    defaults = {"is_demo": True, "demo_name": name, "hemisphere": "south"} | fields
    country, _ = Country.objects.update_or_create(code=code, defaults=defaults)
    return country


def make_user(
    username: str, *, country: Country | None = None, role: str = Membership.Role.CONTRIBUTOR
) -> AbstractUser:
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    Membership.objects.create(user=user, country=country, role=role)
    return user


def make_assessment(country: Country | None = None, cycle: int = 2026) -> Assessment:
    return services.assessment_start(country=country or make_country(), cycle=cycle, user=None)


def answer_all(
    assessment: Assessment,
    levels: dict[str, str] | None = None,
    *,
    default: str = "2",
    criteria: dict[str, str] | None = None,
    share: bool = False,
    evidence: str = "",
    indicators: str = "",
) -> None:
    """Answer every capability and scored criterion through the app's own save functions: each
    capability at `default` unless `levels` names it, each indicator `indicators` (unanswered
    when empty), each criterion met unless `criteria` says otherwise."""
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    for cap in tree.capabilities:
        answering.capability_answers_save(
            assessment=assessment,
            capability=cap,
            user=None,
            response=(levels or {}).get(cap.code, default),
            evidence=evidence,
            indicator_values={i: indicators for i in cap.indicator_list} if indicators else {},  # type: ignore[attr-defined]
            version=0,
            share_with_peers=share,
        )
    answering.criterion_answers_save(
        assessment=assessment,
        user=None,
        answers={
            c: answering.CriterionInput((criteria or {}).get(c.code, "met"), "", 0, True)
            for c in frameworks_cache.criteria_of(assessment.legislation_version)
            if c.scored
        },
    )


def sign_in_with_second_factor(client: Any, user: AbstractUser) -> None:
    """Sign in as a user who has set up TOTP and entered a code this session (secretariat
    admins must)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def deliver_mail(now: Any = None) -> int:
    """Send what the outbox holds, as the background worker would (tests run no worker, and a
    test's transaction never commits, so the after-commit trigger never fires)."""
    from outbox.mail import deliver_due

    return deliver_due(now=now)


def make_cycle(year: int = 2026, *, deadline: Any = None, opens_on: Any = None, **fields: Any):
    """A cycle on the latest framework versions, deadline 30 days from today by default."""
    from datetime import timedelta

    from django.utils import timezone

    from cycles.models import Cycle
    from frameworks.models import FrameworkVersion

    today = timezone.localdate()
    latest = FrameworkVersion.objects.latest_of_kind
    defaults = {
        "opens_on": opens_on or today - timedelta(days=10),
        "deadline": deadline or today + timedelta(days=30),
        "mnr_version": latest("mnr"),
        "legislation_version": latest("legislation"),
        "recommendations_version": latest("recommendations"),
        "reminder_days": [14, 7, 1],
    } | fields
    return Cycle.objects.create(year=year, **defaults)


def make_member(country: Country, *focal_points: tuple[str, str, str]):
    """An alliance member with focal points given as (name, email, language)."""
    from datetime import date

    from cycles.models import AllianceMember, FocalPoint

    member = AllianceMember.objects.create(country=country, member_since=date(2020, 1, 1))
    for name, email, language in focal_points:
        FocalPoint.objects.create(member=member, name=name, email=email, language=language)
    return member
