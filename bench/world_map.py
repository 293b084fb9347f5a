"""Benchmark: the world map of a 196-country review, its size and render time (issue 17).

    .venv/bin/python bench/world_map.py

Runs in a throwaway in-memory SQLite database (nothing is written elsewhere): imports a
synthetic 196-row review (the fixture of tests/test_reviews.py) and renders the map view's
SVG, its legend and table N times. Budget: under 300 KB and well under a second.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402

N = int(os.environ.get("BENCH_N", "50"))


def main() -> None:
    call_command("migrate", verbosity=0)
    from secretariat.reviews import tables as reviews
    from secretariat.reviews import worldmap
    from secretariat.reviews.views import map_context
    from tests.test_reviews import icmec_2018_rows, import_review, real_codes, synthetic_csv

    review = import_review(synthetic_csv(real_codes(196), icmec_2018_rows()), 2018)
    worldmap.geometry()  # read once per process, as a worker does
    times, page_times = [], []
    for _ in range(N):
        start = time.perf_counter()
        context = map_context(review, reviews.ReviewFilters(), "review")
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        html = render_to_string("secretariat/review_map.html", context | {"form": None})
        page_times.append(time.perf_counter() - start + times[-1])
    svg = str(context["svg"]).encode()
    shapes = svg.count(b'role="img"')
    print(f"geometry file   {worldmap.GEODATA.stat().st_size / 1024:8.1f} KB")
    print(f"map SVG         {len(svg) / 1024:8.1f} KB ({shapes} shapes)")
    print(f"whole page      {len(html.encode()) / 1024:8.1f} KB")
    print(f"map + table     {statistics.median(times) * 1000:8.1f} ms median of {N}")
    print(f"page rendered   {statistics.median(page_times) * 1000:8.1f} ms median of {N}")


if __name__ == "__main__":
    main()
