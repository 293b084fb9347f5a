"""The reference data set: 196 countries x 3 cycles, every question answered, 10 actions each.

Used by bench/run.py and bench/load.py against a fresh PostgreSQL database. Fictional content:
the countries are real ISO codes but the answers are random numbers in a throwaway database.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management import call_command

from assessment.models import Action, Assessment, Membership

CYCLES = [2024, 2025, 2026]
PASSWORD = "bench-password-not-secret"


def build(countries: int = 196) -> None:
    """Idempotent: does nothing when the data set is already there."""
    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0)
    if Assessment.objects.filter(country__is_demo=False).count() >= countries * len(CYCLES):
        return
    from tests.bulk import answered_assessments, real_country_codes

    codes = real_country_codes(countries)
    assessments = answered_assessments(codes, CYCLES, status="validated")
    # The latest cycle is submitted (so the secretariat sees it), except France's, kept as a
    # draft for the benchmark's country team to edit.
    Assessment.objects.filter(cycle=2026).update(status="submitted")
    Assessment.objects.filter(cycle=2026, country="FR").update(status="draft")
    start = dt.date(2026, 1, 1)
    Action.objects.bulk_create(
        Action(
            assessment=a,
            position=n,
            title=f"Action {n} for {a.country_id} {a.cycle}",
            lead_agency="Ministry of Justice",
            supporting_agencies="National Police",
            start_date=start,
            due_date=start + dt.timedelta(days=30 * n),
            priority=n,
        )
        for a in assessments
        for n in range(1, 11)
    )
    users = get_user_model()
    for code in codes:
        user = users.objects.create_user(f"bench-{code.lower()}", password=PASSWORD)
        Membership.objects.create(user=user, country_id=code, role=Membership.Role.COORDINATOR)
    analyst = users.objects.create_user("bench-analyst", password=PASSWORD)
    Membership.objects.create(user=analyst, role=Membership.Role.ANALYST)
