"""Reading a portable document into this database: every check before any write, the writes in
one transaction (see the package's docstring)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import connection, models, transaction

from frameworks.models import Capability, Criterion, FrameworkVersion, Indicator

from ..models import (
    Action,
    Assessment,
    Assignment,
    AuditEvent,
    CapabilityAnswer,
    Comment,
    Country,
    CriterionAnswer,
    EvidenceFile,
    IndicatorAnswer,
    Membership,
    SectionWaiver,
    TargetLevel,
)
from .schema import KINDS, PortableError, check_shape


def _parse_when(value: str, where: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise PortableError(f"{where}: {value!r} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        raise PortableError(f"{where}: {value!r} has no time zone")
    return parsed


def _parse_day(value: str | None, where: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PortableError(f"{where}: {value!r} is not an ISO 8601 date") from None


def _parse_uuid(value: str, where: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise PortableError(f"{where}: {value!r} is not a UUID") from None


def _lookup(table: dict[Any, Any], key: Any, where: str, what: str) -> Any:
    try:
        return table[key]
    except KeyError:
        raise PortableError(
            f"{where}: {what} {key!r} is not in the framework version the assessment is pinned to"
        ) from None


def _framework_version(kind: str, ref: dict[str, Any]) -> FrameworkVersion:
    slug, number, sha256 = ref["slug"], ref["number"], ref["sha256"]
    version = (
        FrameworkVersion.objects.select_related("framework")
        .filter(framework__slug=slug, number=number, sha256=sha256)
        .first()
    )
    if version is None:
        clash = FrameworkVersion.objects.filter(framework__slug=slug, number=number).exists()
        detail = (
            " (this database has a version with that number, but with different content)"
            if clash
            else ""
        )
        raise PortableError(
            f"The {kind} framework version {slug} v{number} (sha256 {sha256[:12]}…) is not loaded "
            f"in this database{detail}. Run `python manage.py load_frameworks` with the same "
            "framework files, loaded in the same order, as on the source server; then import again."
        )
    if version.framework.kind != kind:
        raise PortableError(
            f"Framework {slug} is a {version.framework.kind} framework here, not {kind}."
        )
    return version


def _country(code: str | None, countries: dict[str, Country], where: str) -> Country | None:
    if code is None:
        return None
    if code not in countries:
        found = Country.objects.filter(code=code).first()
        if found is None:
            raise PortableError(
                f"{where}: country {code!r} does not exist in this database. ISO countries are "
                "created by `migrate` (update them with `manage.py sync_countries`); demonstration "
                "countries (XA-XZ) by `manage.py demo`."
            )
        countries[code] = found
    return countries[code]


class _Rows:
    """Unsaved rows of one model, each with the timestamps to restore after inserting."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.rows: list[tuple[models.Model, dict[str, Any]]] = []

    def add(self, obj: models.Model, **stamps: Any) -> None:
        self.rows.append((obj, stamps))

    def insert(self, assessment: Assessment) -> None:
        objs = [obj for obj, _stamps in self.rows]
        for obj in objs:
            obj.assessment = assessment  # type: ignore[attr-defined]
        if connection.features.can_return_rows_from_bulk_insert:
            self.model._default_manager.bulk_create(objs, batch_size=500)
        else:
            for obj in objs:
                obj.save()
        # auto_now / auto_now_add set "now" on insert; put back the exported times.
        fields: set[str] = set()
        for obj, stamps in self.rows:
            for name, value in stamps.items():
                setattr(obj, name, value)
                fields.add(name)
        if objs and fields:
            self.model._default_manager.bulk_update(objs, sorted(fields), batch_size=500)

    def __len__(self) -> int:
        return len(self.rows)


def import_assessment(data: dict[str, Any]) -> Assessment:
    """Create the assessment described by an export, all of it or nothing.

    Raises PortableError, with a message for the person running the import, when the document
    is malformed, refers to framework versions, countries or codes this database lacks, or the
    assessment (or one of its actions or evidence files) already exists here.
    """
    check_shape(data)
    with transaction.atomic():
        return _import(data)


def _import(data: dict[str, Any]) -> Assessment:
    info = data["assessment"]
    countries: dict[str, Country] = {}
    country = _country(info["country"], countries, "assessment > country")
    assert country is not None
    versions = {kind: _framework_version(kind, info["frameworks"][kind]) for kind in KINDS}
    assessment_uuid = _parse_uuid(info["uuid"], "assessment > uuid")

    existing = Assessment.objects.filter(uuid=assessment_uuid).first()
    if existing is not None:
        raise PortableError(
            f"This database already holds this assessment ({existing}, uuid {assessment_uuid}). "
            "Import only into a database that does not have it."
        )
    existing = Assessment.objects.filter(
        country=country, cycle=info["cycle"], revision=info["revision"]
    ).first()
    if existing is not None:
        raise PortableError(
            f"This database already has an assessment for {country.code} {info['cycle']} "
            f"revision {info['revision']} (uuid {existing.uuid}). Import only into a database "
            "that does not have it."
        )
    copied_from = None
    if info["copied_from"] is not None:
        source = _parse_uuid(info["copied_from"], "assessment > copied_from")
        copied_from = Assessment.objects.filter(uuid=source).first()  # re-linked if present

    # Users: every username the document uses must be described in "users".
    UserModel = get_user_model()
    described: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(data["users"], start=1):
        if row["username"] in described:
            raise PortableError(f"users #{i}: {row['username']!r} is listed twice")
        described[row["username"]] = row
    wanted = {f"{UserModel.USERNAME_FIELD}__in": list(described)}
    known = {u.get_username(): u for u in UserModel._default_manager.filter(**wanted)}
    for name, row in described.items():
        membership = row["membership"]
        if name in known or membership is None:
            continue
        where = f"users {name}"
        role, code = membership["role"], membership["country"]
        if (role in Membership.COUNTRY_ROLES) != (code is not None):
            raise PortableError(
                f"{where}: a {role} membership must {'' if code is None else 'not '}name a country"
            )
        _country(code, countries, where)
    users: dict[str, User] = dict(known)

    # Framework items of the pinned versions, by code.
    capabilities = {c.code: c for c in Capability.objects.filter(version=versions["mnr"])}
    indicators = {
        (i.capability.code, i.code): i
        for i in Indicator.objects.filter(capability__version=versions["mnr"]).select_related(
            "capability"
        )
    }
    criteria = {c.code: c for c in Criterion.objects.filter(version=versions["legislation"])}

    pending_users: list[tuple[models.Model, str, str]] = []  # set once the users exist

    def user_ref(obj: models.Model, attribute: str, name: str | None, where: str) -> None:
        if name is None:
            setattr(obj, attribute, None)
        elif name not in described:
            raise PortableError(f"{where}: user {name!r} is not listed in 'users'")
        elif name in users:
            setattr(obj, attribute, users[name])
        else:
            pending_users.append((obj, attribute, name))

    def section(key: str) -> list[tuple[int, dict[str, Any], str]]:
        return [(i, row, f"{key} #{i}") for i, row in enumerate(data[key], start=1)]

    def check_unique(key: str, fields: Callable[[dict[str, Any]], Any], what: str) -> None:
        seen: set[Any] = set()
        for _i, row, where in section(key):
            value = fields(row)
            if value in seen:
                raise PortableError(f"{where}: {what} {value!r} appears twice")
            seen.add(value)

    check_unique("capability_answers", lambda r: r["capability"], "capability")
    check_unique("indicator_answers", lambda r: (r["capability"], r["indicator"]), "indicator")
    check_unique("criterion_answers", lambda r: r["criterion"], "criterion")
    check_unique("assignments", lambda r: (r["user"], r["section"]), "assignment")
    check_unique("waivers", lambda r: r["section"], "section")
    check_unique("targets", lambda r: r["capability"], "capability")
    check_unique("actions", lambda r: r["uuid"], "uuid")
    check_unique("evidence_files", lambda r: r["uuid"], "uuid")
    check_unique("evidence_files", lambda r: r["stored_name"], "stored_name")

    obj: models.Model  # the row being read, of whichever model its section holds
    capability_answers = _Rows(CapabilityAnswer)
    for _i, row, where in section("capability_answers"):
        obj = CapabilityAnswer(
            capability=_lookup(capabilities, row["capability"], where, "capability"),
            response=row["response"],
            evidence=row["evidence"],
            share_with_peers=row["share_with_peers"],
            to_confirm=row["to_confirm"],
            version=row["version"],
        )
        user_ref(obj, "updated_by", row["updated_by"], where)
        capability_answers.add(
            obj, updated_at=_parse_when(row["updated_at"], f"{where} > updated_at")
        )

    indicator_answers = _Rows(IndicatorAnswer)
    for _i, row, where in section("indicator_answers"):
        key = (row["capability"], row["indicator"])
        if key not in indicators:
            raise PortableError(
                f"{where}: indicator {row['indicator']!r} of capability {row['capability']!r} is "
                "not in the framework version the assessment is pinned to"
            )
        obj = IndicatorAnswer(indicator=indicators[key], value=row["value"])
        user_ref(obj, "updated_by", row["updated_by"], where)
        indicator_answers.add(
            obj, updated_at=_parse_when(row["updated_at"], f"{where} > updated_at")
        )

    criterion_answers = _Rows(CriterionAnswer)
    for _i, row, where in section("criterion_answers"):
        obj = CriterionAnswer(
            criterion=_lookup(criteria, row["criterion"], where, "criterion"),
            value=row["value"],
            citation=row["citation"],
            to_confirm=row["to_confirm"],
            version=row["version"],
        )
        user_ref(obj, "updated_by", row["updated_by"], where)
        criterion_answers.add(
            obj, updated_at=_parse_when(row["updated_at"], f"{where} > updated_at")
        )

    assignments = _Rows(Assignment)
    for _i, row, where in section("assignments"):
        obj = Assignment(section=row["section"])
        user_ref(obj, "user", row["user"], where)
        assignments.add(obj)

    waivers = _Rows(SectionWaiver)
    for _i, row, where in section("waivers"):
        obj = SectionWaiver(section=row["section"], reason=row["reason"])
        user_ref(obj, "created_by", row["created_by"], where)
        waivers.add(obj, created_at=_parse_when(row["created_at"], f"{where} > created_at"))

    comments = _Rows(Comment)
    for _i, row, where in section("comments"):
        obj = Comment(
            capability=_lookup(capabilities, row["capability"], where, "capability"),
            text=row["text"],
        )
        user_ref(obj, "author", row["author"], where)
        comments.add(obj, created_at=_parse_when(row["created_at"], f"{where} > created_at"))

    evidence_files = _Rows(EvidenceFile)
    for _i, row, where in section("evidence_files"):
        file_uuid = _parse_uuid(row["uuid"], f"{where} > uuid")
        if EvidenceFile.objects.filter(uuid=file_uuid).exists():
            raise PortableError(f"{where}: an evidence file with uuid {file_uuid} already exists")
        if EvidenceFile.objects.filter(stored_name=row["stored_name"]).exists():
            raise PortableError(
                f"{where}: an evidence file stored as {row['stored_name']!r} already exists"
            )
        obj = EvidenceFile(
            uuid=file_uuid,
            capability=_lookup(capabilities, row["capability"], where, "capability"),
            original_name=row["original_name"],
            stored_name=row["stored_name"],
            content_type=row["content_type"],
            size=row["size"],
            sha256=row["sha256"],
        )
        user_ref(obj, "uploaded_by", row["uploaded_by"], where)
        evidence_files.add(
            obj, uploaded_at=_parse_when(row["uploaded_at"], f"{where} > uploaded_at")
        )

    targets = _Rows(TargetLevel)
    for _i, row, where in section("targets"):
        obj = TargetLevel(
            capability=_lookup(capabilities, row["capability"], where, "capability"),
            level=row["level"],
            reason=row["reason"],
        )
        user_ref(obj, "set_by", row["set_by"], where)
        targets.add(obj, set_at=_parse_when(row["set_at"], f"{where} > set_at"))

    actions = _Rows(Action)
    for _i, row, where in section("actions"):
        action_uuid = _parse_uuid(row["uuid"], f"{where} > uuid")
        if Action.objects.filter(uuid=action_uuid).exists():
            raise PortableError(f"{where}: an action with uuid {action_uuid} already exists")
        start = _parse_day(row["start_date"], f"{where} > start_date")
        due = _parse_day(row["due_date"], f"{where} > due_date")
        if start and due and due < start:
            raise PortableError(f"{where}: the due date is before the start date")
        obj = Action(
            uuid=action_uuid,
            gap_key=row["gap_key"],
            position=row["position"],
            title=row["title"],
            description=row["description"],
            capability=(
                _lookup(capabilities, row["capability"], where, "capability")
                if row["capability"] is not None
                else None
            ),
            criterion=(
                _lookup(criteria, row["criterion"], where, "criterion")
                if row["criterion"] is not None
                else None
            ),
            recommendations=row["recommendations"],
            lead_agency=row["lead_agency"],
            supporting_agencies=row["supporting_agencies"],
            start_date=start,
            due_date=due,
            status=row["status"],
            priority=row["priority"],
        )
        user_ref(obj, "updated_by", row["updated_by"], where)
        actions.add(obj, updated_at=_parse_when(row["updated_at"], f"{where} > updated_at"))

    history = _Rows(AuditEvent)
    for _i, row, where in section("history"):
        obj = AuditEvent(
            country=_country(row["country"], countries, where),
            actor_name=row["actor_name"],
            action=row["action"],
            subject=row["subject"],
            before=row["before"],
            after=row["after"],
        )
        user_ref(obj, "actor", row["actor"], where)
        history.add(obj, at=_parse_when(row["at"], f"{where} > at"))

    created_at = _parse_when(info["created_at"], "assessment > created_at")
    assessment = Assessment(
        uuid=assessment_uuid,
        country=country,
        cycle=info["cycle"],
        revision=info["revision"],
        copied_from=copied_from,
        status=info["status"],
        sharing=info["sharing"],
        language=info.get("language", "en"),
        status_comment=info["status_comment"],
        mnr_version=versions["mnr"],
        legislation_version=versions["legislation"],
        recommendations_version=versions["recommendations"],
    )
    user_ref(assessment, "created_by", info["created_by"], "assessment > created_by")

    # Everything is checked; write.
    for name, row in described.items():
        if name in users:
            continue
        new = UserModel._default_manager.create_user(
            name,
            email=row["email"],
            password=None,  # unusable: an administrator activates the account and resets it
            first_name=row["first_name"],
            last_name=row["last_name"],
            is_active=False,
        )
        membership = row["membership"]
        if membership is not None:
            Membership.objects.create(
                user=new,
                role=membership["role"],
                country=countries.get(membership["country"]) if membership["country"] else None,
            )
        users[name] = new
    for obj, attribute, name in pending_users:
        setattr(obj, attribute, users[name])

    assessment.save(force_insert=True)
    Assessment.objects.filter(pk=assessment.pk).update(created_at=created_at)
    for rows in (
        capability_answers,
        indicator_answers,
        criterion_answers,
        assignments,
        waivers,
        comments,
        evidence_files,
        targets,
        actions,
        history,
    ):
        rows.insert(assessment)
    assessment.refresh_from_db()
    return assessment
