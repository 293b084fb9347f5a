"""The export document's format: its name and version, the JSON Schema every import is checked
against (built from the models' field lengths and choices), and the check itself."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from jsonschema import Draft202012Validator

from frameworks.models import FrameworkVersion

from ..models import (
    Action,
    Assessment,
    Assignment,
    AuditEvent,
    CapabilityAnswer,
    CriterionAnswer,
    EvidenceFile,
    IndicatorAnswer,
    Membership,
    SectionWaiver,
)

FORMAT = "mnr-assessment"
VERSION = 1
NOTE = (
    "Evidence files: only their metadata is in this document. Their contents are in the source "
    "server's database: export_assessment --evidence-dir writes them as files named by their "
    "stored_name, and evidence_to_database --from stores them on this server."
)
KINDS = ("mnr", "legislation", "recommendations")


class PortableError(Exception):
    """The document cannot be imported; the message says why. Nothing has been written."""


def _field(model: type[models.Model], name: str) -> Any:
    return model._meta.get_field(name)


def _text(model: type[models.Model], name: str, *, nullable: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["string", "null"] if nullable else "string"}
    max_length = _field(model, name).max_length
    if max_length:
        schema["maxLength"] = max_length
    return schema


def _choice(model: type[models.Model], name: str) -> dict[str, Any]:
    field = _field(model, name)
    values = [value for value, _label in field.choices]
    return {"enum": ([""] if field.blank else []) + values}


def _record(**properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(properties),
        "additionalProperties": False,
    }


def _list(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


_STRING = {"type": "string"}
_COUNT = {"type": "integer", "minimum": 0}
_BOOL = {"type": "boolean"}
_USER = {"type": ["string", "null"], "minLength": 1, "maxLength": 150}
_DAY = {"type": ["string", "null"]}
_VERSION_REF = _record(
    slug=_STRING, number={"type": "integer", "minimum": 1}, sha256=_text(FrameworkVersion, "sha256")
)

_ASSESSMENT = _record(
    uuid=_STRING,
    country=_text(Assessment, "country"),
    cycle={"type": "integer", "minimum": 2000, "maximum": 2100},
    revision={"type": "integer", "minimum": 1},
    status=_choice(Assessment, "status"),
    sharing=_choice(Assessment, "sharing"),
    language=_choice(Assessment, "language"),
    status_comment=_STRING,
    copied_from={"type": ["string", "null"]},
    created_by=_USER,
    created_at=_STRING,
    frameworks=_record(mnr=_VERSION_REF, legislation=_VERSION_REF, recommendations=_VERSION_REF),
)
# The working language came after the first exports: a file without it is in English.
_ASSESSMENT["required"].remove("language")

SCHEMA: dict[str, Any] = _record(
    format={"const": FORMAT},
    version={"const": VERSION},
    note=_STRING,
    assessment=_ASSESSMENT,
    users=_list(
        _record(
            username={"type": "string", "minLength": 1, "maxLength": 150},
            first_name={"type": "string", "maxLength": 150},
            last_name={"type": "string", "maxLength": 150},
            email={"type": "string", "maxLength": 254},
            membership={
                "oneOf": [
                    {"type": "null"},
                    _record(
                        role=_choice(Membership, "role"),
                        country={"type": ["string", "null"], "maxLength": 2},
                    ),
                ]
            },
        )
    ),
    capability_answers=_list(
        _record(
            capability=_STRING,
            response=_choice(CapabilityAnswer, "response"),
            evidence=_STRING,
            share_with_peers=_BOOL,
            to_confirm=_BOOL,
            version=_COUNT,
            updated_by=_USER,
            updated_at=_STRING,
        )
    ),
    indicator_answers=_list(
        _record(
            capability=_STRING,
            indicator=_STRING,
            value=_choice(IndicatorAnswer, "value"),
            updated_by=_USER,
            updated_at=_STRING,
        )
    ),
    criterion_answers=_list(
        _record(
            criterion=_STRING,
            value=_choice(CriterionAnswer, "value"),
            citation=_STRING,
            to_confirm=_BOOL,
            version=_COUNT,
            updated_by=_USER,
            updated_at=_STRING,
        )
    ),
    assignments=_list(
        _record(user={"type": "string", "minLength": 1}, section=_text(Assignment, "section"))
    ),
    waivers=_list(
        _record(
            section=_text(SectionWaiver, "section"),
            reason=_STRING,
            created_by=_USER,
            created_at=_STRING,
        )
    ),
    comments=_list(_record(capability=_STRING, author=_USER, text=_STRING, created_at=_STRING)),
    evidence_files=_list(
        _record(
            uuid=_STRING,
            capability=_STRING,
            original_name=_text(EvidenceFile, "original_name"),
            stored_name={**_text(EvidenceFile, "stored_name"), "pattern": r"^[A-Za-z0-9._-]+$"},
            content_type=_text(EvidenceFile, "content_type"),
            size=_COUNT,
            sha256=_text(EvidenceFile, "sha256"),
            uploaded_by=_USER,
            uploaded_at=_STRING,
        )
    ),
    targets=_list(
        _record(
            capability=_STRING,
            level={"type": "integer", "minimum": 0, "maximum": 32767},
            reason=_STRING,
            set_by=_USER,
            set_at=_STRING,
        )
    ),
    actions=_list(
        _record(
            uuid=_STRING,
            gap_key=_text(Action, "gap_key"),
            position=_COUNT,
            title=_text(Action, "title"),
            description=_STRING,
            capability={"type": ["string", "null"]},
            criterion={"type": ["string", "null"]},
            recommendations={},
            lead_agency=_text(Action, "lead_agency"),
            supporting_agencies=_text(Action, "supporting_agencies"),
            start_date=_DAY,
            due_date=_DAY,
            status=_choice(Action, "status"),
            priority={"type": "integer", "minimum": 0, "maximum": 32767},
            updated_by=_USER,
            updated_at=_STRING,
        )
    ),
    history=_list(
        _record(
            at=_STRING,
            country={"type": ["string", "null"]},
            actor=_USER,
            actor_name=_text(AuditEvent, "actor_name"),
            action=_text(AuditEvent, "action"),
            subject=_text(AuditEvent, "subject"),
            before={},
            after={},
        )
    ),
)


def _where(path: Iterable[Any]) -> str:
    parts: list[str] = []
    for step in path:
        if isinstance(step, int) and parts:
            parts[-1] = f"{parts[-1]} #{step + 1}"
        else:
            parts.append(str(step))
    return " > ".join(parts) or "(document)"


def check_shape(data: Any) -> None:
    """Refuse anything that is not a version-1 assessment export, naming each problem."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PortableError(
            f"This is not an MNR assessment export (its 'format' is not {FORMAT!r})."
        )
    if data.get("version") != VERSION:
        raise PortableError(
            f"This export has format version {data.get('version')!r}; this app reads version "
            f"{VERSION} only."
        )
    errors = sorted(
        Draft202012Validator(SCHEMA).iter_errors(data), key=lambda e: list(map(str, e.path))
    )
    if errors:
        lines = [f"{_where(e.absolute_path)}: {e.message}" for e in errors[:20]]
        if len(errors) > 20:
            lines.append(f"… and {len(errors) - 20} more")
        raise PortableError("The file is not a valid assessment export:\n" + "\n".join(lines))
