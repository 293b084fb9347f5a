"""The audit trail: every change to answers, comments, assignments, status and membership.

Services call `record()` explicitly next to the change they make, inside the same transaction,
so a change and its record are stored together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.people import display_name

from .models import Assessment, AuditEvent, Country
from .reports.csvsafe import write_csv


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


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str
    what: str


def history_lines(events: Iterable[AuditEvent]) -> list[HistoryLine]:
    """Changes to one capability, each said in a few words: which parts of the answer changed
    (an autosave records every change, so most lines are an indicator or the evidence, not the
    level), which file, which target."""
    return [HistoryLine(e.at, e.actor_name or "—", _describe(e)) for e in events]


def _describe(event: AuditEvent) -> str:
    before, after = event.before or {}, event.after or {}
    details: list[str] = []
    if event.action == "answer.saved":
        before = event.before or {"evidence": "", "share_with_peers": False, "indicators": {}}
        if before.get("response") != after.get("response"):
            details.append(
                _("level %(before)s → %(after)s")
                % {"before": _level(before.get("response")), "after": _level(after.get("response"))}
            )
        if before.get("indicators") != after.get("indicators"):
            details.append(_("indicators"))
        if before.get("evidence", "") != after.get("evidence", ""):
            details.append(_("evidence"))
        if before.get("share_with_peers") != after.get("share_with_peers"):
            details.append(_("sharing with peers"))
        if before.get("to_confirm") and not after.get("to_confirm"):
            details.append(_("copy from the previous cycle confirmed"))
    elif event.action in ("evidence.added", "evidence.removed"):
        details.append(str((after or before).get("file", "")))
    elif event.action == "target.changed":
        details.append(
            _("target %(before)s → %(after)s")
            % {"before": before.get("level", "—"), "after": after.get("level", "—")}
        )
    if after.get("via") == "workbook":
        details.append(_("from workbook"))
    label = event.action_label
    return f"{label}: {', '.join(details)}" if details else label


def _level(response: str | None) -> str:
    if response == "dont_know":
        return _("don't know")
    if response == "not_applicable":
        return _("not applicable")
    return response or "—"


CSV_HEADER = ["when (UTC)", "who", "action", "subject", "before", "after"]


def _cell(value: Any) -> object:
    """JSON of a before/after value; a number stays a number (made safe by write_csv)."""
    import json

    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _who(event: AuditEvent) -> str:
    """The display name people know, with the username that cannot be imitated (display
    names are free text); the username alone once the account is deleted."""
    if event.actor is None:
        return event.actor_name
    shown = display_name(event.actor)
    return event.actor_name if shown == event.actor_name else f"{shown} ({event.actor_name})"


def to_csv(events: Iterable[AuditEvent]) -> str:
    """The log as CSV; every cell through the one formula guard (reports.csvsafe)."""
    if isinstance(events, QuerySet):
        events = events.select_related("actor__profile")
    return write_csv(
        CSV_HEADER,
        (
            [
                e.at.strftime("%Y-%m-%d %H:%M:%S"),
                _who(e),
                e.action,
                e.subject,
                _cell(e.before),
                _cell(e.after),
            ]
            for e in events
        ),
    )
