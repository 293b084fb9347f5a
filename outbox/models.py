"""Outgoing email, one row per message, and when the background worker was last seen.

The row is the promise: a message exists once it is written here, in the same transaction as
whatever caused it (an invitation, a reminder), and it is sent once because a sender claims it
with a conditional update before talking to the SMTP server. The task queue only says "look at
the outbox now"; a lost trigger costs a delay until the scheduler's next tick, never a message.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutgoingEmailQuerySet(models.QuerySet["OutgoingEmail"]):
    def due(self, now: object) -> OutgoingEmailQuerySet:
        """Pending and not waiting for a retry, or claimed by a sender that has gone quiet."""
        return self.filter(
            Q(state=OutgoingEmail.State.PENDING, next_attempt_at__lte=now)
            | Q(state=OutgoingEmail.State.SENDING, claimed_until__lt=now)
        )


class OutgoingEmail(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Refused by the mail server")

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        PASSWORD_RESET = "password_reset", _("Password reset")
        REMINDER = "reminder", _("Reminder")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What the message is about, e.g. "invitation:<uuid>"; unique when given, so the same
    # message cannot be queued twice by two requests or two scheduler ticks.
    key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    language = models.CharField(max_length=10, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    # A claimed row is another sender's until then; after it, the sender is presumed dead.
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.state})"


class WorkerHeartbeat(models.Model):
    """One row per kind of process (the worker, the scheduler), touched as it works, so the
    health endpoint and the board can say when it has not been seen for a while."""

    name = models.CharField(max_length=20, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} seen {self.seen_at:%Y-%m-%d %H:%M:%S}"
