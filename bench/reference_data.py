"""The reference data set: 196 countries x 3 cycles, every question answered, 10 actions each.

Used by bench/run.py and bench/load.py against a fresh PostgreSQL database. Fictional content:
the countries are real ISO codes but the answers are random numbers in a throwaway database,
and the accounts share a published password. So it refuses to write into a database that holds
anything but its own data: drop the database after measuring (`dropdb mnr_bench`).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management import call_command

from assessment.models import Action, Assessment, Membership

CYCLES = [2024, 2025, 2026]
PASSWORD = "bench-password-not-secret"


def team_country() -> str:
    """The benchmark's country team: the first country, its latest cycle kept as a draft."""
    from tests.bulk import real_country_codes

    return real_country_codes(1)[0]


class NotAScratchDatabase(SystemExit):
    pass


def refuse_unless_scratch() -> None:
    """Stop before inventing answers for real countries, or adding accounts with a published
    password, in a database someone uses: every account and assessment must be the bench's."""
    users = get_user_model().objects.exclude(username__startswith="bench-")
    theirs = Assessment.objects.exclude(country__members__user__username__startswith="bench-")
    if users.exists() or theirs.exists():
        raise NotAScratchDatabase(
            "This database holds accounts or assessments that the benchmark did not make. "
            "The reference data set gives real countries random answers and adds accounts "
            "with a published password, so it runs only in a fresh, empty database: "
            "createdb -h 127.0.0.1 -U postgres mnr_bench, and set DATABASE_URL to it."
        )


def build(countries: int = 196) -> None:
    """Incremental: adds only the countries not yet there, so a run can measure at 10 countries,
    then grow the same database to 196 and measure again."""
    call_command("migrate", verbosity=0)
    refuse_unless_scratch()
    call_command("load_frameworks", verbosity=0)
    from tests.bulk import answered_assessments, real_country_codes

    present = set(Assessment.objects.values_list("country_id", flat=True))
    codes = [c for c in real_country_codes(countries) if c not in present]
    if not codes:
        return
    assessments = answered_assessments(codes, CYCLES, status="validated")
    # The latest cycle is submitted (so the secretariat sees it), except the team country's,
    # kept as a draft for the benchmark's country team to edit.
    Assessment.objects.filter(cycle=CYCLES[-1], country__in=codes).update(status="submitted")
    Assessment.objects.filter(cycle=CYCLES[-1], country=team_country()).update(status="draft")
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
    if not users.objects.filter(username="bench-analyst").exists():
        analyst = users.objects.create_user("bench-analyst", password=PASSWORD)
        Membership.objects.create(user=analyst, role=Membership.Role.ANALYST)
