"""Benchmark: the pages a country team and the secretariat use, on the reference data set.

    createdb -h 127.0.0.1 -U postgres mnr_bench   # a fresh database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mnr_bench .venv/bin/python bench/run.py

Each figure is the median and 95th percentile of N requests (BENCH_N, 100; 30 or fewer for the
slow ones) made in this process through Django's full stack (middleware, sessions, templates),
with its SQL query count, at 196 countries and, on a fresh database, at 10. Each request is
followed by one to a bare view returning a static page of the same size through the same
middleware and session, so both see the same noise and the ratio holds on a noisy machine.
Budgets (issue 7): pages and saves within 3x the bare view, matrix at 196 countries under
300 ms median, PDF action plan under 2 s, query counts the same at 10 and 196 countries; the
cycle's board (issue 26) within 5x the bare view. Last, the bulk export's plans per minute
(BENCH_EXPORT_PLANS validated plans, 20, rolled back afterwards).

    bench/run.py --profile capability page    # where one case's time goes (pyinstrument)
"""

from __future__ import annotations

import itertools
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Production settings, as the app runs for governments: DEBUG off (so templates are compiled
# once and cached), hashed static files collected once, plain HTTP on loopback.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SITE_URL", "https://testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("STATIC_ROOT", "/tmp/mnr-bench-static")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

# What a gunicorn worker does at start (load the views and templates, freeze them out of the
# garbage collector's full passes), so the figures are a worker's.
import config.wsgi  # noqa: E402, F401

call_command("collectstatic", interactive=False, verbosity=0)

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path  # noqa: E402

from bench import reference_data  # noqa: E402

N = int(os.environ.get("BENCH_N", "100"))


def bare(request: HttpRequest, size: int) -> HttpResponse:
    return HttpResponse(b"<!DOCTYPE html><p>" + b"x" * max(0, size - 18))


urlpatterns = [path("bench-bare/<int:size>/", bare), path("", include("config.urls"))]


def measure(
    call: Callable[[], HttpResponse], n: int = N, bare_client: Client | None = None
) -> tuple[float, float, int, int, float]:
    """Median and p95 seconds, queries and bytes of `call`; with `bare_client`, each request is
    followed by one to the bare view of the same size, so that both see the same noise, and
    the bare view's median comes last (else 0)."""
    response = call()  # warm up
    size = len(response.content) if not response.streaming else 0
    times, bare_times, queries = [], [], 0
    for _ in range(n):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = call()
            times.append(time.perf_counter() - start)
        assert response.status_code in (200, 302), (response.status_code, response)
        queries = len(ctx)
        if bare_client is not None:
            start = time.perf_counter()
            bare_client.get(f"/bench-bare/{size}/")
            bare_times.append(time.perf_counter() - start)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    bare_median = statistics.median(bare_times) if bare_times else 0.0
    return statistics.median(times), p95, queries, size, bare_median


def cases() -> tuple[Client, list[tuple[str, Callable[[], HttpResponse], int]]]:
    from django.contrib.auth import get_user_model

    from assessment.models import Assessment

    code = reference_data.team_country()
    a = Assessment.objects.get(country=code, cycle=reference_data.CYCLES[-1])
    users = get_user_model().objects
    team = Client()
    team.force_login(users.get(username=f"bench-{code.lower()}"))  # as after signing in
    analyst = Client()
    analyst.force_login(users.get(username="bench-analyst"))
    base = f"/assessments/{a.uuid}/"
    board = f"/secretariat/cycles/{reference_data.CYCLES[-1]}/"

    # Saving one answer: the autosave POST alone, each one a real change (level and evidence
    # differ from the stored ones, so the history records it). Its response carries the new
    # version (an out-of-band hidden input), which the next save sends, as the page's script does.
    page = team.get(base + "capability/C04/").content.decode()
    version = [re.search(r'name="version" value="(\d+)"', page).group(1)]  # type: ignore
    saves = itertools.count()

    def save() -> HttpResponse:
        n = next(saves)
        response = team.post(
            base + "capability/C04/",
            {"response": str(n % 5), "version": version[0], "evidence": f"bench save {n}"},
            HTTP_HX_REQUEST="true",
        )
        version[0] = re.search(rb'value="(\d+)"', response.content).group(1).decode()  # type: ignore
        return response

    return team, [
        ("bare view", lambda: team.get("/bench-bare/20000/"), N),
        ("overview", lambda: team.get(base), N),
        ("capability page", lambda: team.get(base + "capability/C04/"), N),
        ("results page", lambda: team.get(base + "results/"), N),
        # The team's other pages (issue 27: every country-team page within 2.5x).
        ("legislation page", lambda: team.get(base + "legislation/"), N),
        ("gaps and action plan page", lambda: team.get(base + "plan/"), N),
        ("save one answer (autosave POST)", save, N),
        ("secretariat matrix, 196 countries", lambda: analyst.get("/secretariat/?cycle=2026"), 30),
        ("matrix, all 3 cycles (588 rows)", lambda: analyst.get("/secretariat/"), 10),
        (
            "XLSX export (matrix + aggregates)",
            lambda: analyst.get("/secretariat/export/comparison.xlsx?cycle=2026"),
            10,
        ),
        # Drawn each time (what was kept is forgotten first), then the same plan again
        # unchanged, as a colleague's download or the bulk export finds it (pdf.py keeps it).
        ("PDF action plan", lambda: _forgotten(lambda: team.get(base + "plan/export/pdf")), 5),
        ("PDF action plan, unchanged, again", lambda: team.get(base + "plan/export/pdf"), 30),
        # Issue 26: the cycle's board, every reference country a member (budget: 5x the bare
        # view, queries the same at 10 and 196 countries).
        ("cycle board, every member", lambda: analyst.get(board), 30),
        ("cycle board CSV", lambda: analyst.get(board + "board.csv"), 30),
    ]


def _forgotten(call: Callable[[], HttpResponse]) -> HttpResponse:
    """`call` with no action plan's PDF kept from before: drawn again."""
    from assessment.reports import pdf

    pdf._KEPT.clear()
    return call()


def _freeze() -> None:
    """Store the scores of the submitted and validated assessments, as submitting does
    (issue 17); BENCH_LIVE_SCORES=1 leaves them unstored, to measure scoring on each request."""
    if os.environ.get("BENCH_LIVE_SCORES") != "1":
        from assessment import frozen

        frozen.freeze_all()


def _analyze() -> None:
    """The planner's statistics of the data just written, as PostgreSQL's autovacuum keeps
    them in production (else the first minutes of a run plan on empty tables' estimates)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _cycle() -> None:
    """The latest reference cycle, opened, with every country that has an assessment as an
    alliance member with one focal point (idempotent)."""
    import datetime as dt

    from django.utils import timezone

    from assessment.models import Assessment, Country
    from cycles.models import AllianceMember, Cycle, FocalPoint
    from frameworks.models import FrameworkVersion

    latest = FrameworkVersion.objects.latest_of_kind
    Cycle.objects.get_or_create(
        year=reference_data.CYCLES[-1],
        defaults={
            "opens_on": dt.date(reference_data.CYCLES[-1], 1, 15),
            "deadline": timezone.localdate() + dt.timedelta(days=20),
            "mnr_version": latest("mnr"),
            "legislation_version": latest("legislation"),
            "recommendations_version": latest("recommendations"),
            "reminder_days": [14, 7, 1],
            "opened_at": timezone.now(),
        },
    )
    codes = set(Assessment.objects.values_list("country", flat=True))
    for country in Country.objects.filter(pk__in=codes).exclude(alliance__isnull=False):
        member = AllianceMember.objects.create(country=country, member_since=dt.date(2019, 1, 1))
        FocalPoint.objects.create(
            member=member, name=f"Focal {country.pk}", email=f"{country.pk}@bench.example"
        )


def bulk_export_rate(plans: int) -> None:
    """Plans per minute of the bulk export: `plans` latest-cycle assessments validated and
    named, built into the ZIP as the worker does, all rolled back afterwards."""
    import tempfile

    from django.db import transaction

    from assessment.models import Assessment
    from cycles import bulk
    from cycles.models import Cycle

    with transaction.atomic(), tempfile.TemporaryDirectory() as root:
        settings.EXPORT_ROOT = Path(root)
        cycle = Cycle.objects.get(year=reference_data.CYCLES[-1])
        Assessment.objects.filter(cycle=cycle.year).update(status="submitted")
        chosen = list(
            Assessment.objects.filter(cycle=cycle.year)
            .order_by("country")[:plans]
            .values_list("pk", flat=True)
        )
        Assessment.objects.filter(pk__in=chosen).update(status="validated", sharing="named")
        export = bulk.export_request(cycle=cycle, user=None)
        start = time.perf_counter()
        assert bulk.export_build(export.pk)
        elapsed = time.perf_counter() - start
        size = bulk.export_path(export).stat().st_size
        print(
            f"bulk export: {plans} plans + scores workbook in {elapsed:.1f} s "
            f"({plans / elapsed * 60:.1f} plans a minute, one process), ZIP {size // 1024} kB"
        )
        transaction.set_rollback(True)


def main() -> None:
    settings.ALLOWED_HOSTS = ["*"]
    from assessment.models import Assessment

    with override_settings(ROOT_URLCONF=__name__):
        if sys.argv[1:2] == ["--profile"]:
            return profile(" ".join(sys.argv[2:]))
        # Query counts at 10 countries, then the same database grown to the full reference set
        # (in a fresh database only; a second run on the same one cannot go back to 10).
        small: dict[str, int | str] = {}
        reference_data.build(countries=10)
        _freeze()
        _cycle()
        if Assessment.objects.count() == 10 * len(reference_data.CYCLES):
            only = os.environ.get("BENCH_ONLY", "")
            small = {name: measure(call, 2)[2] for name, call, _ in cases()[1] if only in name}
        reference_data.build()
        _freeze()
        _cycle()
        _analyze()
        print(f"{Assessment.objects.count()} assessments, {connection.vendor}, N={N}")
        print(
            f"{'case':36} {'median':>8} {'p95':>8} {'queries':>7} {'at 10':>5} {'bytes':>8} "
            f"{'bare med':>9} {'ratio':>6}"
        )
        team, measured = cases()
        only = os.environ.get("BENCH_ONLY", "")  # e.g. BENCH_ONLY="cycle board"
        for name, call, n in measured[1:]:
            if only and only not in name:
                continue
            median, p95, queries, size, bare_median = measure(call, n, bare_client=team)
            print(
                f"{name:36} {median * 1000:6.1f}ms {p95 * 1000:6.1f}ms {queries:7} "
                f"{small.get(name, '-'):>5} {size:8} {bare_median * 1000:7.1f}ms "
                f"{median / bare_median:6.2f}"
            )
        bulk_export_rate(int(os.environ.get("BENCH_EXPORT_PLANS", "20")))


def profile(name: str) -> None:
    """bench/run.py --profile capability page: where the time of one case goes (pyinstrument)."""
    from pyinstrument import Profiler

    reference_data.build()
    call = next(c for n, c, _ in cases()[1] if n.startswith(name))
    call()
    profiler = Profiler(interval=0.0002)
    with profiler:
        for _ in range(int(os.environ.get("PROFILE_N", "200"))):
            call()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
