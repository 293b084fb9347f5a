"""Time and query count of the secretariat matrix at 196 countries x 3 cycles (run by hand).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mnr_bench .venv/bin/python bench/matrix.py

Builds the data set in that database when it is empty (after migrate and load_frameworks),
then requests the matrix page, its CSV and XLSX exports 7 times each as a secretariat analyst
and prints the median and worst time and the query count.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from assessment.models import Assessment, Membership  # noqa: E402


def ensure_data() -> None:
    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0)
    if Assessment.objects.filter(country__is_demo=False).exists():
        return
    from tests.bulk import answered_assessments, real_country_codes

    answered_assessments(real_country_codes(196), [2024, 2025, 2026])


def main() -> None:
    settings.ALLOWED_HOSTS = ["*"]
    ensure_data()
    user, _ = get_user_model().objects.get_or_create(username="bench-analyst")
    Membership.objects.get_or_create(user=user, defaults={"role": "analyst"})
    client = Client()
    client.force_login(user)
    print(f"{Assessment.objects.count()} assessments in {connection.vendor}")
    for name, url in (
        ("matrix page", "/secretariat/"),
        ("matrix page, cycle 2026", "/secretariat/?cycle=2026"),
        ("matrix CSV", "/secretariat/export/matrix.csv"),
        ("matrix+aggregates XLSX", "/secretariat/export/comparison.xlsx"),
    ):
        client.get(url)
        times = []
        for _ in range(7):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
        print(
            f"{name:26} median {statistics.median(times) * 1000:7.0f} ms   "
            f"max {max(times) * 1000:7.0f} ms   {len(ctx)} queries"
        )


if __name__ == "__main__":
    main()
