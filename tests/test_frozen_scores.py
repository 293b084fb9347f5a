"""Scores frozen at submission (issue 17): stored when an assessment is submitted and
validated, dropped when it is returned, read by the comparison, its exports and the API."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from assessment import frameworks_cache, frozen, services, workflow
from assessment.models import Assessment, CriterionAnswer, FrozenScores
from secretariat import comparison

from .bulk import answered_assessments, real_country_codes
from .factories import answer_all, make_assessment, make_country


def fresh(a: Assessment) -> object:
    a = Assessment.objects.get(pk=a.pk)
    return services.assessment_scores(frameworks_cache.attach_versions(a))


def specs(a: Assessment) -> frozen.Specs:
    return frozen.specs_of(frameworks_cache.attach_versions(Assessment.objects.get(pk=a.pk)))


def stored(a: Assessment) -> object:
    return frozen.from_json(FrozenScores.objects.get(assessment=a).data, specs(a))


def test_json_round_trip_equals_a_fresh_score_for_the_whole_reference_set(frameworks):
    """Every assessment of the bulk reference set, frozen and read back, equals a fresh
    `score()` field by field (contradiction flags included)."""
    answered_assessments(real_country_codes(20), [2022, 2024, 2026], seed=7)
    assert frozen.freeze_all() == 60
    rows = Assessment.objects.select_related("frozen_scores")
    flags = 0
    for a in rows:
        thawed = frozen.from_json(a.frozen_scores.data, specs(a))
        assert thawed == fresh(a)
        flags += len(thawed.flags)
    assert flags  # the set exercises flag messages


def test_round_trip_keeps_dont_know_and_legislation_flags_in_the_readers_language(frameworks):
    a = make_assessment(make_country("XA", "Arvenia (demo)"))
    tree = frameworks_cache.mnr_tree(a.mnr_version)
    caps = tree.capabilities
    legislation_cap = tree.rules.legislation_capability or caps[0].code
    answer_all(
        a,
        {caps[1].code: "dont_know", caps[2].code: "not_applicable", legislation_cap: "4"},
        criteria={"definition": "dont_know", "technology": "not_met", "possession": "not_met"},
    )
    scores = fresh(a)
    kinds = {str(f.kind) for f in scores.flags}
    assert {"dont_know", "legislation"} <= kinds
    data = frozen.to_json(scores)
    assert frozen.from_json(data, specs(a)) == scores
    with translation.override("fr"):
        # Messages are stored as which message, so they are translated when read.
        assert [str(f.message) for f in frozen.from_json(data, specs(a)).flags] == [
            str(f.message) for f in scores.flags
        ]


@pytest.fixture
def submitted(frameworks):
    a = make_assessment(make_country("XA", "Arvenia (demo)"))
    answer_all(a)
    workflow.submit(assessment=a, sharing="named", user=None)
    return Assessment.objects.get(pk=a.pk)


def test_submitting_stores_the_scores_with_their_versions(submitted):
    row = FrozenScores.objects.get(assessment=submitted)
    assert row.mnr_version_id == submitted.mnr_version_id
    assert row.legislation_version_id == submitted.legislation_version_id
    assert stored(submitted) == fresh(submitted)


def test_the_comparison_shows_what_was_submitted(submitted):
    """An answer changed behind the workflow's back (a data repair, an import) does not move
    the figures: the secretariat compares what the country submitted."""
    before = comparison.load_rows(comparison.Filters()).rows[0].scores
    CriterionAnswer.objects.filter(assessment=submitted).update(value="not_met")
    after = comparison.load_rows(comparison.Filters()).rows[0].scores
    assert after == before
    assert fresh(submitted) != before


def test_validating_freezes_again_and_returning_drops_them(submitted):
    workflow.review(assessment=submitted, validate=False, comment="Fix D1.", user=None)
    assert not FrozenScores.objects.filter(assessment=submitted).exists()
    CriterionAnswer.objects.filter(assessment=submitted).update(value="not_met")
    workflow.submit(assessment=submitted, sharing="named", user=None)
    workflow.review(assessment=submitted, validate=True, comment="", user=None)
    again = stored(submitted)
    assert again.legislation.met == 0 and again == fresh(submitted)


def test_a_reopened_revision_gets_its_own(submitted):
    workflow.review(assessment=submitted, validate=True, comment="", user=None)
    submitted.refresh_from_db()
    revision = workflow.reopen(assessment=submitted, user=None)
    assert not FrozenScores.objects.filter(assessment=revision).exists()
    CriterionAnswer.objects.filter(assessment=revision).update(value="not_met", to_confirm=False)
    workflow.submit(assessment=revision, sharing="named", user=None)
    mine, first = stored(revision), stored(submitted)
    assert mine.legislation.met == 0 and first.legislation.met == 5


def test_stored_scores_of_another_format_are_scored_live(submitted):
    FrozenScores.objects.filter(assessment=submitted).update(data={"format": 1})
    (row,) = comparison.load_rows(comparison.Filters()).rows
    assert row.scores == fresh(submitted)


def test_without_stored_scores_the_comparison_scores_live(frameworks):
    """During an upgrade (or for data set by hand) nothing breaks: no stored scores, live."""
    answered_assessments(real_country_codes(3), [2026])
    rows = comparison.load_rows(comparison.Filters()).rows
    assert [r.scores for r in rows] == [fresh(Assessment.objects.get(uuid=r.uuid)) for r in rows]


def test_freeze_scores_command_freezes_submitted_and_validated_only(frameworks, capsys):
    answered_assessments(real_country_codes(2), [2026], status="validated")
    answered_assessments(real_country_codes(4)[2:], [2026], status="draft")
    call_command("freeze_scores")
    assert FrozenScores.objects.count() == 2
    assert "2" in capsys.readouterr().out
    call_command("freeze_scores")  # idempotent
    assert FrozenScores.objects.count() == 2


def test_frozen_comparison_reads_no_answers(frameworks):
    """With every row frozen the matrix reads no answer table, whatever the number of
    countries: one query for the assessments and their stored scores."""
    answered_assessments(real_country_codes(10), [2026])
    frozen.freeze_all()
    comparison.load_rows(comparison.Filters())  # framework versions cached
    with CaptureQueriesContext(connection) as ctx:
        comparison.load_rows(comparison.Filters())
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "capabilityanswer" not in sql.lower()


def test_stored_scores_are_named_in_each_readers_language(submitted):
    """The per-process cache of thawed scores holds names (domains, capabilities, criteria):
    a French reader after an English one gets French names, not the English reader's."""
    frozen.clear_cache()

    def read() -> object:
        a = Assessment.objects.select_related("frozen_scores").get(pk=submitted.pk)
        return frozen.stored_scores([frameworks_cache.attach_versions(a)])[a.pk]

    english = read()
    with translation.override("fr"):
        french = read()
        assert french == fresh(submitted)
    assert english.domains[0].name != french.domains[0].name
    assert english.legislation.criteria[0].name != french.legislation.criteria[0].name
    assert read() == english
