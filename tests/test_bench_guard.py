"""The benchmark's reference data set gives real countries random answers and adds accounts
with a published password: it must refuse any database that holds someone else's data."""

from __future__ import annotations

import pytest

from bench import reference_data

from .factories import make_assessment, make_country, make_user

pytestmark = pytest.mark.django_db


def test_an_empty_database_is_accepted():
    reference_data.refuse_unless_scratch()


def test_the_benchs_own_accounts_and_assessments_are_accepted(frameworks):
    country = make_country("KE", is_demo=False, demo_name="")
    make_user("bench-ke", country=country, role="coordinator")
    make_user("bench-analyst", role="analyst")
    make_assessment(country)
    reference_data.refuse_unless_scratch()


def test_a_database_with_anyone_elses_account_is_refused():
    make_user("ana", role="analyst")
    with pytest.raises(reference_data.NotAScratchDatabase, match="fresh, empty database"):
        reference_data.refuse_unless_scratch()


def test_a_database_with_an_assessment_of_a_country_without_bench_team_is_refused(frameworks):
    make_assessment(make_country("KE", is_demo=False, demo_name=""))
    with pytest.raises(reference_data.NotAScratchDatabase):
        reference_data.refuse_unless_scratch()
