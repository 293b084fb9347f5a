"""Issue 13: a draft on an older framework version moves to the corrected one."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessment import services, version_move
from assessment.models import Assessment, AuditEvent, CapabilityAnswer, CriterionAnswer
from frameworks.loader import load_frameworks

from .factories import answer_all, make_assessment, make_user

DATA = Path(__file__).resolve().parent.parent / "frameworks" / "data"


@pytest.fixture
def old_draft(no_frameworks: None) -> Assessment:
    """A draft started on the archived (pre-issue-13) content, then the corrected files loaded."""
    load_frameworks(sorted((DATA / "archive").glob("*-v1.yaml")))
    assessment = make_assessment()
    answer_all(assessment, {"C01": "3"}, criteria={"legislation": "not_met"})
    load_frameworks()
    return assessment


def test_preview_names_the_changes_and_the_move_keeps_answers_by_code(old_draft):
    preview = version_move.version_move_preview(assessment=old_draft)
    kinds = {c.kind: c for c in preview.changes}
    assert set(kinds) == {"mnr", "legislation", "recommendations"}
    assert kinds["legislation"].rule_before != kinds["legislation"].rule_after
    assert any(a.startswith("C01.10:") for a in kinds["mnr"].added)
    assert any(r.startswith("C01.3:") for r in kinds["mnr"].removed)
    user = make_user("coord", country=old_draft.country, role="coordinator")
    version_move.version_move(assessment=old_draft, user=user)
    moved = Assessment.objects.get(pk=old_draft.pk)
    assert moved.mnr_version.number == 2 and moved.legislation_version.number == 2
    c01 = CapabilityAnswer.objects.get(assessment=moved, capability__code="C01")
    assert c01.capability.version == moved.mnr_version and c01.response == "3"
    assert c01.to_confirm  # its descriptors changed
    law = CriterionAnswer.objects.get(assessment=moved, criterion__code="legislation")
    assert law.value == "not_met"
    # New indicators are left unanswered; old ones carried where the code still exists.
    assert not moved.indicator_answers.filter(indicator__code="C01.10").exists()
    event = AuditEvent.objects.get(assessment=moved, action="framework.moved")
    assert event.before["mnr"] == 1 and event.after["mnr"] == 2
    # Under the corrected rule, no CSAM-specific law is never sufficient.
    assert services.assessment_scores(moved).legislation.verdict != "sufficient"


def test_move_is_refused_once_submitted(old_draft):
    old_draft.status = Assessment.Status.SUBMITTED
    old_draft.save()
    with pytest.raises(version_move.MoveRefused):
        version_move.version_move(assessment=old_draft, user=None)
    assert Assessment.objects.get(pk=old_draft.pk).mnr_version.number == 1
    assert not AuditEvent.objects.filter(action="framework.moved").exists()


def test_nothing_to_move_when_on_the_latest(frameworks):
    assessment = make_assessment()
    assert not version_move.version_move_preview(assessment=assessment).possible
    with pytest.raises(version_move.MoveRefused):
        version_move.version_move(assessment=assessment, user=None)


def test_a_version_saved_after_a_visit_is_offered_at_once_in_the_same_process(no_frameworks):
    """The latest numbers are kept per process (issue 27); the loader clears them."""
    load_frameworks(sorted((DATA / "archive").glob("*-v1.yaml")))
    assessment = make_assessment()
    assert version_move.newer_versions(assessment=assessment) == {}  # now kept
    load_frameworks()
    assert set(version_move.newer_versions(assessment=assessment)) == {
        "mnr",
        "legislation",
        "recommendations",
    }


def test_a_version_loaded_by_another_process_is_offered_within_a_minute(no_frameworks, monkeypatch):
    """load_frameworks runs in a process of its own: a web process reads the latest numbers
    again once they are older than LATEST_MAX_AGE."""
    from assessment import frameworks_cache

    load_frameworks(sorted((DATA / "archive").glob("*-v1.yaml")))
    assessment = make_assessment()
    assert version_move.newer_versions(assessment=assessment) == {}  # now kept
    kept_at = frameworks_cache._LATEST["all"][0]
    with monkeypatch.context() as another_process:  # the loader clears no cache of ours
        another_process.setattr(frameworks_cache, "clear_framework_cache", lambda: None)
        load_frameworks()
    assert version_move.newer_versions(assessment=assessment) == {}
    monkeypatch.setattr(frameworks_cache.time, "monotonic", lambda: kept_at + 61)
    assert set(version_move.newer_versions(assessment=assessment)) == {
        "mnr",
        "legislation",
        "recommendations",
    }
