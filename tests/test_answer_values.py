"""The one read behind every score: answers as plain values, in one SQL statement.

`answering.answer_values_of_many` is written as SQL for speed (issue 7); here it must give
exactly what the ORM gives, on SQLite and on PostgreSQL, copies still "to confirm" left out.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment import answering, frameworks_cache
from assessment.models import CapabilityAnswer, CriterionAnswer, IndicatorAnswer

from .bulk import answered_assessments

pytestmark = pytest.mark.usefixtures("frameworks")


def orm_values(assessment_id: int) -> answering.AnswerValues:
    return answering.AnswerValues(
        responses={
            a.capability.code: a.response
            for a in CapabilityAnswer.objects.filter(assessment_id=assessment_id, to_confirm=False)
        },
        indicators={
            a.indicator.code: a.value
            for a in IndicatorAnswer.objects.filter(assessment_id=assessment_id)
        },
        criteria={
            a.criterion.code: a.value
            for a in CriterionAnswer.objects.filter(assessment_id=assessment_id, to_confirm=False)
        },
        to_confirm={
            a.capability.code
            for a in CapabilityAnswer.objects.filter(assessment_id=assessment_id, to_confirm=True)
        }
        | {
            a.criterion.code
            for a in CriterionAnswer.objects.filter(assessment_id=assessment_id, to_confirm=True)
        },
    )


def test_answer_values_equal_the_orms_and_leave_out_copies_to_confirm():
    first, second, third = answered_assessments(["FR", "KE", "BR"], [2026], seed=7)
    CapabilityAnswer.objects.filter(assessment=second, capability__code="C04").update(
        to_confirm=True
    )
    CriterionAnswer.objects.filter(assessment=second, criterion__code="possession").update(
        to_confirm=True
    )
    IndicatorAnswer.objects.filter(assessment=third).delete()
    with CaptureQueriesContext(connection) as ctx:
        values = answering.answer_values_of_many([first, second, third])
    assert len(ctx) == 1
    for a in (first, second, third):
        assert values[a.pk] == orm_values(a.pk)
    assert "C04" in values[first.pk].responses and "C04" not in values[second.pk].responses
    assert "possession" not in values[second.pk].criteria
    assert values[second.pk].to_confirm == {"C04", "possession"}
    assert values[first.pk].to_confirm == set()
    assert len(values[first.pk].responses) == 21 and len(values[first.pk].indicators) == 169
    assert values[third.pk].indicators == {}


def test_no_assessment_no_query():
    with CaptureQueriesContext(connection) as ctx:
        assert answering.answer_values_of_many([]) == {}
    assert len(ctx) == 0


def test_many_assessments_are_read_in_chunks_with_the_same_result(monkeypatch):
    assessments = answered_assessments(["FR", "KE", "BR"], [2025, 2026], seed=3)
    whole = answering.answer_values_of_many(assessments)
    monkeypatch.setattr(answering, "ANSWER_VALUES_CHUNK", 4)
    with CaptureQueriesContext(connection) as ctx:
        chunked = answering.answer_values_of_many(assessments)
    assert len(ctx) == 2 and chunked == whole


def test_the_autosaves_read_equals_the_orms(django_assert_num_queries):
    """`_stored_capability`: a capability's stored answer and its indicators, in one
    statement, as the ORM reads them (each field, with its type), answered or not, copied
    or confirmed, with and without indicators."""
    a = answered_assessments(["FR"], [2024], seed=3)[0]
    tree = frameworks_cache.mnr_tree(a.mnr_version)
    CapabilityAnswer.objects.filter(assessment=a, capability__code="C05").delete()
    CapabilityAnswer.objects.filter(assessment=a, capability__code="C06").update(
        to_confirm=True, share_with_peers=True
    )
    IndicatorAnswer.objects.filter(assessment=a, indicator__capability__code="C07").delete()
    for cap in tree.capabilities:
        with django_assert_num_queries(1):
            answer, indicators = answering._stored_capability(a, cap, cap.indicator_list)
        stored = CapabilityAnswer.objects.filter(assessment=a, capability=cap).first()
        assert (answer is None) == (stored is None), cap.code
        if stored is not None:
            fields = CapabilityAnswer._meta.concrete_fields
            # repr: True, not 1 (SQLite's booleans); a datetime, not its text
            assert [repr(getattr(answer, f.attname)) for f in fields] == [
                repr(getattr(stored, f.attname)) for f in fields
            ], cap.code
            assert not answer._state.adding
        assert indicators == {
            i.indicator.code: i.value
            for i in IndicatorAnswer.objects.filter(assessment=a, indicator__capability=cap)
        }, cap.code
    assert answering._stored_capability(a, tree.capabilities[4], [])[1] == {}  # no indicator
