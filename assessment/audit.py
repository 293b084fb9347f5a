"""The audit trail: every change to answers, comments, assignments, status and membership.

Services call `record()` explicitly next to the change they make, inside the same transaction,
so a change and its record are stored together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.people import display_name

from .bidi import join_list
from .models import (
    Assessment,
    AuditEvent,
    Country,
    CriterionAnswer,
    IndicatorAnswer,
    Membership,
)
from .reports.csvsafe import write_csv

if TYPE_CHECKING:
    from .activity import EventItem

    # A stored event, or one read with the capability page's activity (`activity.EventItem`).
    Event = AuditEvent | EventItem


def record(
    *,
    actor: User | AnonymousUser | None,
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
    item: str = ""  # what the change is about, named ("4. Dedicated law enforcement")
    count: int = 1  # how many recorded changes this line stands for (see `grouped`)


@dataclass(frozen=True)
class Names:
    """Words for the codes an event stores, from the assessment's frameworks and team."""

    levels: dict[str, str] = field(default_factory=dict)  # "3" -> "Established"
    indicators: dict[str, str] = field(default_factory=dict)  # code -> question
    items: dict[str, str] = field(default_factory=dict)  # capability, criterion, section, …
    people: dict[str, str] = field(default_factory=dict)  # username -> display name


def names_of(assessment: Assessment, *, team: bool = True, actions: bool = True) -> Names:
    """The words for one assessment's history: its framework versions' texts (cached), and
    unless told not to, its plan's action titles and its team's names (one query each)."""
    from django.contrib.auth import get_user_model

    from . import frameworks_cache
    from .models import Action

    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    items: dict[str, str] = {d.code: d.name for d in tree.domains}
    items["legislation"] = _("Legislation")
    items |= {c.code: f"{c.number}. {c.name}" for c in tree.capabilities}
    items |= {c.code: c.name for c in frameworks_cache.criteria_of(assessment.legislation_version)}
    if actions:
        rows = Action.objects.filter(assessment=assessment).values_list("uuid", "title")
        items |= {str(uuid): title for uuid, title in rows}
    people: dict[str, str] = {}
    if team:
        users = get_user_model().objects.filter(membership__country=assessment.country_id)
        people = {u.get_username(): display_name(u) for u in users.select_related("profile")}
    return Names(
        levels={str(s["level"]): str(s["name"]) for s in tree.scale},
        indicators={i.code: i.text for c in tree.capabilities for i in c.indicator_list},  # type: ignore[attr-defined]
        items=items,
        people=people,
    )


def shown_name(event: Event) -> str:
    """The name people know the actor by; the recorded username once the account is gone."""
    joined = getattr(event, "shown_name", None)  # set by activity.activity_of
    if joined:
        return joined
    if event.actor_id is not None:
        return display_name(event.actor)
    return event.actor_name or "—"


def history_lines(
    events: Iterable[Event], names: Names | None = None, *, group: bool = False
) -> list[HistoryLine]:
    """Each change in words, newest first: "Level changed from 2 Developing to 3 Established;
    indicator '…' from no to yes". With `group`, one person's run of saves to one answer
    reads as one line (the audit trail and its CSV keep every event)."""
    names = names or Names()
    chunks = grouped(list(events)) if group else [[e] for e in events]
    lines = []
    for chunk in chunks:
        newest, oldest = chunk[0], chunk[-1]
        merged = AuditEvent(
            action=newest.action,
            subject=newest.subject,
            before=oldest.before,
            after=newest.after,
        )
        lines.append(
            HistoryLine(
                newest.at,
                shown_name(newest),
                _describe(merged, names),
                _item(newest, names),
                len(chunk),
            )
        )
    return lines


GROUP_WINDOW = timedelta(minutes=5)
_GROUPED_ACTIONS = {"answer.saved", "criterion.saved", "action.saved", "target.changed"}


def grouped(events: list[Event]) -> list[list[Event]]:
    """Runs of events (newest first) by the same person on the same item, each within
    GROUP_WINDOW of the next: an autosave records every click, a reader wants the sitting."""
    chunks: list[list[Event]] = []
    for event in events:
        last = chunks[-1][-1] if chunks else None
        if (
            last is not None
            and event.action in _GROUPED_ACTIONS
            and (event.action, event.subject, event.actor_id, event.actor_name)
            == (last.action, last.subject, last.actor_id, last.actor_name)
            and last.at - event.at <= GROUP_WINDOW
        ):
            chunks[-1].append(event)
        else:
            chunks.append([event])
    return chunks


def _item(event: Event, names: Names) -> str:
    subject = event.subject
    if not subject:
        return ""
    if event.action == "assignment.changed" or event.action.startswith("api_token."):
        return names.people.get(subject, subject)
    if subject in names.items:
        return names.items[subject]
    if event.action.startswith("action."):
        snapshot = event.after or event.before or {}
        return str(snapshot.get("title", "")) if isinstance(snapshot, dict) else ""
    return subject if not _looks_like_uuid(subject) else ""


def _looks_like_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def _short(text: object, limit: int = 70) -> str:
    words = " ".join(str(text).split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def _level(response: str | None, names: Names | None = None) -> str:
    if response == "dont_know":
        return _("don't know")
    if response == "not_applicable":
        return _("not applicable")
    if not response:
        return "—"
    name = (names.levels if names else {}).get(response)
    return f"{response} {name}" if name else response


def _choice(value: object, choices: Any) -> str:
    if value in (None, ""):
        return "—"
    return str(dict(choices).get(value, value))


def _changed(label: str, before: str, after: str) -> str:
    if before == "—":
        return _("%(what)s set to %(after)s") % {"what": label, "after": after}
    if after == "—":
        return _("%(what)s cleared (was %(before)s)") % {"what": label, "before": before}
    return _("%(what)s changed from %(before)s to %(after)s") % {
        "what": label,
        "before": before,
        "after": after,
    }


def _answer_details(before: dict[str, Any], after: dict[str, Any], names: Names) -> list[str]:
    details: list[str] = []
    if before.get("response") != after.get("response"):
        details.append(
            _changed(
                _("Level"),
                _level(before.get("response"), names),
                _level(after.get("response"), names),
            )
        )
    was, now = before.get("indicators") or {}, after.get("indicators") or {}
    for code in sorted(set(was) | set(now)):
        if was.get(code) != now.get(code):
            question = names.indicators.get(code)
            label = (
                _("indicator “%(text)s”") % {"text": _short(question)}
                if question
                else _("an indicator")
            )
            details.append(
                _changed(
                    label,
                    _choice(was.get(code), IndicatorAnswer.Value.choices).lower(),
                    _choice(now.get(code), IndicatorAnswer.Value.choices).lower(),
                )
            )
    if before.get("evidence", "") != after.get("evidence", ""):
        details.append(
            _("evidence written") if not before.get("evidence") else _("evidence changed")
        )
    if before.get("share_with_peers") != after.get("share_with_peers"):
        details.append(
            _("shared with peers")
            if after.get("share_with_peers")
            else _("no longer shared with peers")
        )
    if before.get("to_confirm") and not after.get("to_confirm"):
        details.append(_("copy from the previous cycle confirmed"))
    return details


ACTION_FIELD_LABELS = {
    "title": gettext_lazy("title"),
    "description": gettext_lazy("description"),
    "capability": gettext_lazy("capability"),
    "criterion": gettext_lazy("criterion"),
    "recommendations": gettext_lazy("recommendations"),
    "lead_agency": gettext_lazy("lead agency"),
    "supporting_agencies": gettext_lazy("supporting agencies"),
    "start_date": gettext_lazy("start date"),
    "due_date": gettext_lazy("due date"),
    "status": gettext_lazy("status"),
    "priority": gettext_lazy("priority"),
}


def _describe(event: AuditEvent, names: Names | None = None) -> str:
    """One event in words; never a raw value: no dict, True, None or identifier."""
    names = names or Names()
    raw_before, raw_after = event.before, event.after
    before = raw_before if isinstance(raw_before, dict) else {}
    after = raw_after if isinstance(raw_after, dict) else {}
    details: list[str] = []
    action = event.action
    if action == "answer.saved":
        empty = {"evidence": "", "share_with_peers": False, "indicators": {}}
        details = _answer_details(before or empty, after, names)
    elif action == "criterion.saved":
        values = CriterionAnswer.Value.choices
        if before.get("value") != after.get("value"):
            details.append(
                _changed(
                    _("Answer"),
                    _choice(before.get("value"), values).lower(),
                    _choice(after.get("value"), values).lower(),
                )
            )
        if before.get("citation", "") != after.get("citation", ""):
            details.append(_("citation: %(text)s") % {"text": _short(after.get("citation")) or "—"})
        if before.get("to_confirm") and not after.get("to_confirm"):
            details.append(_("copy from the previous cycle confirmed"))
    elif action in ("evidence.added", "evidence.removed"):
        details.append(str((after or before).get("file", "")))
    elif action == "target.changed":
        details.append(
            _changed(
                _("Target"),
                _level(str(before.get("level", "")), names),
                _level(str(after.get("level", "")), names),
            )
        )
    elif action == "status.changed":
        statuses = Assessment.Status.choices
        details.append(
            _("from %(before)s to %(after)s")
            % {
                "before": _choice(before.get("status"), statuses),
                "after": _choice(after.get("status"), statuses),
            }
        )
        if after.get("comment"):
            details.append(_("comment: %(text)s") % {"text": _short(after["comment"])})
    elif action == "sharing.changed":
        details.append(_choice(after.get("sharing"), Assessment.Sharing.choices))
    elif action == "language.changed":
        languages = [(code, str(name)) for code, name in settings.LANGUAGES]
        details.append(
            _("from %(before)s to %(after)s")
            % {
                "before": _choice(before.get("language"), languages),
                "after": _choice(after.get("language"), languages),
            }
        )
    elif action == "section.not_assessed":
        details.append(
            _("reason: %(text)s") % {"text": _short(after["reason"])}
            if after.get("reason")
            else _("mark removed")
        )
    elif action == "assessment.started":
        details.append(_("cycle %(cycle)s") % {"cycle": after.get("cycle", "—")})
        if after.get("copied_from"):
            details.append(_("answers copied from the previous cycle, to confirm"))
    elif action == "assessment.reopened":
        details.append(_("revision %(n)s") % {"n": after.get("revision", "—")})
    elif action == "comment.added":
        details.append(_short(after.get("text", "")))
    elif action == "plan.generated":
        added = after.get("added") or []
        details.append(_("%(n)s actions added") % {"n": len(added)})
    elif action == "action.saved":
        if not before:
            details.append(_("added"))
        else:
            fields = [
                str(ACTION_FIELD_LABELS.get(k, k)) for k in after if before.get(k) != after[k]
            ]
            details.append(_("changed: %(fields)s") % {"fields": join_list(fields)})
    elif action == "action.moved":
        details.append(_("to position %(n)s") % {"n": after.get("position", "—")})
    elif action == "assignment.changed":
        was = raw_before if isinstance(raw_before, list) else []
        now = raw_after if isinstance(raw_after, list) else []
        details.append(
            _("sections: %(before)s → %(after)s")
            % {
                "before": join_list(names.items.get(c, c) for c in was) or "—",
                "after": join_list(names.items.get(c, c) for c in now) or "—",
            }
        )
    elif action in ("membership.added", "membership.changed", "membership.removed"):
        person = after or before
        username = person.get("username") or person.get("user") or ""
        details.append(
            _("%(who)s, %(role)s")
            % {
                "who": person.get("display_name") or names.people.get(username, username),
                "role": _choice(person.get("role"), Membership.Role.choices),
            }
        )
    elif action == "invitation.sent":
        details.append(
            _("%(email)s, %(role)s")
            % {
                "email": after.get("email", ""),
                "role": _choice(after.get("role"), Membership.Role.choices),
            }
        )
    elif action == "cycle.deadline_extended":
        details.append(
            _("from %(before)s to %(after)s")
            % {"before": before.get("deadline", "—"), "after": after.get("deadline", "—")}
        )
        if after.get("reason"):
            details.append(_("reason: %(text)s") % {"text": _short(after["reason"])})
    elif action == "framework.moved":
        details.append(_("to a corrected version of the frameworks"))
    if after.get("via") == "workbook":
        details.append(_("from workbook"))
    elif after.get("via") == "section":
        details.append(_("with the whole section"))
    label = event.action_label
    details = [d for d in details if d]
    if action == "answer.saved" and details:
        # The change says it all ("Level changed from …"); "Answer saved" adds nothing.
        text = "; ".join(details)
        return text[0].upper() + text[1:]
    return f"{label}: {'; '.join(details)}" if details else label


def csv_header() -> list[str]:
    """history.csv's header in the reader's language: the words first, as on the history page,
    then the stored codes and values for data tools (issue 25: it was English codes alone)."""
    return [
        _("When (UTC)"),
        _("Who"),
        _("Item"),
        _("What changed"),
        _("Event code"),
        _("Subject code"),
        _("Before (data)"),
        _("After (data)"),
    ]


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


def to_csv(events: Iterable[AuditEvent], names: Names | None = None) -> str:
    """The log as CSV, every event as stored (not grouped), in words and in codes; every cell
    through the one formula guard (reports.csvsafe). The caller adds the BOM."""
    if isinstance(events, QuerySet):
        events = events.select_related("actor__profile")
    names = names or Names()
    return write_csv(
        csv_header(),
        (
            [
                e.at.strftime("%Y-%m-%d %H:%M:%S"),
                _who(e),
                _item(e, names),
                _describe(e, names),
                e.action,
                e.subject,
                _cell(e.before),
                _cell(e.after),
            ]
            for e in events
        ),
    )
