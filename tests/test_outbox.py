"""Email through the outbox: queued with what caused it, sent once by whoever claims it, kept
while the mail server is away and delivered when it returns — with a real SMTP server on
loopback and a real Celery worker (with its beat scheduler) on the local Redis: invitations and
a password reset from the pages, a reminder from the scheduler's own tick."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assessment.models import Membership
from config.celery import app as celery_app
from cycles.models import ReminderRecord
from outbox import mail as outbox_mail
from outbox.models import OutgoingEmail
from outbox.worker import worker_state

from .factories import deliver_mail, make_country, make_cycle, make_member, make_user
from .test_email import SENDER, Inbox, free_port
from .worker import celery_worker, shared_database, wait_for


def queue(to: str = "a@x.example", key: str | None = None, **kw) -> OutgoingEmail | None:
    return outbox_mail.email_queue(
        to=to, subject="Hello", body="Body", kind=OutgoingEmail.Kind.REMINDER, key=key, **kw
    )


@contextmanager
def smtp_server(port: int, inbox: Inbox):
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield
    finally:
        controller.stop()


@pytest.fixture
def smtp_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = SENDER
    settings.OUTBOX_RETRY_SECONDS = 60
    return settings


@pytest.mark.django_db
def test_a_message_waits_while_the_server_is_down_and_goes_once_when_it_returns(smtp_settings):
    inbox = Inbox()
    now = timezone.now()
    queue("one@x.example", now=now)
    queue("two@x.example", now=now)
    assert outbox_mail.deliver_due(now=now) == 0  # nothing listens on the port
    first = OutgoingEmail.objects.get(to="one@x.example")
    assert (first.state, first.attempts) == ("pending", 1)
    assert "Connection" in first.last_error or "refused" in first.last_error.lower()
    # Not retried before its time, however often the scheduler ticks.
    with smtp_server(smtp_settings.EMAIL_PORT, inbox):
        assert outbox_mail.deliver_due(now=now + timedelta(seconds=1)) == 1  # "two" only
        assert outbox_mail.deliver_due(now=now + timedelta(seconds=61)) == 1  # "one" now
        assert outbox_mail.deliver_due(now=now + timedelta(hours=2)) == 0
    assert sorted(m["To"] for m in inbox.messages) == ["one@x.example", "two@x.example"]
    assert set(OutgoingEmail.objects.values_list("state", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_a_message_that_keeps_failing_does_not_keep_the_others_waiting(smtp_settings):
    now = timezone.now()
    queue("first@x.example", now=now)
    queue("second@x.example", now=now)
    outbox_mail.deliver_due(now=now)  # the server is down: the first fails, the rest wait
    outbox_mail.deliver_due(now=now + timedelta(seconds=61))  # both due: the second goes first
    attempts = dict(OutgoingEmail.objects.values_list("to", "attempts"))
    assert attempts == {"first@x.example": 1, "second@x.example": 1}


@pytest.mark.django_db
def test_a_claimed_message_is_not_sent_by_a_second_sender_until_the_first_is_presumed_dead():
    now = timezone.now()
    message = queue(now=now)
    assert outbox_mail._claim(message.pk, now)  # a first sender took it...
    assert outbox_mail.deliver_due(now=now) == 0  # ...a second one finds nothing to send
    assert mail.outbox == []
    later = now + timedelta(seconds=outbox_mail.CLAIM_SECONDS + 1)
    assert outbox_mail.deliver_due(now=later) == 1  # the first died: the message still goes
    assert [m.to for m in mail.outbox] == [["a@x.example"]]


@pytest.mark.django_db
def test_the_same_key_is_queued_once():
    assert queue(key="reminder:1:14") is not None
    assert queue(key="reminder:1:14") is None
    assert OutgoingEmail.objects.count() == 1


class RefusingInbox(Inbox):
    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        return "550 No such user here"


@pytest.mark.django_db
def test_a_refused_recipient_is_marked_failed_and_not_retried(smtp_settings):
    with smtp_server(smtp_settings.EMAIL_PORT, RefusingInbox()):
        queue("ghost@x.example")
        assert deliver_mail() == 0
    message = OutgoingEmail.objects.get()
    assert message.state == "failed"
    assert "550" in message.last_error
    assert deliver_mail() == 0


@contextmanager
def publishing_to(worker: dict[str, str], settings):
    """This process queues its tasks where the worker listens."""
    saved = {k: celery_app.conf[k] for k in ("broker_url", "task_default_queue")}
    saved_eager = celery_app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(
        broker_url=worker["broker_url"],
        task_default_queue=worker["task_default_queue"],
        task_always_eager=False,
    )
    try:
        yield
    finally:
        celery_app.conf.update(saved, task_always_eager=saved_eager)
        celery_app.pool.force_close_all()


@pytest.mark.django_db(transaction=True)
def test_with_a_real_worker_an_smtp_outage_delays_every_email_and_each_arrives_once(
    client, frameworks, settings, tmp_path, redis_url
):
    port = free_port()
    inbox = Inbox()
    with shared_database(tmp_path) as database_url:
        coordinator = make_user(
            "pacey", country=make_country("XA", "Arvenia (demo)"), role=Membership.Role.COORDINATOR
        )
        coordinator.email = "pacey@ministry.example"
        coordinator.save()
        # A cycle whose deadline is a week away: the worker's scheduler sends pacey a reminder.
        make_member(coordinator.membership.country)
        make_cycle(
            2026, deadline=timezone.localdate() + timedelta(days=7), opened_at=timezone.now()
        )
        worker_env = {
            "DATABASE_URL": database_url,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "EMAIL_TIMEOUT": "5",
            "DEFAULT_FROM_EMAIL": SENDER,
            "REMINDER_TICK_SECONDS": "1",
        }
        with (
            celery_worker(tmp_path, worker_env, broker_url=redis_url) as worker,
            publishing_to(worker, settings),
        ):
            client.force_login(coordinator)
            for email in ("nadia@ministry.example", "omar@ministry.example"):
                response = client.post(
                    reverse("assessment:team"), {"email": email, "role": "contributor"}
                )
                assert response.status_code == 302
            client.logout()
            client.post(reverse("accounts:password_reset"), {"email": "pacey@ministry.example"})
            wait_for(lambda: OutgoingEmail.objects.count() == 4, what="the reminder queued")

            # The worker tries each one, the server is down: all four wait.
            wait_for(
                lambda: all(m.attempts >= 1 for m in OutgoingEmail.objects.all()),
                what="four failed attempts",
            )
            assert set(OutgoingEmail.objects.values_list("state", flat=True)) == {"pending"}
            assert inbox.messages == []
            # The worker is seen by the health endpoint (its beat sends heartbeats).
            wait_for(lambda: worker_state().status == "ok", what="a heartbeat")

            with smtp_server(port, inbox):
                wait_for(lambda: len(inbox.messages) >= 4, what="four messages")
                wait_for(
                    lambda: set(OutgoingEmail.objects.values_list("state", flat=True)) == {"sent"},
                    what="four rows marked sent",
                )
                time.sleep(3)  # three more ticks of the scheduler: nothing is sent again
            assert sorted(m["To"] for m in inbox.messages) == [
                "nadia@ministry.example",
                "omar@ministry.example",
                "pacey@ministry.example",
                "pacey@ministry.example",
            ]
            assert ReminderRecord.objects.count() == 1  # many scheduler ticks, one reminder
            reset = next(m for m in inbox.messages if m["To"] == "pacey@ministry.example")
            assert "/accounts/password/reset/" in reset.get_body(("plain",)).get_content()
