from __future__ import annotations

from typing import Any

import pytest

from frameworks.loader import load_frameworks


@pytest.fixture(autouse=True)
def _fast_passwords(settings: pytest.FixtureRequest) -> None:
    # The real hashers are slow on purpose; tests sign in many times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fresh_framework_cache() -> None:
    # Each test builds its own database rows; framework trees cached by an earlier test
    # (possibly with the same ids) must not leak into it.
    from assessment.frameworks_cache import clear_framework_cache
    from assessment.reports import questionnaire_pdf

    clear_framework_cache()
    questionnaire_pdf._KEPT.clear()  # blank questionnaires kept by an earlier test's rows


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
