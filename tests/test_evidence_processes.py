"""Issue 26: evidence uploaded through one app process is downloaded, the same bytes, through
another, and read by a third process as the worker would: two gunicorn servers on loopback and
a management shell, sharing one database file and nothing else (no shared EVIDENCE_ROOT: each
process is given its own, empty one).
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-enough-passphrase"
SETUP = f"""
from tests.factories import make_assessment, make_country, make_user
from assessment.models import Membership
country = make_country("XA", "Arvenia (demo)")
user = make_user("cd", country=country, role=Membership.Role.COORDINATOR)
user.set_password({PASSWORD!r}); user.save()
print(make_assessment(country).uuid)
"""
READ = """
import hashlib, sys
from assessment.evidence_store import evidence_pieces
from assessment.models import EvidenceFile
digest = hashlib.sha256()
for piece in evidence_pieces(EvidenceFile.objects.get()):
    digest.update(piece)
print(digest.hexdigest())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(tmp_path: Path, name: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return keep | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "EVIDENCE_ROOT": str(tmp_path / f"evidence-{name}"),
        "FAST_PASSWORD_HASHER": "1",
        "LOG_LEVEL": "WARNING",
    }


def manage(tmp_path: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment(tmp_path, "shell"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    manage(tmp_path, "migrate", "--no-input", "-v0")
    manage(tmp_path, "load_frameworks")
    assessment = manage(tmp_path, "shell", "-c", SETUP).split()[-1]
    processes = []
    urls = []
    try:
        for name in ("a", "b"):
            port = free_port()
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "config.wsgi",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        "1",
                    ],
                    cwd=ROOT,
                    env=environment(tmp_path, name),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            deadline = time.monotonic() + 120  # a worker's first import is slow on a busy CI
            while time.monotonic() < deadline:
                try:
                    requests.get(f"{url}/health/", timeout=30)
                    break
                except requests.RequestException:
                    time.sleep(0.25)
        yield urls[0], urls[1], assessment
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def csrf_token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, (url, page.status_code)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_a_file_uploaded_through_one_process_is_read_by_the_others(servers, tmp_path):
    a, b, assessment = servers
    browser = requests.Session()
    token = csrf_token(browser, f"{a}/accounts/login/")
    signed_in = browser.post(
        f"{a}/accounts/login/",
        data={"username": "cd", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{a}/accounts/login/"},
        timeout=30,
    )
    assert signed_in.status_code == 200 and "/accounts/login/" not in signed_in.url
    capability = f"{a}/assessments/{assessment}/capability/C04/"
    content = b"%PDF-1.4\n" + os.urandom(3 * 1024 * 1024) + b"\n%%EOF\n"
    uploaded = browser.post(
        f"{capability}evidence/",
        data={"csrfmiddlewaretoken": csrf_token(browser, capability)},
        files={"file": ("decree.pdf", content, "application/pdf")},
        headers={"Referer": capability},
        timeout=60,
    )
    assert uploaded.status_code == 200 and "decree.pdf" in uploaded.text
    link = re.search(rf'href="(/assessments/{assessment}/evidence/[0-9a-f-]+/)"', uploaded.text)
    assert link, "no download link on the capability page"

    # The other server process: same session (in the database), same bytes.
    downloaded = browser.get(f"{b}{link.group(1)}", timeout=60)
    assert downloaded.status_code == 200
    assert downloaded.content == content
    # A third process, as the worker would read it.
    assert manage(tmp_path, "shell", "-c", READ).split()[-1] == hashlib.sha256(content).hexdigest()
    # Neither server wrote anything to its own EVIDENCE_ROOT.
    assert not any((tmp_path / f"evidence-{name}").exists() for name in ("a", "b", "shell"))
