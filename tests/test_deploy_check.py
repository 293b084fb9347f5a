"""Production settings pass Django's deployment checklist with nothing to report."""

from __future__ import annotations

import ast
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from assessment.models import Country

BASE_DIR = Path(__file__).resolve().parent.parent


def production_env(**extra: str) -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits + string.punctuation.replace("'", "")
    # A clean environment, as a production server has: nothing inherited from the shell or from
    # other tests (the browser test sets DJANGO_ALLOW_ASYNC_UNSAFE, which the check rejects), and
    # no DATABASE_URL, so SQLite.
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env |= {
        "DEBUG": "0",
        "SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(64)),
        "ALLOWED_HOSTS": "example.org",
        "SITE_URL": "https://example.org",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    return env | extra


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_issues():
    result = check_deploy(production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_still_catches_a_weak_secret_key():
    """The check really runs with these settings: a short key is reported."""
    result = check_deploy(production_env(SECRET_KEY="too-short"))
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def printed_by_settings(env: dict[str, str], expression: str) -> str:
    """What a fresh process with `env` prints for `expression` (over `settings`)."""
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def settings_of(env: dict[str, str], *names: str) -> list[str]:
    """The values of some settings as a fresh process with `env` sees them."""
    return printed_by_settings(env, f"*(getattr(settings, name) for name in {names!r})").split()


def test_production_cookies_and_headers():
    assert settings_of(
        production_env(),
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SAMESITE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    ) == ["True", "True", "True", "31536000", "True", "True", "Lax", "Lax", "True"]


def test_the_language_cookie_is_secure_http_only_and_same_site_in_production():
    """Issue 22 §5: it had none of the three flags."""
    assert settings_of(
        production_env(),
        "LANGUAGE_COOKIE_SECURE",
        "LANGUAGE_COOKIE_HTTPONLY",
        "LANGUAGE_COOKIE_SAMESITE",
    ) == ["True", "True", "Lax"]


def test_session_settings_come_from_the_environment():
    env = production_env(
        SESSION_COOKIE_AGE="3600",
        SESSION_EXPIRE_AT_BROWSER_CLOSE="0",
        SESSION_SAVE_EVERY_REQUEST="1",
    )
    assert settings_of(
        env, "SESSION_COOKIE_AGE", "SESSION_EXPIRE_AT_BROWSER_CLOSE", "SESSION_SAVE_EVERY_REQUEST"
    ) == ["3600", "False", "True"]


def database_options(env: dict[str, str]) -> dict[str, object]:
    printed = printed_by_settings(env, "repr(settings.DATABASES['default']['OPTIONS'])")
    return ast.literal_eval(printed)


def test_postgresql_prepares_statements_unless_a_pooler_forbids_it():
    url = {"DATABASE_URL": "postgres://mnr@db.example:5432/mnr"}
    assert database_options(production_env(**url)) == {
        "server_side_binding": True,
        "prepare_threshold": 5,
    }
    off = database_options(production_env(DB_PREPARED_STATEMENTS="0", **url))
    assert off["prepare_threshold"] is None
    assert database_options(production_env()) == {}  # SQLite


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_a_query_run_again_is_parsed_and_planned_once_per_connection(db):
    for _ in range(6):
        list(Country.objects.filter(code="FR").values_list("code"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any('FROM "assessment_country"' in s and "$1" in s for s in statements), statements


def test_health_endpoint_reports_the_database(client, db):
    response = client.get("/health/")
    assert response.status_code == 200
    # Without a broker (tests, the demo) tasks run in the web process: no worker to miss.
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "worker": "in-process",
        "worker_seen_at": None,
    }
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_health_endpoint_says_503_when_the_database_fails(client, db, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise RuntimeError("database down")

    monkeypatch.setattr("config.health.connection", Unreachable())
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_a_worker_freezes_its_start_up_objects_out_of_full_collections():
    """config/wsgi.py (what gunicorn loads) leaves the objects every worker keeps for life out of
    the garbage collector's full passes; without it, each pass walked all of them (issue 7)."""
    script = (
        "import gc; before = gc.get_freeze_count(); import config.wsgi; "
        "print(before, gc.get_freeze_count())"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    before, after = map(int, result.stdout.split())
    assert before == 0
    assert after > 50_000  # modules, models, URL patterns and the main templates


def test_health_endpoint_says_when_the_worker_has_not_been_seen(client, db, settings):
    from datetime import timedelta

    from django.utils import timezone

    from outbox.worker import heartbeat_record

    settings.CELERY_TASK_ALWAYS_EAGER = False  # a deployment with a broker and a worker
    settings.WORKER_LATE_AFTER_SECONDS = 300
    assert client.get("/health/").json()["worker"] == "late"  # never seen
    heartbeat_record(now=timezone.now() - timedelta(minutes=10))
    late = client.get("/health/")
    assert late.status_code == 200 and late.json()["worker"] == "late"
    heartbeat_record()
    assert client.get("/health/").json()["worker"] == "ok"
