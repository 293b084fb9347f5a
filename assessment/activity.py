"""One capability's answer and what has happened around it (its evidence files, its comments,
its latest changes), read in one SQL statement for the capability page.

Through the ORM these were four queries, each with its own SQL compilation and a join, and
together they cost the page more than its form (issue 7). `tests/test_activity.py` checks that
this reading equals the ORM's on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Profile
from frameworks.models import Capability

from .models import Assessment, AuditEvent, CapabilityAnswer, Comment, EvidenceFile


@dataclass(frozen=True)
class FileItem:
    uuid: UUID
    original_name: str
    size: int
    uploaded_at: datetime
    uploaded_by: str  # the uploader's name, "" if the user was deleted


@dataclass(frozen=True)
class CommentItem:
    text: str
    created_at: datetime
    author: str  # the author's name, "" if the user was deleted


@dataclass(frozen=True, slots=True)
class EventItem:
    """A recorded change as `audit.history_lines` reads it: an `AuditEvent`'s fields without
    the model instance (forty of them cost the capability page half a millisecond), its
    JSON parsed when read (only the first and last of a grouped run are)."""

    pk: int
    at: datetime
    subject: str
    action: str
    actor_name: str  # the username recorded with the change
    shown_name: str | None  # the name people know the actor by; None once the account is gone
    before_json: str | None
    after_json: str | None
    actor_id: None = None  # the actor is named by `shown_name`, joined in the query

    @property
    def before(self) -> Any:
        return _json(self.before_json)

    @property
    def after(self) -> Any:
        return _json(self.after_json)


@dataclass(frozen=True)
class Activity:
    answer: CapabilityAnswer | None  # the stored answer, to confirm or not
    answered_by: str  # who saved it last, "" if unknown or deleted
    files: list[FileItem]  # oldest first
    comments: list[CommentItem]  # oldest first
    latest_events: list[EventItem]  # newest first, at most the number asked for


def _name(user: str, profile: str) -> str:
    """SQL for the name people see, as `accounts.people.display_name` chooses it: the display
    name, else the full name, else the username (issue 16: names, not usernames)."""
    full = f"TRIM(COALESCE({user}.first_name, '') || ' ' || COALESCE({user}.last_name, ''))"
    return f"COALESCE(NULLIF({profile}.display_name, ''), NULLIF({full}, ''), {user}.username)"


def _sql(limit: int) -> str:
    # Four branches give the same eleven columns, then one join names the person of each row:
    #   kind, id, at, user id, username recorded with a change (history only),
    #   text (evidence, file name or comment), code (level, file uuid or action),
    #   number (answer version or file size), flags (answer: 1 shared with peers, 2 to confirm),
    #   before, after (a change's JSON, as text).
    # The people are joined once around the union, not in each branch: planning eight joins
    # took PostgreSQL longer than running the query (issue 27). NULLs are cast so that
    # PostgreSQL knows their types whatever the branches' order; the history branch is a
    # subquery for its LIMIT.
    t = {
        "answer": CapabilityAnswer._meta.db_table,
        "file": EvidenceFile._meta.db_table,
        "comment": Comment._meta.db_table,
        "event": AuditEvent._meta.db_table,
        "user": get_user_model()._meta.db_table,
        "profile": Profile._meta.db_table,
    }
    text, integer = "CAST(NULL AS TEXT)", "CAST(NULL AS BIGINT)"
    rows = (
        "SELECT 'a' AS kind, a.id AS id, a.updated_at AS at, a.updated_by_id AS user_id, "
        f"{text} AS recorded, a.evidence AS text, a.response AS code, a.version AS number, "
        "CASE WHEN a.share_with_peers THEN 1 ELSE 0 END "
        "+ CASE WHEN a.to_confirm THEN 2 ELSE 0 END AS flags, "
        f"{text} AS before, {text} AS after "
        f"FROM {t['answer']} a WHERE a.assessment_id = %(a)s AND a.capability_id = %(c)s "
        f"UNION ALL SELECT 'f', f.id, f.uploaded_at, f.uploaded_by_id, {text}, "
        f"f.original_name, CAST(f.uuid AS TEXT), f.size, {integer}, {text}, {text} "
        f"FROM {t['file']} f WHERE f.assessment_id = %(a)s AND f.capability_id = %(c)s "
        f"UNION ALL SELECT 'c', c.id, c.created_at, c.author_id, {text}, "
        f"c.text, {text}, {integer}, {integer}, {text}, {text} "
        f"FROM {t['comment']} c WHERE c.assessment_id = %(a)s AND c.capability_id = %(c)s "
        "UNION ALL SELECT * FROM ("
        "SELECT 'h', e.id, e.at, e.actor_id, e.actor_name, "
        f"{text}, e.action, {integer}, {integer}, CAST(e.before AS TEXT), CAST(e.after AS TEXT) "
        f"FROM {t['event']} e WHERE e.assessment_id = %(a)s AND e.subject = %(code)s "
        f"ORDER BY e.at DESC, e.id DESC LIMIT {int(limit)}) h"
    )
    name = _name("u", "p")
    # A change keeps the name it recorded once its author's account is gone.
    return (
        f"SELECT x.kind, x.id, x.at, COALESCE({name}, x.recorded), {text}, "
        "COALESCE(x.recorded, u.username), x.text, x.code, x.number, x.flags, x.before, x.after "
        f"FROM ({rows}) x "
        f"LEFT JOIN {t['user']} u ON u.id = x.user_id "
        f"LEFT JOIN {t['profile']} p ON p.user_id = u.id"
    )


def db_datetime(value: datetime | str) -> datetime:
    """A moment as a raw SQL row gives it: aware from PostgreSQL, UTC text from SQLite."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    assert moment is not None
    if settings.USE_TZ and timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment


def _json(value: str | None) -> object:
    return None if value is None else json.loads(value)


def activity_of(assessment: Assessment, capability: Capability, events: int) -> Activity:
    """The capability's stored answer, its files and comments (all), its `events` latest
    changes."""
    with connection.cursor() as cursor:
        cursor.execute(
            _sql(events), {"a": assessment.pk, "c": capability.pk, "code": capability.code}
        )
        rows = cursor.fetchall()
    answer, answered_by = None, ""
    files: list[tuple[datetime, int, FileItem]] = []
    comments: list[tuple[datetime, int, CommentItem]] = []
    latest: list[EventItem] = []
    for kind, pk, at, shown, _unused, username, text, code, number, flags, before, after in rows:
        at = db_datetime(at)
        if kind == "a":
            answer = CapabilityAnswer(
                pk=pk,
                assessment=assessment,
                capability=capability,
                response=code,
                evidence=text,
                share_with_peers=bool(flags & 1),
                to_confirm=bool(flags & 2),
                version=number,
                updated_at=at,
            )
            answered_by = shown or ""
        elif kind == "f":
            files.append((at, pk, FileItem(UUID(code), text, number, at, shown or "")))
        elif kind == "c":
            comments.append((at, pk, CommentItem(text, at, shown or "")))
        else:
            latest.append(EventItem(pk, at, capability.code, code, username, shown, before, after))
    files.sort(key=lambda row: row[:2])
    comments.sort(key=lambda row: row[:2])
    latest.sort(key=lambda e: (e.at, e.pk), reverse=True)
    return Activity(answer, answered_by, [f for *_, f in files], [c for *_, c in comments], latest)
