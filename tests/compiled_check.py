"""What `access.assessment_for` reads with SQL compiled once (`compiled.CompiledLookup`)
against the ORM's own reading: used by tests/test_compiled.py and by the sharing state machine
in every state it reaches."""

from __future__ import annotations

from django.db.models import Model

from assessment import access
from assessment.models import Assessment


def values(instance: Model) -> list[object]:
    return [getattr(instance, f.attname) for f in instance._meta.concrete_fields]


def assert_read_alike(found: Assessment | None, expected: Assessment) -> None:
    assert found is not None
    assert values(found) == values(expected)
    assert found.cycle_sharing == expected.cycle_sharing  # type: ignore[attr-defined]
    assert values(found.country) == values(expected.country)
    assert found.country.name == expected.country.name
    assert not found._state.adding and found._state.db == expected._state.db


def check_compiled(assessments: list[Assessment]) -> None:
    """What `assessment_for` reads equals the ORM's reading, for each of `assessments`."""
    for a in assessments:
        assert_read_alike(access._BY_UUID.get(a.uuid), access._READABLE.get(uuid=a.uuid))
