"""The demo command: fictional countries only, two cycles, rerunnable."""

import pytest
from django.core.management import call_command

from assessment.models import Assessment, CapabilityAnswer, Country


@pytest.mark.django_db
def test_demo_creates_fictional_countries_only_and_can_run_twice(frameworks, capsys, settings):
    settings.DEBUG = True  # pytest-django turns it off; the demo is for development servers
    call_command("demo")
    call_command("demo")
    out = capsys.readouterr().out
    assert "demo-xa-coordinator" in out and "Every demo country is fictional" in out
    demo = Country.objects.filter(is_demo=True)
    assert sorted(demo.values_list("code", flat=True)) == ["XA", "XB", "XC", "XD"]
    assert all(c.name.endswith("(demo)") for c in demo)
    assert Assessment.objects.count() == 8
    assert set(Assessment.objects.values_list("cycle", flat=True)) == {2024, 2026}
    # No real country ever carries invented answers.
    assert not CapabilityAnswer.objects.filter(assessment__country__is_demo=False).exists()
    assert Assessment.objects.filter(status="validated").count() == 4


@pytest.mark.django_db
def test_demo_refuses_to_run_in_production(frameworks, settings):
    from django.core.management import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("demo")
