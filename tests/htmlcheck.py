"""The Nu HTML Checker (vnu), the W3C's validator, run over pages the tests fetched (issue 25 §11).

One Java process checks every page: vnu accepts many files, and starting Java per page would
cost a second or more each. Java (Debian's `default-jre-headless`) and the `vnu-jar` npm
package are installed by `./run test`; without them the check fails with the install lines,
it is never skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from .services import VNU_JAR

INSTALL = "`./run test` installs both (Debian's default-jre-headless, npm's vnu-jar)"


def vnu_jar() -> Path:
    """VNU_JAR if set in the environment, else the jar `./run test` installs."""
    return Path(os.environ["VNU_JAR"]) if os.environ.get("VNU_JAR") else VNU_JAR


def vnu_errors(pages: dict[str, str]) -> list[str]:
    """Every error vnu finds in `pages` (a label → the page's HTML), as "label:line: message".
    Identical pages are checked once."""
    java = shutil.which("java")
    jar = vnu_jar()
    if java is None or not jar.is_file():
        pytest.fail(f"The HTML check needs Java and vnu.jar ({jar}): {INSTALL}")
    with tempfile.TemporaryDirectory(prefix="vnu-") as folder:
        labels: dict[str, str] = {}
        for label, html in pages.items():
            name = hashlib.sha256(html.encode()).hexdigest()[:16] + ".html"
            if name not in labels:
                (Path(folder) / name).write_text(html, encoding="utf-8")
                labels[name] = label
        files = sorted(str(Path(folder) / name) for name in labels)
        done = subprocess.run(
            [java, "-Xss4m", "-jar", str(jar), "--errors-only", "--format", "json", *files],
            capture_output=True,
            text=True,
            timeout=300,
        )
        try:
            messages = json.loads(done.stderr or done.stdout)["messages"]
        except (ValueError, KeyError):
            pytest.fail(f"vnu did not answer in JSON: {done.stderr[:500]}")
    errors = []
    for m in messages:
        if m.get("type") == "error" or m.get("subType") == "fatal":
            label = labels.get(Path(m.get("url", "")).name, m.get("url", "?"))
            errors.append(f"{label}:{m.get('lastLine', '?')}: {m.get('message')}")
    return errors
