"""Issue 26 end to end, through the pages and a real SMTP server on loopback, with the clock
moved by passing `now` to the scheduler's functions: open a cycle → invitations arrive →
accept → the deadline approaches → exactly one reminder each → submit → validate → the bulk ZIP
holds the plan PDF → the late country is reminded weekly."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessment.models import Assessment, Membership
from cycles import bulk, reminders
from cycles.models import AllianceMember, BulkExport, FocalPoint, ReminderRecord
from frameworks.models import FrameworkVersion

from .factories import answer_all, deliver_mail, make_country, make_user, sign_in_with_second_factor
from .test_email import body_and_path, smtp_inbox  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("frameworks")


def at(day, hour: int = 8) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def test_a_whole_cycle_from_opening_to_the_bulk_export_and_the_late_reminders(
    smtp_inbox,  # noqa: F811
    settings,
    tmp_path,
):
    settings.EXPORT_ROOT = tmp_path / "exports"
    today = timezone.localdate()
    deadline = today + timedelta(days=21)
    make_country("XA", "Arvenia (demo)")
    make_country("XB", "Belmora (demo)")
    latest = FrameworkVersion.objects.latest_of_kind
    admin = Client()
    sign_in_with_second_factor(admin, make_user("ad", role=Membership.Role.ADMIN))

    # The secretariat keeps its members and their focal points, and opens the cycle.
    for code, name, email, language in (
        ("XA", "Amélie", "amelie@xa.example", "fr"),
        ("XB", "Bob", "bob@xb.example", "en"),
    ):
        admin.post(reverse("cycles:members"), {"country": code, "member_since": "2020-01-01"})
        member = AllianceMember.objects.get(country=code)
        FocalPoint.objects.create(member=member, name=name, email=email, language=language)
    response = admin.post(
        reverse("cycles:list"),
        {
            "year": "2026",
            "opens_on": today.isoformat(),
            "deadline": deadline.isoformat(),
            "mnr_version": latest("mnr").pk,
            "legislation_version": latest("legislation").pk,
            "recommendations_version": latest("recommendations").pk,
            "message": "The 2026 cycle starts today.",
            "reminder_days_text": "14, 7, 1",
        },
    )
    assert response.status_code == 302
    admin.post(reverse("cycles:open", args=[2026]))
    assert deliver_mail() == 2

    # The invitations arrive over SMTP, each in its focal point's language; both accept.
    invitations = {m["To"]: m for m in smtp_inbox.messages}
    assert set(invitations) == {"amelie@xa.example", "bob@xb.example"}
    coordinators = {}
    for address, username in (("amelie@xa.example", "amelie"), ("bob@xb.example", "bob")):
        body, path = body_and_path(invitations[address])
        assert "The 2026 cycle starts today." in body
        person = Client()
        accepted = person.post(
            path,
            {
                "username": username,
                "display_name": username.title(),
                "password1": "a-long-enough-passphrase",
                "password2": "a-long-enough-passphrase",
            },
        )
        assert accepted.status_code == 302
        coordinators[username] = person
    assert "Ouvrez ce lien" in body_and_path(invitations["amelie@xa.example"])[0]
    board = admin.get(reverse("cycles:board", args=[2026])).content.decode()
    assert board.count(">Active<") == 2

    # The deadline approaches: ticks on every day from 15 to 6 days before it, twice each.
    smtp_inbox.messages.clear()
    for days_before in range(15, 5, -1):
        now = at(deadline - timedelta(days=days_before))
        reminders.send_due_reminders(now=now)
        reminders.send_due_reminders(now=now)
    deliver_mail(now=at(deadline))
    sent = sorted((m["To"], m["Subject"]) for m in smtp_inbox.messages)
    # Exactly one reminder each per step reached (14 and 7 days before), none twice.
    assert [to for to, _s in sent] == [
        "amelie@xa.example",
        "amelie@xa.example",
        "bob@xb.example",
        "bob@xb.example",
    ]
    assert all(s.strip().startswith("Rappel") for to, s in sent if to.startswith("amelie"))

    # Arvenia starts, answers, submits; the secretariat validates.
    amelie = coordinators["amelie"]
    amelie.post(reverse("assessment:start"), {"cycle": "2026"})
    assessment = Assessment.objects.get(country="XA", cycle=2026)
    answer_all(assessment)
    assert (
        amelie.post(
            reverse("assessment:submit", args=[assessment.uuid]), {"sharing": "named"}
        ).status_code
        == 302
    )
    review = admin.post(
        reverse("assessment:review", args=[assessment.uuid]),
        {"decision": "validate", "comment": ""},
    )
    assert review.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == "validated"

    # The bulk ZIP, built as the worker builds it, holds Arvenia's plan.
    admin.post(reverse("cycles:export_start", args=[2026]))
    export = BulkExport.objects.get()
    assert bulk.export_build(export.pk)
    download = admin.get(reverse("cycles:export_download", args=[export.uuid]))
    with zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))) as zf:
        names = zf.namelist()
        pdf = zf.read(names[0])
    assert names == [
        f"plans/XA-arvenia-demo-2026-r{assessment.revision}-en.pdf",
        "scores-2026.xlsx",
    ]
    assert pdf.startswith(b"%PDF")

    # Belmora is late: reminded on its first day late, then weekly; Arvenia no more.
    smtp_inbox.messages.clear()
    for days_after in range(1, 23):
        reminders.send_due_reminders(now=at(deadline + timedelta(days=days_after)))
    deliver_mail(now=at(deadline + timedelta(days=30)))
    late = [m for m in smtp_inbox.messages]
    assert [m["To"] for m in late] == ["bob@xb.example"] * 4
    assert all(m["Subject"].startswith("Overdue") for m in late)
    days = sorted(
        ReminderRecord.objects.filter(user__username="bob", step__startswith="overdue").values_list(
            "day", flat=True
        )
    )
    assert [(d - deadline).days for d in days] == [1, 8, 15, 22]
