from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from frameworks.loader import load_frameworks

from . import services


def pytest_configure(config: pytest.Config) -> None:
    # Hypothesis keeps a cache (.hypothesis/constants) in the working directory whatever its
    # example database says; tests write only under temporary folders (issue 27).
    import tempfile

    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(tempfile.mkdtemp(prefix="mnr-hypothesis-"))


@pytest.fixture(scope="session", autouse=True)
def _evidence_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests write only under temporary folders: evidence files too (the default EVIDENCE_ROOT
    is the checkout's private/evidence/). A test that needs an empty folder of its own still
    sets `settings.EVIDENCE_ROOT = tmp_path / ...`."""
    from django.conf import settings

    settings.EVIDENCE_ROOT = tmp_path_factory.mktemp("evidence")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL (`redis://127.0.0.1:<port>/0`) of a Redis server of this test session's own.

    Started on first use on a free loopback port, files in a temporary folder, no persistence,
    stopped when the session ends; each pytest-xdist worker gets its own. Nothing is shared
    with another test run or with a Redis already on the machine, so nothing needs flushing
    and tests may use any database number. Use it for anything that needs a real Redis (the
    API's shared throttle, a task queue's broker):

        def test_something(redis_url):
            subprocess.run([...], env={**os.environ, "REDIS_URL": redis_url})

    Tests in one worker share the server: use keys (or database numbers, 0-15) of your own
    when two tests could see each other's data. It fails, never skips, without redis-server
    (`./run test` installs it).
    """
    try:
        with services.redis_server(tmp_path_factory.mktemp("redis")) as url:
            yield url
    except services.Unavailable as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def vnu_jar() -> Path:
    """The Nu HTML Checker's jar (npm's vnu-jar, installed under .cache/vnu by `./run test`);
    run it as `java -jar <path> --format json FILE...`. Fails, never skips, when missing."""
    import shutil

    if not services.VNU_JAR.is_file() or shutil.which("java") is None:
        pytest.fail(
            f"The Nu HTML Checker needs Java and {services.VNU_JAR.relative_to(services.ROOT)}: "
            "`./run test` installs both (Debian's default-jre-headless, npm's vnu-jar)."
        )
    return services.VNU_JAR


@pytest.fixture(autouse=True)
def _fast_passwords(settings: pytest.FixtureRequest) -> None:
    # The real hashers are slow on purpose; tests sign in many times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fresh_framework_cache() -> None:
    # Each test builds its own database rows; framework trees cached by an earlier test
    # (possibly with the same ids) must not leak into it.
    from assessment.frameworks_cache import clear_framework_cache
    from assessment.reports import pdf, questionnaire_pdf
    from secretariat import row_cache

    clear_framework_cache()
    questionnaire_pdf._KEPT.clear()  # blank questionnaires kept by an earlier test's rows
    pdf._KEPT.clear()  # action plans drawn by an earlier test (never wrong: drawn again here)
    row_cache.clear()  # matrix rows kept from an earlier test's assessments


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The shipped framework files, loaded once into each test database (every test's
    transaction is rolled back to them) rather than once per test."""
    with django_db_blocker.unblock():
        load_frameworks()


@pytest.fixture
def frameworks(db: None) -> None:
    """The shipped framework files, loaded as `manage.py load_frameworks` would: already
    there for an ordinary test; loaded again after a transactional test emptied the tables
    (pytest-django runs those after the others)."""
    from frameworks.models import FrameworkVersion

    if not FrameworkVersion.objects.exists():
        load_frameworks()


@pytest.fixture(autouse=True)
def _default_language():
    # Django's LocaleMiddleware activates each request's language and leaves it active in the
    # thread; a test that asked for French must not make the next one format numbers in French.
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def no_frameworks(db: None) -> None:
    """No framework loaded yet, as on a new installation: for the tests of loading itself
    (the session loaded the shipped files; this test's transaction takes them away)."""
    from assessment.frameworks_cache import clear_framework_cache
    from frameworks.models import Framework, FrameworkVersion

    FrameworkVersion.objects.all().delete()
    Framework.objects.all().delete()
    clear_framework_cache()
