"""Issue 26, reminders: due on the cycle's days before each country's deadline and weekly once
overdue, each sent once, never two a day to one person, in the person's language, never to who
turned them off; the coordinator's one click to the contributors. Time moves by passing `now`."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import people
from assessment import team
from assessment.models import Assessment, AuditEvent, Membership
from cycles import reminders
from cycles.models import ReminderRecord
from cycles.running import deadline_extend

from .factories import (
    answer_all,
    deliver_mail,
    make_assessment,
    make_country,
    make_cycle,
    make_member,
    make_user,
)

Role = Membership.Role
pytestmark = pytest.mark.usefixtures("frameworks")


def at(day, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def world():
    today = timezone.localdate()
    deadline = today + timedelta(days=20)
    cycle = make_cycle(2026, deadline=deadline, opened_at=timezone.now())
    xa, xb = make_country("XA", "Arvenia (demo)"), make_country("XB", "Belmora (demo)")
    make_member(xa)
    make_member(xb)
    coordinators = {}
    for country, name, language in ((xa, "ana", "es"), (xb, "bo", "")):
        user = make_user(name, country=country, role=Role.COORDINATOR)
        user.email = f"{name}@gov.example"
        user.save()
        if language:
            people.language_set(user, language)
        coordinators[country.pk] = user
    return {"cycle": cycle, "deadline": deadline, "coordinators": coordinators, "xa": xa}


def test_the_reminder_step_is_the_most_urgent_day_reached_then_weekly_once_overdue():
    days = [14, 7, 1]
    assert [reminders.coordinator_step(d, days) for d in (20, 15, 14, 8, 7, 2, 1, 0)] == [
        None,
        None,
        "before-14",
        "before-14",
        "before-7",
        "before-7",
        "before-1",
        "before-1",
    ]
    assert [reminders.coordinator_step(d, days) for d in (-1, -7, -8, -14, -15)] == [
        "overdue-0",
        "overdue-0",
        "overdue-1",
        "overdue-1",
        "overdue-2",
    ]


def test_over_fifty_days_of_ticks_each_step_goes_exactly_once_and_never_two_a_day(world):
    """Two workers tick every three hours from 20 days before the deadline to 30 after."""
    start = world["deadline"] - timedelta(days=20)
    for hour in range(0, 50 * 24, 3):
        now = at(start) + timedelta(hours=hour)
        reminders.send_due_reminders(now=now)
        reminders.send_due_reminders(now=now)  # a second worker, the same tick
    records = list(ReminderRecord.objects.values_list("user__username", "step", "day"))
    for name in ("ana", "bo"):
        steps = [step for user, step, _day in records if user == name]
        assert steps == sorted(set(steps), key=steps.index)  # none twice
        assert sorted(steps) == sorted(
            [
                "before-14",
                "before-7",
                "before-1",
                "overdue-0",
                "overdue-1",
                "overdue-2",
                "overdue-3",
                "overdue-4",
            ]
        )
    assert max(Counter((u, d) for u, _s, d in records).values()) == 1
    deliver_mail(now=at(start) + timedelta(days=60))
    assert len(mail.outbox) == len(records) == 16
    overdue_days = sorted(d for u, s, d in records if u == "ana" and s.startswith("overdue"))
    gaps = [(b - a).days for a, b in zip(overdue_days, overdue_days[1:], strict=False)]
    assert gaps == [7, 7, 7, 7]


def test_each_reminder_is_in_its_recipients_language_and_recorded_in_the_log(world):
    now = at(world["deadline"] - timedelta(days=7))
    assert reminders.send_due_reminders(now=now) == 2
    deliver_mail(now=now)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["ana@gov.example"].subject.startswith("Recordatorio")
    assert "7" in by_address["ana@gov.example"].body
    assert by_address["bo@gov.example"].subject.startswith("Reminder")
    assert reverse("cycles:reminder_settings") in by_address["bo@gov.example"].body
    assert AuditEvent.objects.filter(action="reminder.sent", country="XA").count() == 1


def test_a_submitted_country_is_not_reminded_and_an_extension_moves_the_reminders(world):
    xb_assessment = make_assessment(make_country("XB", "Belmora (demo)"), 2026)
    Assessment.objects.filter(pk=xb_assessment.pk).update(status="submitted")
    deadline_extend(
        cycle=world["cycle"],
        country=world["xa"],
        deadline=world["deadline"] + timedelta(days=30),
        reason="Elections.",
        user=None,
    )
    assert reminders.send_due_reminders(now=at(world["deadline"] - timedelta(days=7))) == 0
    assert reminders.send_due_reminders(now=at(world["deadline"] + timedelta(days=23))) == 1
    assert list(ReminderRecord.objects.values_list("user__username", "step")) == [
        ("ana", "before-7")
    ]


def test_who_turned_reminders_off_gets_none_until_they_turn_them_on(world, client):
    client.force_login(world["coordinators"]["XA"])
    assert (
        client.post(reverse("cycles:reminder_settings"), {"reminders": "maybe"}).status_code == 422
    )
    client.post(reverse("cycles:reminder_settings"), {"reminders": "off"})
    now = at(world["deadline"] - timedelta(days=7))
    assert reminders.send_due_reminders(now=now) == 1  # bo only
    client.post(reverse("cycles:reminder_settings"), {"reminders": "on"})
    assert reminders.send_due_reminders(now=now + timedelta(days=1)) == 1  # ana, the next day
    assert "checked" in client.get(reverse("cycles:reminder_settings")).content.decode()


@pytest.fixture
def team_world(world):
    xa = world["xa"]
    assessment = make_assessment(xa, 2026)
    coordinator = world["coordinators"]["XA"]
    helpers = {}
    for name in ("carla", "dan", "eve"):
        user = make_user(name, country=xa, role=Role.CONTRIBUTOR)
        user.email = f"{name}@gov.example"
        user.save()
        helpers[name] = user
    team.assignments_set(assessment=assessment, member=helpers["carla"], sections=["D1"], user=None)
    team.assignments_set(assessment=assessment, member=helpers["dan"], sections=["D2"], user=None)
    return {"assessment": assessment, "coordinator": coordinator, "helpers": helpers}


def test_one_click_reminds_each_contributor_of_their_unanswered_sections_once_a_day(
    team_world, client
):
    a = team_world["assessment"]
    answer_all(a)  # everything answered…
    from assessment.models import CapabilityAnswer

    CapabilityAnswer.objects.filter(assessment=a, capability__code="C04").update(response="")
    client.force_login(team_world["coordinator"])
    url = reverse("cycles:remind_contributors", args=[a.uuid])
    assert client.post(url).status_code == 302
    deliver_mail()
    # …but a capability of D2 (dan's): only dan is reminded; eve has no section.
    [message] = mail.outbox
    assert message.to == ["dan@gov.example"]
    assert "- " in message.body and "Legislation" not in message.body
    again = client.post(url, follow=True)
    assert "Nadie a quien recordar ahora" in again.content.decode()  # ana reads Spanish
    assert ReminderRecord.objects.filter(step="contributors").count() == 1
    tomorrow = timezone.now() + timedelta(days=1)
    assert reminders.contributors_remind(assessment=a, user=None, now=tomorrow) == 1


def test_only_the_coordinator_may_remind_the_contributors(team_world, client):
    a = team_world["assessment"]
    client.force_login(team_world["helpers"]["carla"])
    assert client.post(reverse("cycles:remind_contributors", args=[a.uuid])).status_code == 403
    assert not ReminderRecord.objects.exists()


def test_the_teams_log_tells_of_reminders_and_extensions_in_words(world, client):
    assessment = make_assessment(world["xa"], 2026)
    deadline_extend(
        cycle=world["cycle"],
        country=world["xa"],
        deadline=world["deadline"] + timedelta(days=7),
        reason="Elections.",
        user=None,
    )
    reminders.send_due_reminders(now=at(world["deadline"]))
    coordinator = world["coordinators"]["XA"]
    people.language_set(coordinator, "en")
    client.force_login(coordinator)
    page = client.get(reverse("assessment:history", args=[assessment.uuid])).content.decode()
    assert "Reminder sent" in page and "reminder.sent" not in page
    assert "Deadline extended" in page and "reason: Elections." in page


def test_once_the_next_cycle_opens_the_last_ones_late_countries_are_no_longer_reminded(world):
    late = at(world["deadline"] + timedelta(days=1))
    assert reminders.send_due_reminders(now=late) == 2
    make_cycle(
        2027,
        opens_on=world["deadline"],
        deadline=world["deadline"] + timedelta(days=200),
        opened_at=timezone.now(),
    )
    assert reminders.send_due_reminders(now=late + timedelta(days=7)) == 0
