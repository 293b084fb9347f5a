"""Load test: 50 simulated contributors saving answers for 60 s against gunicorn + PostgreSQL.

    createdb -h 127.0.0.1 -U postgres mnr_bench   # if not there yet (bench/run.py makes it too)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mnr_bench .venv/bin/python bench/load.py

Starts gunicorn itself with production settings on a free loopback port, signs in 50 country
coordinators (one per country, each on its own country's draft), and has each save answers to
its capabilities in turn, as the page's autosave does, for DURATION seconds (default 60).
Traffic goes to 127.0.0.1 only, and every loop is bounded in time. At the end it counts, in
the database, the versions each answer moved through: every acknowledged save must be there.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from assessment.models import Assessment, CapabilityAnswer  # noqa: E402
from bench import reference_data  # noqa: E402

USERS = int(os.environ.get("LOAD_USERS", "50"))
DURATION = float(os.environ.get("LOAD_SECONDS", "60"))
CAPABILITIES = [f"C{n:02}" for n in range(1, 22)]


class Session:
    reconnects = 0  # across all sessions: idle keep-alive connections the server closed

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed an idle keep-alive connection before reading the request, so
            # nothing was processed: send it again on a new connection. (Were it processed,
            # the repeated save would carry a stale version and be refused, not applied twice.)
            Session.reconnects += 1
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";")[0]
        return response.status, text


def sign_in(port: int, username: str) -> Session:
    s = Session(port)
    _, page = s.request("GET", "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore
    status, _ = s.request(
        "POST",
        "/accounts/login/",
        {"csrfmiddlewaretoken": token, "username": username, "password": reference_data.PASSWORD},
    )
    assert status == 302, (username, status)
    return s


def main() -> None:
    reference_data.build()
    drafts = list(
        Assessment.objects.filter(cycle=2026, country__is_demo=False).order_by("country")[:USERS]
    )
    Assessment.objects.filter(pk__in=[a.pk for a in drafts]).update(status="draft")
    before = {
        (a_id, code): version
        for a_id, code, version in CapabilityAnswer.objects.filter(
            assessment__in=drafts
        ).values_list("assessment", "capability__code", "version")
    }
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    static_root = Path(os.environ.get("LOAD_STATIC_ROOT", "/tmp/mnr-load-static"))
    env = os.environ | {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"https://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(static_root),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                Session(port).request("GET", "/health/")
                break
            except OSError:
                time.sleep(0.2)
        sessions = [sign_in(port, f"bench-{a.country_id.lower()}") for a in drafts]
        results: list[list[tuple[float, int, str, str]]] = [[] for _ in drafts]
        stop = time.monotonic() + DURATION

        def contributor(i: int) -> None:
            a, s = drafts[i], sessions[i]
            versions = {code: before.get((a.pk, code), 0) for code in CAPABILITIES}
            _, page = s.request("GET", f"/assessments/{a.uuid}/capability/C01/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore
            n = 0
            while time.monotonic() < stop:
                code = CAPABILITIES[(i + n) % len(CAPABILITIES)]
                n += 1
                start = time.perf_counter()
                try:
                    status, body = s.request(
                        "POST",
                        f"/assessments/{a.uuid}/capability/{code}/",
                        {
                            "csrfmiddlewaretoken": token,
                            "response": str(n % 5),
                            "version": str(versions[code]),
                            "evidence": f"load test save {n}",
                        },
                        {"HX-Request": "true", "X-CSRFToken": token},
                    )
                except OSError as error:
                    status, body = 0, f"transport error: {error!r}"
                elapsed = time.perf_counter() - start
                saved = status == 200 and "Saved at" in body
                if saved:
                    versions[code] = int(
                        re.search(r'name="version"[^>]*value="(\d+)"', body).group(1)
                    )  # type: ignore
                results[i].append((elapsed, status, code, "ok" if saved else body[:120]))

        started = time.monotonic()
        threads = [threading.Thread(target=contributor, args=(i,)) for i in range(len(drafts))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=DURATION + 60)
        wall = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        # Put the data set back as bench/run.py expects it: the latest cycle submitted.
        Assessment.objects.filter(pk__in=[a.pk for a in drafts]).exclude(
            country=reference_data.team_country()
        ).update(status="submitted")

    flat = [r for rs in results for r in rs]
    acknowledged: dict[tuple[int, str], int] = {}
    for a, rs in zip(drafts, results, strict=True):
        for _, _, code, outcome in rs:
            if outcome == "ok":
                acknowledged[(a.pk, code)] = acknowledged.get((a.pk, code), 0) + 1
    after = {
        (a_id, code): version
        for a_id, code, version in CapabilityAnswer.objects.filter(
            assessment__in=drafts
        ).values_list("assessment", "capability__code", "version")
    }
    in_db = sum(after[k] - before.get(k, 0) for k in after)
    errors = [r for r in flat if r[3] != "ok"]
    times = sorted(r[0] for r in flat)
    p95 = times[int(0.95 * (len(times) - 1))] if times else 0
    print(f"{len(drafts)} contributors, {wall:.0f} s, gunicorn 3 workers x 4 threads, PostgreSQL")
    print(
        f"requests {len(flat)}, throughput {len(flat) / wall:.1f} saves/s, "
        f"median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"errors {len(errors)}, reconnects after idle close {Session.reconnects}"
    )
    print(
        f"acknowledged saves {sum(acknowledged.values())}, found in the database "
        f"(sum of version increments) {in_db}"
    )
    for e in errors[:5]:
        print("error:", e)
    sys.exit(0 if not errors and in_db == sum(acknowledged.values()) else 1)


if __name__ == "__main__":
    main()
