"""Reminders: which are due at a given moment, and sending each once.

The coordinator of every member country whose assessment is not yet with the secretariat is
reminded on the cycle's reminder days before its deadline (its own, if extended) and weekly
once it is overdue; a coordinator can remind their contributors of the assigned sections still
unanswered. A reminder is sent by inserting its ReminderRecord first: the record's key is
unique per (cycle, person, deadline, step) and (person, day) is unique too, so the same
reminder never goes twice and nobody gets two in a day, whichever worker or tick tries. A
person who turned reminders off gets none. Every function takes `now`, so tests move time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.people import language_of
from assessment import audit, frameworks_cache, progress, services
from assessment.models import Assessment, Assignment, Country, Membership
from config.site import absolute_url
from outbox.mail import email_queue
from outbox.models import OutgoingEmail

from .board import ASSESSMENT_LABELS, NOT_STARTED, OPEN_STATES
from .models import AllianceMember, Cycle, FocalPoint, ReminderOptOut, ReminderRecord
from .running import deadlines_of


def coordinator_step(days_left: int, reminder_days: list[int]) -> str | None:
    """The reminder due `days_left` days before the deadline: the most urgent reminder day
    reached (one not sent on its day, because of the one-a-day rule, still goes the next day),
    or once overdue one a week, from the first day late."""
    if days_left < 0:
        return f"overdue-{(-days_left - 1) // 7}"
    reached = [n for n in reminder_days if days_left <= n]
    return f"before-{min(reached)}" if reached else None


@dataclass(frozen=True)
class DueReminder:
    cycle: Cycle
    country: Country
    user: User
    step: str
    deadline: date
    days_left: int
    status: str
    fallback_language: str = ""  # the focal point's, for a coordinator who chose none

    @property
    def key(self) -> str:
        return f"cycle:{self.cycle.pk}:{self.user.pk}:{self.deadline.isoformat()}:{self.step}"


def reminders_due(*, now: datetime) -> list[DueReminder]:
    """Every coordinator reminder due at `now` in the latest opened cycle (already sent ones
    too: the record's unique key refuses those). A fixed number of queries."""
    today = timezone.localdate(now)
    due: list[DueReminder] = []
    opted_out = set(ReminderOptOut.objects.values_list("user", flat=True))
    focal_languages = dict(
        FocalPoint.objects.filter(invitation__accepted_by__isnull=False).values_list(
            "invitation__accepted_by", "language"
        )
    )
    # The latest opened cycle only: once the next one opens, the late ones of the last stop.
    for cycle in Cycle.objects.filter(opened_at__isnull=False, opens_on__lte=today).order_by(
        "-year"
    )[:1]:
        codes = list(AllianceMember.objects.current().values_list("country", flat=True))
        deadlines = deadlines_of(cycle, codes)
        statuses: dict[str, str] = {}
        for code, status in (
            Assessment.objects.filter(cycle=cycle.year, country__in=codes)
            .order_by("country", "revision")
            .values_list("country", "status")
        ):
            statuses[code] = status
        coordinators = (
            Membership.objects.filter(role=Membership.Role.COORDINATOR, country__in=codes)
            .exclude(user__in=opted_out)
            .select_related("user__profile", "country")
        )
        for m in coordinators:
            assert m.country is not None  # a coordinator's membership has a country
            status = statuses.get(m.country.pk, NOT_STARTED)
            if status not in OPEN_STATES:
                continue
            deadline = deadlines.get(m.country.pk, cycle.deadline)
            days_left = (deadline - today).days
            step = coordinator_step(days_left, list(cycle.reminder_days))
            if step is not None:
                due.append(
                    DueReminder(
                        cycle,
                        m.country,
                        m.user,
                        step,
                        deadline,
                        days_left,
                        status,
                        focal_languages.get(m.user_id, ""),
                    )
                )
    return due


def _language(user: User, fallback: str = "") -> str:
    return language_of(user) or fallback or settings.LANGUAGE_CODE


def _settings_link() -> str:
    return absolute_url(reverse("cycles:reminder_settings"))


def _record_and_queue(
    *,
    key: str,
    user: User,
    country: Country,
    cycle: Cycle | None,
    step: str,
    now: datetime,
    subject: str,
    body: str,
    language: str,
    sent_by: User | None = None,
) -> bool:
    """Claim the reminder by inserting its record, and queue its email in the same
    transaction; False if it was sent before or the person had a reminder today."""
    if not user.email:
        return False
    try:
        with transaction.atomic():
            ReminderRecord.objects.create(
                key=key,
                cycle=cycle,
                country=country,
                user=user,
                step=step,
                day=timezone.localdate(now),
                sent_by=sent_by,
                created_at=now,
            )
            email_queue(
                to=user.email,
                subject=subject,
                body=body,
                kind=OutgoingEmail.Kind.REMINDER,
                language=language,
                key=f"reminder:{key}",
                now=now,
            )
            audit.record(
                actor=sent_by,
                action="reminder.sent",
                country=country,
                subject=user.get_username(),
                after={"step": step},
            )
    except IntegrityError:
        return False
    return True


def coordinator_reminder_send(due: DueReminder, *, now: datetime) -> bool:
    language = _language(due.user, due.fallback_language)
    with translation.override(language):
        words = {
            "country": due.country.name,
            "year": due.cycle.year,
            "deadline": due.deadline.isoformat(),
            "n": abs(due.days_left),
            "state": ASSESSMENT_LABELS[due.status],
        }
        if due.days_left < 0:
            subject = _("Overdue: the MNR self-assessment of %(country)s") % words
            first = (
                _(
                    "The %(year)s MNR self-assessment of %(country)s was due on %(deadline)s, "
                    "%(n)s days ago. Its state: %(state)s."
                )
                % words
            )
        else:
            subject = (
                _("Reminder: the MNR self-assessment of %(country)s is due on %(deadline)s") % words
            )
            first = (
                _(
                    "The %(year)s MNR self-assessment of %(country)s is due on %(deadline)s, in "
                    "%(n)s days. Its state: %(state)s."
                )
                % words
            )
        body = (
            "\n\n".join(
                [
                    first,
                    absolute_url(reverse("home")),
                    _("To receive no more reminders: %(url)s") % {"url": _settings_link()},
                ]
            )
            + "\n"
        )
    return _record_and_queue(
        key=due.key,
        user=due.user,
        country=due.country,
        cycle=due.cycle,
        step=due.step,
        now=now,
        subject=subject,
        body=body,
        language=language,
    )


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Send what is due; safe to run any number of times, by any number of workers."""
    now = now or timezone.now()
    return sum(coordinator_reminder_send(due, now=now) for due in reminders_due(now=now))


@dataclass(frozen=True)
class ContributorGap:
    user: User
    sections: list[str]  # the codes of their assigned sections with unanswered questions


def contributor_gaps(assessment: Assessment) -> Iterator[ContributorGap]:
    """Each contributor with assigned sections that still have unanswered questions."""
    scores = services.assessment_scores(assessment)
    missing = progress.missing_by_section(assessment, scores)
    by_user: dict[int, list[str]] = {}
    for user_id, section in Assignment.objects.filter(assessment=assessment).values_list(
        "user", "section"
    ):
        if missing.get(section):
            by_user.setdefault(user_id, []).append(section)
    users = get_user_model().objects.filter(pk__in=list(by_user)).select_related("profile")
    for user in users.order_by("username"):
        yield ContributorGap(user, sorted(by_user[user.pk]))


def contributors_remind(*, assessment: Assessment, user: User, now: datetime | None = None) -> int:
    """The coordinator's one click: each contributor with unanswered assigned sections gets
    one reminder listing them (once a day at most; none for who turned reminders off)."""
    now = now or timezone.now()
    cycle = Cycle.objects.filter(year=assessment.cycle).first()
    opted_out = set(ReminderOptOut.objects.values_list("user", flat=True))
    sent = 0
    for gap in contributor_gaps(assessment):
        if gap.user.pk in opted_out:
            continue
        language = _language(gap.user, assessment.language)
        with translation.override(language):
            names = dict(frameworks_cache.mnr_tree(assessment.mnr_version).sections())
            subject = _("Reminder: your sections of the MNR self-assessment of %(country)s") % {
                "country": assessment.country.name
            }
            body = (
                "\n\n".join(
                    [
                        _(
                            "Your coordinator reminds you of the sections assigned to you that "
                            "still have unanswered questions:"
                        ),
                        "\n".join(f"- {names.get(code, code)}" for code in gap.sections),
                        absolute_url(reverse("assessment:overview", args=[assessment.uuid])),
                        _("To receive no more reminders: %(url)s") % {"url": _settings_link()},
                    ]
                )
                + "\n"
            )
        day = timezone.localdate(now).isoformat()
        sent += _record_and_queue(
            key=f"contributors:{assessment.pk}:{gap.user.pk}:{day}",
            user=gap.user,
            country=assessment.country,
            cycle=cycle,
            step="contributors",
            now=now,
            subject=subject,
            body=body,
            language=language,
            sent_by=user,
        )
    return sent


def reminders_off(user: User) -> bool:
    return ReminderOptOut.objects.filter(user=user).exists()


def reminders_set(*, user: User, off: bool) -> None:
    if off:
        ReminderOptOut.objects.get_or_create(user=user)
    else:
        ReminderOptOut.objects.filter(user=user).delete()
