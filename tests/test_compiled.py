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


# --- `CompiledQuery`: the membership of every page, the plan page's reads ------------------


def fields_of(obj: object) -> dict[str, object]:
    return {
        f.attname: getattr(obj, f.attname)
        for f in type(obj)._meta.concrete_fields  # type: ignore[attr-defined]
        if f.attname in obj.__dict__
    }


def test_a_membership_is_what_the_orm_reads_and_is_read_once(django_assert_num_queries):
    from django.contrib.auth import get_user_model

    from assessment.models import Membership

    from .factories import make_user

    coordinator = make_user(
        "cora", country=make_country("XA", "Arvenia (demo)"), role="coordinator"
    )
    analyst = make_user("ana", role=Membership.Role.ANALYST)  # no country
    nobody = get_user_model().objects.create_user("nobody", password="x" * 20)
    for user in (coordinator, analyst):
        fresh = get_user_model().objects.get(pk=user.pk)
        with django_assert_num_queries(1):
            found = access.membership_of(fresh)
            assert access.membership_of(fresh) is found and fresh.membership is found
        assert fields_of(found) == fields_of(Membership.objects.get(user=user))
        assert found.user is fresh  # no query to go back to the user
    fresh = get_user_model().objects.get(pk=nobody.pk)
    with django_assert_num_queries(1):
        assert access.membership_of(fresh) is None and access.membership_of(fresh) is None
    with pytest.raises(Membership.DoesNotExist):
        fresh.membership  # noqa: B018 (as Django's own read says it)


def test_the_plans_reads_are_what_the_orm_reads():
    """The previous validated assessment, the raised targets and the action rows (whose
    equality, field by field, `test_plan.py` checks in their order too), for each value."""
    from assessment import plan

    france = Country.objects.get(pk="FR")
    older = make_assessment(france, 2023)
    newer = make_assessment(france, 2024)
    Assessment.objects.filter(pk__in=[older.pk, newer.pk]).update(status="validated")
    current = make_assessment(france, 2026)
    assert plan._PREVIOUS.run("FR", 2026)[0].pk == newer.pk
    assert plan._PREVIOUS.run("FR", 2024)[0].pk == older.pk
    assert plan._PREVIOUS.run("FR", 2023) == [] == plan._PREVIOUS.run("DE", 2026)
    assert fields_of(plan._PREVIOUS.run("FR", 2026)[0]) == fields_of(
        newer.__class__.objects.get(pk=newer.pk)
    )
    assert plan._TARGETS.run(current.pk) == []


@pytest.mark.parametrize(
    "queryset, placeholders",
    [
        (Assessment.objects.filter(cycle=32001).select_related("country"), (32001,)),  # a relation
        (Assessment.objects.filter(cycle=32001).annotate(n=F("cycle")), (32001,)),  # a value more
        (Assessment.objects.filter(cycle=32001, revision=32001), (32001,)),  # which one?
        (Assessment.objects.filter(cycle=32001), (32002,)),  # a placeholder the query lacks
        (Assessment.objects.filter(cycle=-7), (-7,)),  # out of the field's range: no SQL at all
    ],
)
def test_a_query_it_cannot_run_compiled_fails_loudly(queryset, placeholders):
    from assessment.compiled import CompiledQuery

    with pytest.raises(RuntimeError, match="cannot compile"):
        CompiledQuery(queryset, *placeholders).run(*placeholders)
