"""Benchmark: uploading hostile questionnaire workbooks (issue 22 §4), run by hand.

    .venv/bin/python bench/workbook_upload.py

Runs in a throwaway in-memory SQLite database (nothing is written elsewhere): loads the
frameworks, makes a fictional country's assessment with every answer filled in, downloads its
workbook as its coordinator and builds from it, with a valid signed header as a team member's
file has, the files of the issue (tests/hostile_workbooks.py). Each is uploaded through the
upload page in a forked process, so that each figure is its own: the wall time of the request
and the peak resident memory above the process's before it (VmHWM after resetting it, Linux).
A request still running after TIMEOUT seconds is killed and printed as such.

Budget: every file up to the upload limit answered in under 2 s with under 64 MB extra memory.
"""

from __future__ import annotations

import html
import json
import logging
import os
import random
import re
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
os.environ["ALLOWED_HOSTS"] = "testserver"

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

TIMEOUT = int(os.environ.get("BENCH_TIMEOUT", "60"))
MB = 1024 * 1024


def _status_kb(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))  # type: ignore[union-attr]


def _measure(client: Client, url: str, data: bytes) -> dict[str, object]:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    before = _status_kb("VmRSS")
    start = time.perf_counter()
    response = client.post(url, {"file": SimpleUploadedFile("answers.xlsx", data)})
    seconds = time.perf_counter() - start
    page = response.content.decode(errors="replace")
    found = re.search(r'id="workbook-errors".*?<li>(.*?)</li>', page, re.S)
    message = found.group(1) if found else ("(preview)" if response.status_code == 200 else "")
    return {
        "status": response.status_code,
        "seconds": seconds,
        "extra_mb": (_status_kb("VmHWM") - before) / 1024,
        "message": html.unescape(re.sub(r"\s+", " ", message))[:150],
    }


def _in_child(client: Client, url: str, data: bytes) -> dict[str, object]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one request, its figures down the pipe
        os.close(read_end)
        try:
            result = _measure(client, url, data)
        except BaseException as error:  # a 500 in a worker
            result = {"status": 500, "seconds": 0, "extra_mb": 0, "message": repr(error)[:90]}
        os.write(write_end, json.dumps(result).encode())
        os._exit(0)
    os.close(write_end)
    start = time.monotonic()
    while time.monotonic() - start < TIMEOUT:
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return {"status": "killed", "seconds": TIMEOUT, "extra_mb": float("nan"), "message": ""}
    with os.fdopen(read_end, "rb") as pipe:
        return json.loads(pipe.read() or b"{}")


def main() -> None:
    logging.disable(logging.WARNING)  # each 422 would log a line
    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0)
    from assessment.models import Membership
    from tests import hostile_workbooks as hostile
    from tests.factories import answer_all, make_assessment, make_country, make_user

    country = make_country("XA", "Arvenia (demo)")
    user = make_user("bench-cd", country=country, role=Membership.Role.COORDINATOR)
    assessment = make_assessment(country)
    # Every evidence at the form's limit: the largest workbook a team can really make.
    answer_all(assessment, indicators="partly", evidence=("Plan national 2024 — " * 1000)[:20000])
    client = Client()
    client.force_login(user)
    real = client.get(reverse("assessment:workbook_download", args=[assessment.uuid])).content
    bomb = hostile.with_sheet(real, hostile.wide_sheet(40 * MB))
    files = {
        "real workbook, every answer at its longest": real,
        "the issue's bomb: a sheet unpacking to 40 MB": bomb,
        "100,000 rows": hostile.with_sheet(real, hostile.long_sheet(100_000)),
        "20,000 rows, under the size limit": hostile.with_sheet(real, hostile.long_sheet(20_000)),
        "two sheets of long notes, under every limit": hostile.with_sheet(
            real, hostile.text_sheet(37 * MB // 10), hostile.text_sheet(37 * MB // 10, seed=1)
        ),
        "forged header, 1.1 MB": hostile.forged(
            hostile.with_sheet(real, hostile.wide_sheet(11 * MB))
        ),
        "forged header on the 40 MB bomb": hostile.forged(bomb),
        "shared strings unpacking to 40 MB": hostile.big_shared_strings(real, 40 * MB),
        "ODS: one value repeated over 10^9 columns": hostile.ods(
            real,
            '<table:table-row><table:table-cell office:value-type="string" '
            'table:number-columns-repeated="1000000000"><text:p>x</text:p></table:table-cell>'
            "</table:table-row>",
        ),
        "ODS: 11 MB of notes, under every limit": hostile.ods(
            real,
            "".join(
                f'<table:table-row><table:table-cell table:number-columns-repeated="2"/>'
                f'<table:table-cell office:value-type="string"><text:p>{text}</text:p>'
                "</table:table-cell></table:table-row>"
                for text in (hostile._words(random.Random(n), 4000) for n in range(550))
            ),
        ),
        "ODS: 10^12 spaces in one cell": hostile.ods(
            real,
            '<table:table-row><table:table-cell office:value-type="string"><text:p>'
            + '<text:s text:c="1000000000"/>' * 1000
            + "</text:p></table:table-cell></table:table-row>",
        ),
    }
    url = reverse("assessment:workbook_upload", args=[assessment.uuid])
    print(f"{'file':46} {'size':>8} {'status':>7} {'time s':>7} {'extra MB':>9}  message")
    for name, data in files.items():
        result = _in_child(client, url, data)
        print(
            f"{name:46} {len(data) / 1024:6.0f}kB {result['status']!s:>7} "
            f"{result['seconds']:7.2f} {result['extra_mb']:9.1f}  {result['message']}"
        )


if __name__ == "__main__":
    main()
