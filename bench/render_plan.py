"""Render time and page count of the PDF action plan (run by hand, not by the tests).

    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_frameworks \
        && .venv/bin/python manage.py demo && .venv/bin/python bench/render_plan.py

Prints, for the latest demo assessment of each demo country and for the one with the most gaps
extended to 100 actions (inside a transaction that is rolled back), the number of gaps and
actions, the PDF's pages, and the median of 3 renders (report building included).
"""

import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from assessment.models import Action, Assessment  # noqa: E402
from assessment.reports.builder import build_report  # noqa: E402
from assessment.reports.pdf import render_pdf  # noqa: E402


def measure(assessment: Assessment) -> tuple[int, int, int, float]:
    times, pdf, report = [], b"", None
    for _ in range(3):
        start = time.perf_counter()
        report = build_report(assessment, "en")
        pdf = render_pdf(report)
        times.append(time.perf_counter() - start)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return len(report.gaps), len(report.actions), pages, statistics.median(times)


def main() -> None:
    latest = [
        Assessment.objects.with_frameworks().filter(country=c).order_by("-cycle").first()
        for c in {a.country for a in Assessment.objects.filter(country__is_demo=True)}
    ]
    rows = []
    for a in sorted(latest, key=lambda a: a.country_id):
        rows.append((str(a), *measure(a)))
    most = max(latest, key=lambda a: measure(a)[0])
    with transaction.atomic():
        have = Action.objects.filter(assessment=most).count()
        Action.objects.bulk_create(
            Action(
                assessment=most,
                position=have + n,
                title=f"Benchmark action {n}",
                lead_agency="Ministry of Justice",
                supporting_agencies="National Police",
            )
            for n in range(1, 101 - have)
        )
        rows.append((f"{most} with 100 actions", *measure(most)))
        transaction.set_rollback(True)
    print(f"{'assessment':42} {'gaps':>5} {'actions':>8} {'pages':>6} {'median s':>9}")
    for name, gaps, actions, pages, seconds in rows:
        print(f"{name:42} {gaps:5} {actions:8} {pages:6} {seconds:9.2f}")


if __name__ == "__main__":
    main()
