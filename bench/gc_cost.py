"""What garbage collection costs the secretariat matrix, with and without a worker's frozen
start-up objects (config/wsgi.py), on the reference data set (run by hand, after bench/run.py):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mnr_bench .venv/bin/python bench/gc_cost.py

Calls the matrix view N times (BENCH_N, 30) for each case and prints the median and p95 time
and the collector's own time per request, measured with `gc.callbacks`.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run  # noqa: E402  (production settings; imports config.wsgi, which freezes)

N = int(os.environ.get("BENCH_N", "30"))


def main() -> None:
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory
    from django.utils import translation

    from secretariat import views

    translation.activate("en")
    request = RequestFactory().get("/secretariat/?cycle=2026")
    request.user = get_user_model().objects.get(username="bench-analyst")
    collecting: list[float] = []
    started: list[float] = []

    def timer(phase: str, _info: dict) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        else:
            collecting.append(time.perf_counter() - started.pop())

    gc.callbacks.append(timer)
    print(f"matrix, 196 countries, N={N}")
    for case in ("start-up objects frozen (as a worker)", "not frozen"):
        if case == "not frozen":
            gc.unfreeze()
        views.matrix(request)  # warm up
        collecting.clear()
        times = []
        for _ in range(N):
            start = time.perf_counter()
            views.matrix(request)
            times.append(time.perf_counter() - start)
        times.sort()
        p95 = times[min(N - 1, round(0.95 * N) - 1)]
        print(
            f"{case:38} median {statistics.median(times) * 1000:6.1f} ms  "
            f"p95 {p95 * 1000:6.1f} ms  collector {sum(collecting) / N * 1000:5.1f} ms/request"
        )


if __name__ == "__main__":
    run.reference_data.build()
    main()
