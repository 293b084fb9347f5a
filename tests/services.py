"""Real programs the tests start for themselves: a private Redis server, the Nu HTML Checker.

Nothing here uses a shared service: each Redis server listens on a free loopback port, keeps
its files in a temporary folder and is stopped when the test session ends, so no test depends
on, or empties, a Redis that someone else runs.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Installed by `./run test` (npm's vnu-jar, pinned there); Java comes from Debian.
VNU_JAR = ROOT / ".cache" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


class Unavailable(RuntimeError):
    """A program the tests need is not installed; the message says how to install it."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A redis-server of our own on a free loopback port, files in `directory`, no persistence;
    yields its URL (database 0) and stops it on exit."""
    program = shutil.which("redis-server")
    if program is None:
        raise Unavailable(
            "redis-server is not installed: `./run test` installs Debian's redis-server "
            "(as root), or run: sudo apt-get install -y redis-server"
        )
    # The port is free when asked for but could be taken before the server binds it: try again.
    for _ in range(5):
        port = free_port()
        log = directory / f"redis-{port}.log"
        process = subprocess.Popen(
            [program, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
             "--appendonly", "no", "--dir", str(directory), "--logfile", str(log)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            if _answers_ping(port):
                try:
                    yield f"redis://127.0.0.1:{port}/0"
                finally:
                    process.terminate()
                    try:
                        process.wait(10)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()
                return
            time.sleep(0.02)
        process.kill()
        process.wait()
    raise Unavailable(f"redis-server did not start; its log: {log}")
