"""A real Celery worker (with its beat scheduler) in a subprocess, on the test session's own
Redis (the `redis_url` fixture), against the test's own database, for the tests that promise
"nothing is lost".

The worker needs to see the test's rows: on PostgreSQL the test database is a real database
(the test uses `transactional_db`, so its rows are committed); on SQLite the test database is
in memory, so `shared_database` copies it to a file and points this process at the file too.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connections

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def shared_database(tmp_path: Path) -> Iterator[str]:
    """A DATABASE_URL the worker process can open, showing this test's database."""
    conn = connections["default"]
    settings = conn.settings_dict
    if conn.vendor != "sqlite":
        user = settings["USER"] or "postgres"
        host = settings["HOST"] or "127.0.0.1"
        port = settings["PORT"] or 5432
        password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
        yield f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"
        return
    conn.ensure_connection()
    path = tmp_path / "shared.sqlite3"
    target = sqlite3.connect(path)
    conn.connection.backup(target)
    target.close()
    # Django never closes an in-memory test database (closing would destroy it): keep its raw
    # connection aside and give the wrapper the file instead, then put it back.
    in_memory, old_name = conn.connection, settings["NAME"]
    conn.connection = None
    settings["NAME"] = str(path)
    try:
        yield f"sqlite:///{path}"
    finally:
        if conn.connection is not None:
            conn.connection.close()
        conn.connection = in_memory
        settings["NAME"] = old_name


@contextmanager
def celery_worker(
    tmp_path: Path, env: dict[str, str], *, broker_url: str
) -> Iterator[dict[str, str]]:
    """Start `celery -A config worker --beat` with `env` (DATABASE_URL, EMAIL_*, …) on the Redis
    at `broker_url` (the session's own, `redis_url`), on a queue of its own; yields the Celery
    settings this process must use to reach it. Stopped at the end."""
    queue = f"mnr-test-{uuid.uuid4().hex[:12]}"
    full_env = (
        {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "CELERY_"))}
        | {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "CELERY_BROKER_URL": broker_url,
            "CELERY_QUEUE": queue,
            "OUTBOX_TICK_SECONDS": "1",
            "OUTBOX_RETRY_SECONDS": "1",
            "OUTBOX_RETRY_MAX_SECONDS": "2",
            "FAST_PASSWORD_HASHER": "1",
            "LOG_LEVEL": "WARNING",
        }
        | env
    )
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and the project's app
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--beat",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-Q",
                queue,
                "--schedule",
                str(tmp_path / "beat-schedule"),
            ],
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield {"broker_url": broker_url, "task_default_queue": queue, "log": str(log)}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # Our queue's keys only (its list and bindings): other tests of this session share
        # the server.
        import redis

        client = redis.Redis.from_url(broker_url)
        keys = list(client.scan_iter(f"*{queue}*"))
        if keys:
            client.delete(*keys)


def wait_for(condition: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or condition}")
