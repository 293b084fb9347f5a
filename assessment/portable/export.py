"""Writing one assessment as the portable document (see the package's docstring)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User

from frameworks.models import FrameworkVersion

from ..models import Assessment, AuditEvent, Membership
from .schema import FORMAT, NOTE, VERSION


def _when(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _version_ref(version: FrameworkVersion) -> dict[str, Any]:
    return {"slug": version.framework.slug, "number": version.number, "sha256": version.sha256}


def export_assessment(assessment: Assessment) -> dict[str, Any]:
    """The assessment as plain JSON-ready data (dump it with sort_keys for a stable file)."""
    a = (
        Assessment.objects.with_frameworks()
        .select_related("recommendations_version__framework", "copied_from", "created_by")
        .get(pk=assessment.pk)
    )
    users: dict[int, User] = {}

    def who(user: User | None) -> str | None:
        if user is None:
            return None
        users[user.pk] = user
        return user.get_username()

    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "note": NOTE,
        "assessment": {
            "uuid": str(a.uuid),
            "country": a.country_id,
            "cycle": a.cycle,
            "revision": a.revision,
            "status": a.status,
            "sharing": a.sharing,
            "language": a.language,
            "status_comment": a.status_comment,
            "copied_from": str(a.copied_from.uuid) if a.copied_from else None,
            "created_by": who(a.created_by),
            "created_at": _when(a.created_at),
            "frameworks": {
                "mnr": _version_ref(a.mnr_version),
                "legislation": _version_ref(a.legislation_version),
                "recommendations": _version_ref(a.recommendations_version),
            },
        },
        "capability_answers": [
            {
                "capability": x.capability.code,
                "response": x.response,
                "evidence": x.evidence,
                "share_with_peers": x.share_with_peers,
                "to_confirm": x.to_confirm,
                "version": x.version,
                "updated_by": who(x.updated_by),
                "updated_at": _when(x.updated_at),
            }
            for x in a.capability_answers.select_related("capability", "updated_by").order_by(
                "capability__number", "capability__code"
            )
        ],
        "indicator_answers": [
            {
                "capability": x.indicator.capability.code,
                "indicator": x.indicator.code,
                "value": x.value,
                "updated_by": who(x.updated_by),
                "updated_at": _when(x.updated_at),
            }
            for x in a.indicator_answers.select_related(
                "indicator__capability", "updated_by"
            ).order_by("indicator__capability__number", "indicator__order", "indicator__code")
        ],
        "criterion_answers": [
            {
                "criterion": x.criterion.code,
                "value": x.value,
                "citation": x.citation,
                "to_confirm": x.to_confirm,
                "version": x.version,
                "updated_by": who(x.updated_by),
                "updated_at": _when(x.updated_at),
            }
            for x in a.criterion_answers.select_related("criterion", "updated_by").order_by(
                "-criterion__scored", "criterion__order", "criterion__code"
            )
        ],
        "assignments": sorted(
            (
                {"user": who(x.user), "section": x.section}
                for x in a.assignments.select_related("user")
            ),
            key=lambda row: (row["user"], row["section"]),
        ),
        "waivers": [
            {
                "section": x.section,
                "reason": x.reason,
                "created_by": who(x.created_by),
                "created_at": _when(x.created_at),
            }
            for x in a.waivers.select_related("created_by").order_by("section")
        ],
        "comments": [
            {
                "capability": x.capability.code,
                "author": who(x.author),
                "text": x.text,
                "created_at": _when(x.created_at),
            }
            for x in a.comments.select_related("capability", "author").order_by("created_at", "pk")
        ],
        "evidence_files": [
            {
                "uuid": str(x.uuid),
                "capability": x.capability.code,
                "original_name": x.original_name,
                "stored_name": x.stored_name,
                "content_type": x.content_type,
                "size": x.size,
                "sha256": x.sha256,
                "uploaded_by": who(x.uploaded_by),
                "uploaded_at": _when(x.uploaded_at),
            }
            for x in a.evidence_files.select_related("capability", "uploaded_by").order_by(
                "uploaded_at", "pk"
            )
        ],
        "targets": [
            {
                "capability": x.capability.code,
                "level": x.level,
                "reason": x.reason,
                "set_by": who(x.set_by),
                "set_at": _when(x.set_at),
            }
            for x in a.targets.select_related("capability", "set_by").order_by(
                "capability__number", "capability__code"
            )
        ],
        "actions": [
            {
                "uuid": str(x.uuid),
                "gap_key": x.gap_key,
                "position": x.position,
                "title": x.title,
                "description": x.description,
                "capability": x.capability.code if x.capability else None,
                "criterion": x.criterion.code if x.criterion else None,
                "recommendations": x.recommendations,
                "lead_agency": x.lead_agency,
                "supporting_agencies": x.supporting_agencies,
                "start_date": _day(x.start_date),
                "due_date": _day(x.due_date),
                "status": x.status,
                "priority": x.priority,
                "updated_by": who(x.updated_by),
                "updated_at": _when(x.updated_at),
            }
            for x in a.actions.select_related("capability", "criterion", "updated_by").order_by(
                "position", "pk"
            )
        ],
        "history": [
            {
                "at": _when(x.at),
                "country": x.country_id,
                "actor": who(x.actor),
                "actor_name": x.actor_name,
                "action": x.action,
                "subject": x.subject,
                "before": x.before,
                "after": x.after,
            }
            for x in AuditEvent.objects.filter(assessment=a)
            .select_related("actor")
            .order_by("at", "pk")
        ],
    }
    memberships = {
        m.user_id: m for m in Membership.objects.filter(user_id__in=list(users)).order_by("pk")
    }
    document["users"] = sorted(
        (
            {
                "username": user.get_username(),
                "first_name": getattr(user, "first_name", ""),
                "last_name": getattr(user, "last_name", ""),
                "email": getattr(user, "email", ""),
                "membership": (
                    {"role": memberships[pk].role, "country": memberships[pk].country_id}
                    if pk in memberships
                    else None
                ),
            }
            for pk, user in users.items()
        ),
        key=lambda row: row["username"],
    )
    return document


# --- the document's shape ---------------------------------------------------------------------
