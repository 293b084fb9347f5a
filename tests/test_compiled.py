"""`compiled.CompiledLookup` (issue 27): `access.assessment_for` reads an assessment with SQL
compiled once per process. Here it must give exactly what the ORM gives, field by field, with
its country and its cycle's sharing choice, in each state of the workflow; the sharing state
machine checks the same in every state it reaches (`check_compiled`)."""

from __future__ import annotations

import uuid

import pytest
from django.db.models import F

from assessment import access, workflow
from assessment.compiled import CompiledLookup
from assessment.models import Assessment, Country

from .compiled_check import check_compiled
from .factories import answer_all, make_assessment, make_country

pytestmark = pytest.mark.usefixtures("frameworks")


def test_it_reads_what_the_orm_reads_in_every_state_of_the_workflow(django_assert_num_queries):
    france = Country.objects.get(pk="FR")
    first = make_assessment(france, 2024)
    answer_all(first, {"C04": "4"}, default="3", share=True)
    draft = make_assessment(make_country("XA", "Arvenia (demo)"), 2025)
    check_compiled([first, draft])  # drafts: a library country's name and a demo's
    workflow.submit(assessment=first, sharing="named", user=None)
    workflow.review(assessment=first, validate=False, comment="Check C04.", user=None)
    check_compiled([first])  # returned, with its comment
    workflow.submit(assessment=first, sharing="named", user=None)
    workflow.review(assessment=first, validate=True, comment="", user=None)
    second = workflow.reopen(assessment=Assessment.objects.get(pk=first.pk), user=None)
    check_compiled([first, second])  # a validated revision and its open copy
    workflow.submit(assessment=second, sharing="aggregate", user=None)
    # Revision 1 was shared by name, but the cycle is now shared for aggregates only.
    assert access._BY_UUID.get(first.uuid).cycle_sharing == "aggregate"  # type: ignore[union-attr]
    check_compiled([first, second, draft])
    with django_assert_num_queries(1):  # the country comes with it
        found = access._BY_UUID.get(second.uuid)
        assert found is not None and found.country.name == "France"


def test_an_unknown_uuid_finds_nothing_and_the_page_is_a_404(client):
    assert access._BY_UUID.get(uuid.uuid4()) is None
    assert access._BY_UUID.get(uuid.UUID(int=0)) is None  # the placeholder compiled with
    assert client.get(f"/assessments/{uuid.uuid4()}/").status_code in (302, 404)


@pytest.mark.parametrize(
    "queryset",
    [
        # Columns in another order than the model's fields, the annotations, the related's.
        Assessment.objects.select_related("country").only("uuid", "country"),
        Assessment.objects.select_related("country").annotate(twice=F("cycle")).defer("cycle"),
        # The looked-up value twice in the parameters: which one to replace?
        Assessment.objects.select_related("country").filter(copied_from__uuid=uuid.UUID(int=0)),
    ],
)
def test_a_query_it_cannot_compile_once_fails_loudly(queryset):
    lookup = CompiledLookup(queryset, "uuid", uuid.UUID(int=0), related="country")
    with pytest.raises(RuntimeError, match="cannot compile"):
        lookup.get(uuid.uuid4())
