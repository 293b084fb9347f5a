"""export_assessment / import_assessment: one assessment as JSON, and back, identical."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from assessment import answering, evidence, frameworks_cache, plan, services, team, workflow
from assessment.evidence_store import evidence_pieces
from assessment.management.commands.export_assessment import dumps
from assessment.models import (
    Action,
    Assessment,
    Assignment,
    AuditEvent,
    CapabilityAnswer,
    Comment,
    CriterionAnswer,
    EvidenceFile,
    IndicatorAnswer,
    Membership,
    SectionWaiver,
    TargetLevel,
)
from assessment.portable import PortableError, export_assessment, import_assessment
from frameworks.models import Capability

from .factories import make_country, make_user

pytestmark = pytest.mark.usefixtures("frameworks")
Role = Membership.Role
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PEOPLE = ["cora", "carl", "adm", "gone"]


def save_level(assessment, code, response, user, evidence_text="", indicators=None, share=False):
    capability = Capability.objects.get(version=assessment.mnr_version, code=code)
    current = CapabilityAnswer.objects.filter(assessment=assessment, capability=capability).first()
    values = {capability.indicators.get(code=k): v for k, v in (indicators or {}).items()}
    answering.capability_answers_save(
        assessment=assessment,
        capability=capability,
        user=user,
        response=response,
        evidence=evidence_text,
        indicator_values=values,
        version=current.version if current else 0,
        share_with_peers=share,
    )


def save_criteria(assessment, user, values: dict[str, tuple[str, str]]) -> None:
    criteria = {c.code: c for c in frameworks_cache.criteria_of(assessment.legislation_version)}
    current = {a.criterion.code: a.version for a in assessment.criterion_answers.all()}
    answering.criterion_answers_save(
        assessment=assessment,
        user=user,
        answers={
            criteria[code]: answering.CriterionInput(value, citation, current.get(code, 0), True)
            for code, (value, citation) in values.items()
        },
    )


@pytest.fixture
def evidence_dir(settings, tmp_path) -> Path:
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.EVIDENCE_ROOT


@pytest.fixture
def rich(evidence_dir) -> Assessment:
    """A validated assessment with every kind of row, made through the app's own services."""
    country = make_country("XA", "Arvenia (demo)")
    cora = make_user("cora", country=country, role=Role.COORDINATOR)
    cora.first_name, cora.last_name, cora.email = "Cora", "Ngũgĩ", "cora@ministry.example"
    cora.save()
    carl = make_user("carl", country=country, role=Role.CONTRIBUTOR)
    adm = make_user("adm", role=Role.ADMIN)
    gone = make_user("gone", country=country, role=Role.CONTRIBUTOR)

    previous = services.assessment_start(country=country, cycle=2024, user=cora)
    save_level(previous, "C01", "2", cora, "Cabinet decree 12/2023")
    save_level(previous, "C02", "1", None, "Working group, informal")
    save_criteria(previous, cora, {"legislation": ("met", "Penal Code s. 12")})

    # The new cycle starts from a copy of 2024, every copied answer "to confirm".
    a = services.assessment_start(country=country, cycle=2026, user=cora)
    assert a.copied_from == previous
    tree = frameworks_cache.mnr_tree(a.mnr_version)
    levels = {"C04": "1", "C11": "dont_know", "C20": "not_applicable"}
    for cap in tree.capabilities:
        if cap.code == "C02":
            continue  # stays "to confirm"
        who = None if cap.code == "C03" else carl if cap.domain.code == "D2" else cora
        save_level(a, cap.code, levels.get(cap.code, "3"), who)
    save_level(
        a,
        "C01",
        "4",
        cora,
        "Stratégie nationale 2025–2030, adoptée — «protection en ligne»",
        indicators={"C01.1": "yes", "C01.2": "partly", "C01.7": "no", "C01.4": "dont_know"},
        share=True,
    )
    save_criteria(
        a,
        cora,
        {
            "legislation": ("met", "Penal Code s. 12"),
            "definition": ("met", "Children Act 2019, s. 2"),
            "technology": ("not_met", ""),
            "possession": ("dont_know", "Pending a ruling"),
            "isp_reporting": ("met", "ICT Act, s. 40(3)"),
        },
    )
    team.assignments_set(assessment=a, member=carl, sections=["D2", "legislation"], user=cora)
    capability = Capability.objects.get(version=a.mnr_version, code="C04")
    team.comment_add(assessment=a, capability=capability, text="Ask the police 👮", user=carl)
    team.comment_add(assessment=a, capability=capability, text="Done.", user=cora)
    team.comment_add(assessment=a, capability=capability, text="Left since.", user=gone)
    upload = SimpleUploadedFile("décret n°12.pdf", PDF, content_type="application/pdf")
    evidence.evidence_add(assessment=a, capability=capability, upload=upload, user=carl)
    c01 = Capability.objects.get(version=a.mnr_version, code="C05")
    plan.target_set(assessment=a, capability=c01, level=4, reason="National strategy", user=cora)
    plan.actions_generate(assessment=a, analysis=plan.gap_analysis(a), user=cora)
    first, second = list(a.actions.order_by("position"))[:2]
    plan.action_save(
        assessment=a,
        action=first,
        values={
            "lead_agency": "Ministry of the Interior",
            "supporting_agencies": "Police; Prosecutors",
            "start_date": dt.date(2026, 3, 1),
            "due_date": dt.date(2026, 12, 31),
            "status": Action.Status.IN_PROGRESS,
        },
        user=cora,
    )
    plan.action_save(assessment=a, action=second, values={"status": "done"}, user=cora)
    plan.action_save(
        assessment=a,
        action=None,
        values={"title": "Train judges", "due_date": dt.date(2027, 6, 30), "priority": 2},
        user=cora,
    )
    plan.action_move(action=second, up=True, user=cora)
    workflow.waiver_set(assessment=a, section="D1", reason="C02 not confirmed yet", user=cora)
    workflow.submit(assessment=a, sharing="aggregate", user=cora)
    workflow.review(assessment=a, validate=False, comment="Cite the decree.", user=adm)
    workflow.submit(assessment=a, sharing="aggregate", user=cora)
    workflow.review(assessment=a, validate=True, comment="Thank you.", user=adm)
    gone.delete()  # the history keeps the name of someone who has left
    a.refresh_from_db()
    return a


def wipe(assessment: Assessment) -> None:
    """Remove the assessment and the people it mentions; frameworks and countries stay."""
    AuditEvent.objects.filter(assessment=assessment).delete()  # bypasses the append-only guard
    assessment.delete()
    get_user_model().objects.filter(username__in=PEOPLE).delete()


def counts() -> dict[str, int]:
    models = [
        Assessment,
        CapabilityAnswer,
        IndicatorAnswer,
        CriterionAnswer,
        Assignment,
        SectionWaiver,
        Comment,
        EvidenceFile,
        TargetLevel,
        Action,
        AuditEvent,
        Membership,
        get_user_model(),
    ]
    return {m.__name__: m._default_manager.count() for m in models}


def test_the_rich_fixture_has_every_kind_of_row(rich):
    doc = export_assessment(rich)
    assert doc["assessment"]["status"] == "validated"
    assert doc["assessment"]["status_comment"] == "Thank you."
    assert doc["assessment"]["sharing"] == "aggregate"
    assert [r["to_confirm"] for r in doc["capability_answers"]].count(True) == 1
    for key in (
        "indicator_answers",
        "criterion_answers",
        "assignments",
        "waivers",
        "comments",
        "evidence_files",
        "targets",
        "actions",
        "history",
    ):
        assert doc[key], key
    actions = {e["action"] for e in doc["history"]}
    assert {"answer.saved", "criterion.saved", "status.changed", "action.moved"} <= actions
    assert any(e["actor"] is None and e["actor_name"] == "gone" for e in doc["history"])
    assert any(e["actor"] is None and e["actor_name"] == "" for e in doc["history"])
    assert [u["username"] for u in doc["users"]] == ["adm", "carl", "cora"]
    assert doc["users"][0]["membership"] == {"role": "admin", "country": None}
    assert "--evidence-dir" in doc["note"]
    json.dumps(doc)  # plain JSON data


def test_round_trip_into_an_emptied_database_is_identical(rich):
    scores = services.assessment_scores(rich)
    text = dumps(export_assessment(rich))
    previous = rich.copied_from
    wipe(rich)
    assert not get_user_model().objects.filter(username__in=PEOPLE).exists()

    imported = import_assessment(json.loads(text))

    assert dumps(export_assessment(imported)) == text
    imported = Assessment.objects.with_frameworks().get(pk=imported.pk)
    assert services.assessment_scores(imported) == scores
    assert imported.copied_from == previous
    cora = get_user_model().objects.get(username="cora")
    assert not cora.is_active and not cora.has_usable_password()
    assert (cora.membership.role, cora.membership.country_id) == ("coordinator", "XA")
    assert cora.get_full_name() == "Cora Ngũgĩ"
    assert get_user_model().objects.get(username="adm").membership.country is None
    assert not get_user_model().objects.filter(username="gone").exists()


def test_commands_round_trip_through_a_file(rich, tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    out = _call("export_assessment", str(rich.uuid), output=str(first))
    assert "1 evidence files" in out and "NOT in the export" in out
    record = rich.evidence_files.get()
    assert record.stored_name in out
    files = tmp_path / "evidence-files"
    out = _call("export_assessment", str(rich.uuid), output=str(first), evidence_dir=str(files))
    assert f"Wrote the contents of 1 evidence files to {files}" in out
    contents = b"".join(evidence_pieces(record))
    assert (files / record.stored_name).read_bytes() == contents
    wipe(rich)

    out = _call("import_assessment", str(first))
    assert "Imported" in out and "Created 3 users, inactive" in out
    assert "1 of 1 evidence files have no contents here yet" in out and record.stored_name in out
    out = _call("evidence_to_database", source=str(files))
    assert out.startswith("1 stored, 0 already stored")
    imported = EvidenceFile.objects.get(stored_name=record.stored_name)
    assert b"".join(evidence_pieces(imported)) == contents

    _call("export_assessment", country="xa", cycle=2026, output=str(second))
    assert second.read_bytes() == first.read_bytes()
    text = first.read_text(encoding="utf-8")
    assert "Ask the police 👮" in text and "\\u" not in text  # UTF-8, not escapes
    assert text.index('"actions"') < text.index('"assessment"') < text.index('"capability_answers"')


def test_export_to_standard_output_and_lookup_errors(rich):
    out, err = io.StringIO(), io.StringIO()
    call_command("export_assessment", country="XA", cycle=2026, revision=1, stdout=out, stderr=err)
    assert json.loads(out.getvalue())["assessment"]["uuid"] == str(rich.uuid)
    assert "Exported Arvenia (demo) 2026" in err.getvalue()
    with pytest.raises(CommandError, match="Name the assessment"):
        call_command("export_assessment")
    with pytest.raises(CommandError, match="not a UUID"):
        call_command("export_assessment", "XA-2026")
    with pytest.raises(CommandError, match="No assessment for XA 2026 revision 2"):
        call_command("export_assessment", country="XA", cycle=2026, revision=2)
    with pytest.raises(CommandError, match="either"):
        call_command("export_assessment", str(rich.uuid), country="XA", cycle=2026)


def test_copied_from_is_left_empty_when_the_source_is_not_there(rich):
    doc = export_assessment(rich)
    previous = rich.copied_from
    wipe(rich)
    AuditEvent.objects.filter(assessment=previous).delete()
    previous.delete()
    imported = import_assessment(doc)
    assert imported.copied_from is None
    assert export_assessment(imported)["assessment"]["copied_from"] is None


def test_import_refuses_an_assessment_that_is_already_there(rich):
    doc = export_assessment(rich)
    before = counts()
    with pytest.raises(PortableError, match="already holds this assessment"):
        import_assessment(doc)
    other = copy.deepcopy(doc)
    other["assessment"]["uuid"] = "00000000-0000-4000-8000-000000000001"
    with pytest.raises(PortableError, match="already has an assessment for XA 2026 revision 1"):
        import_assessment(other)
    assert counts() == before


def test_import_refuses_a_framework_version_that_is_not_loaded(rich, tmp_path):
    doc = export_assessment(rich)
    wipe(rich)
    before = counts()
    doc["assessment"]["frameworks"]["legislation"]["sha256"] = "0" * 64
    path = tmp_path / "other.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was imported.*is not loaded.*load_frameworks"):
        call_command("import_assessment", str(path))
    doc["assessment"]["frameworks"]["legislation"]["number"] = 7
    with pytest.raises(PortableError, match="icmec.* v7 .*is not loaded"):
        import_assessment(doc)
    assert counts() == before


def broken(doc: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    def change(edit) -> dict[str, Any]:
        other = copy.deepcopy(doc)
        edit(other)
        return other

    return [
        (change(lambda d: d.update(format="something-else")), "not an MNR assessment export"),
        (change(lambda d: d.update(version=2)), "reads version 1 only"),
        (change(lambda d: d["actions"][0].pop("title")), "actions #1: 'title' is a required"),
        (
            change(lambda d: d["capability_answers"][0].update(response="7")),
            "capability_answers #1 > response: '7' is not one of",
        ),
        (change(lambda d: d.update(extra=1)), "Additional properties"),
        (
            change(lambda d: d["comments"][0].update(capability="C99")),
            "comments #1: capability 'C99' is not in the framework version",
        ),
        (
            change(lambda d: d["users"].pop()),  # "cora", who made most of it
            "user 'cora' is not listed in 'users'",
        ),
        (
            change(lambda d: d["history"][-1].update(at="yesterday")),
            "is not an ISO 8601 date and time",
        ),
        (
            change(lambda d: d["history"][-1].update(at="2026-01-01T10:00:00")),
            "has no time zone",
        ),
        (change(lambda d: d["assessment"].update(country="QQ")), "country 'QQ' does not exist"),
        (
            change(lambda d: d["actions"][-1].update(start_date="2027-07-01")),  # due 06-30
            "due date is before the start date",
        ),
    ]


def test_import_refuses_a_malformed_document_and_writes_nothing(rich, tmp_path):
    doc = export_assessment(rich)
    wipe(rich)
    before = counts()
    for bad, message in broken(doc):
        with pytest.raises(PortableError, match=_literal(message)):
            import_assessment(bad)
            pytest.fail(f"imported despite: {message}")
        assert counts() == before, message
    path = tmp_path / "bad.json"
    path.write_text('{"format": "mnr-assessment", ', encoding="utf-8")
    with pytest.raises(CommandError, match="is not valid JSON"):
        call_command("import_assessment", str(path))
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(CommandError, match="not a JSON object"):
        call_command("import_assessment", str(path))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_assessment", str(tmp_path / "missing.json"))
    assert counts() == before
    import_assessment(doc)  # the good document still imports
    assert counts()["Assessment"] == before["Assessment"] + 1


def _literal(text: str) -> str:
    return re.escape(text)


def _call(*args: Any, **options: Any) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue() + err.getvalue()
