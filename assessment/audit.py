"""The audit trail: every change to answers, comments, assignments, status and membership.

Services call `record()` explicitly next to the change they make, inside the same transaction,
so a change and its record are stored together or not at all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from .models import Assessment, AuditEvent, Country


def record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    country: Country | None,
    assessment: Assessment | None = None,
    subject: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    real_actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        country=country,
        assessment=assessment,
        actor=real_actor,
        actor_name=real_actor.get_username() if real_actor else "",
        action=action,
        subject=subject,
        before=before,
        after=after,
    )


def events_for(assessment: Assessment) -> QuerySet[AuditEvent]:
    """The assessment's events and its country team's events (membership, invitations)."""
    return AuditEvent.objects.filter(
        Q(assessment=assessment) | Q(country=assessment.country_id, assessment__isnull=True)
    ).order_by("-at", "-pk")


def events_for_subject(assessment: Assessment, subject: str) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(assessment=assessment, subject=subject).order_by("-at", "-pk")


CSV_HEADER = ["when (UTC)", "who", "action", "subject", "before", "after"]


def _cell(value: Any) -> str:
    import json

    text = "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
    # Spreadsheet formula injection: a cell starting with = + - @ is read as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def to_csv(events: Iterable[AuditEvent]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for e in events:
        writer.writerow(
            [
                e.at.strftime("%Y-%m-%d %H:%M:%S"),
                e.actor_name,
                e.action,
                e.subject,
                _cell(e.before),
                _cell(e.after),
            ]
        )
    return out.getvalue()
