"""Queueing and delivering email through the outbox (see models.py for the promise).

`email_queue` writes the row inside the caller's transaction and asks the task queue, once the
transaction commits, to deliver it. `deliver_due` is what the worker runs: it claims each due
row with a conditional update (only the sender whose UPDATE changed the row sends it, however
many workers run), sends it over Django's mail backend and records the outcome. A connection
failure or a temporary (4xx) refusal leaves the row pending with a later retry time; a
permanent (5xx) refusal marks it failed, shown to the secretariat as a bounce.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import OutgoingEmail

log = logging.getLogger(__name__)

# How long a claimed row is the claimer's; a sender that has not finished by then is presumed
# dead and the row is offered again (an SMTP send takes seconds; EMAIL_TIMEOUT bounds it).
CLAIM_SECONDS = 300


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: the base delay doubled each time, at most
    OUTBOX_RETRY_MAX_SECONDS (an hour)."""
    base = int(settings.OUTBOX_RETRY_SECONDS)
    return timedelta(
        seconds=min(base * 2 ** max(attempts - 1, 0), int(settings.OUTBOX_RETRY_MAX_SECONDS))
    )


def email_queue(
    *,
    to: str,
    subject: str,
    body: str,
    kind: str,
    language: str = "",
    key: str | None = None,
    now: datetime | None = None,
) -> OutgoingEmail | None:
    """Queue one message; None if a message with this `key` was already queued."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            message = OutgoingEmail.objects.create(
                kind=kind,
                key=key,
                to=to,
                subject=" ".join(subject.split()),  # a header is one line
                body=body,
                language=language,
                created_at=now,
                next_attempt_at=now,
            )
    except IntegrityError:
        if key is not None and OutgoingEmail.objects.filter(key=key).exists():
            return None
        raise
    transaction.on_commit(trigger_delivery)
    return message


def trigger_delivery() -> None:
    """Ask the worker to look at the outbox now. If the broker is unreachable the message
    still goes out at the scheduler's next tick, so a failure here is only logged."""
    from .tasks import deliver_outbox

    try:
        deliver_outbox.delay()
    except Exception:  # the broker's errors vary by transport; the row is safe either way
        log.warning("outbox: could not reach the task queue; the scheduler will deliver")


def _claim(message_id: int, now: datetime) -> bool:
    claimed = (
        OutgoingEmail.objects.due(now)
        .filter(pk=message_id)
        .update(
            state=OutgoingEmail.State.SENDING,
            claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
        )
    )
    return claimed == 1


def _permanent(error: Exception) -> bool:
    """A 5xx answer: the server will never take this message (unknown recipient, refused)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def deliver_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Send every due message (up to `limit`); returns how many were sent."""
    now = now or timezone.now()
    # Longest-waiting first: a message that just failed goes behind the others, so one
    # undeliverable message cannot starve the rest.
    ids = list(
        OutgoingEmail.objects.due(now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    connection = None
    for message_id in ids:
        if not _claim(message_id, now):
            continue  # another sender has it
        message = OutgoingEmail.objects.get(pk=message_id)
        try:
            connection = connection or get_connection(fail_silently=False)
            EmailMessage(
                subject=message.subject,
                body=message.body,
                from_email=None,
                to=[message.to],
                connection=connection,
                headers={"Auto-Submitted": "auto-generated"},
            ).send()
        except Exception as error:  # SMTP and socket errors alike: record, retry or give up
            permanent = _permanent(error)
            OutgoingEmail.objects.filter(pk=message_id).update(
                state=OutgoingEmail.State.FAILED if permanent else OutgoingEmail.State.PENDING,
                attempts=message.attempts + 1,
                last_error=f"{type(error).__name__}: {error}"[:1000],
                claimed_until=None,
                next_attempt_at=now + retry_delay(message.attempts + 1),
            )
            log.warning("outbox: message %s not sent (%s)", message_id, error)
            if not permanent:
                break  # the server is down: the others wait for the next attempt too
            connection = None
            continue
        OutgoingEmail.objects.filter(pk=message_id).update(
            state=OutgoingEmail.State.SENT,
            attempts=message.attempts + 1,
            sent_at=timezone.now(),
            claimed_until=None,
            last_error="",
        )
        sent += 1
    return sent
