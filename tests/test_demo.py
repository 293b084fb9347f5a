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


@pytest.mark.django_db
def test_one_demo_draft_is_on_the_previous_versions_and_is_offered_the_move(
    no_frameworks, client, settings
):
    """On a new database, as `./run demo` makes it."""
    from django.urls import reverse

    from frameworks.models import FrameworkVersion

    settings.DEBUG = True
    call_command("demo")
    draft = Assessment.objects.get(country="XC", cycle=2026)
    latest = FrameworkVersion.objects.latest_of_kind("mnr")
    assert draft.status == "draft" and draft.mnr_version != latest
    assert draft.mnr_version.number < latest.number
    # Every other assessment uses the corrected versions, which stay the latest.
    others = Assessment.objects.exclude(country="XC")
    assert set(others.values_list("mnr_version", flat=True)) == {latest.pk}
    # Its answers belong to the version it is pinned to.
    assert (
        not CapabilityAnswer.objects.filter(assessment=draft)
        .exclude(capability__version=draft.mnr_version)
        .exists()
    )
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="demo-xc-coordinator"))
    page = client.get(reverse("assessment:overview", args=[draft.uuid])).content.decode()
    assert 'id="version-move-offer"' in page
    call_command("demo")  # again: no further versions are made
    assert FrameworkVersion.objects.latest_of_kind("mnr") == latest


@pytest.mark.django_db
def test_the_printed_logins_say_each_accounts_language_and_demo_is_translated(
    frameworks, capsys, settings
):
    """Issue 24: Arvenia's coordinator signs in to Arabic, so the logins say so; the "(demo)"
    of a demo country's name is in the reader's language."""
    from django.utils import translation

    settings.DEBUG = True
    call_command("demo")
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[3:]}
    assert lines["demo-xa-coordinator"].endswith("Arabic (العربيّة)")
    assert lines["demo-xb-contributor"].endswith("French (français)")
    assert lines["demo-xd-coordinator"].endswith("Portuguese (Português)")
    assert lines["demo-secretariat-analyst"].endswith("the browser's")
    arvenia = Country.objects.get(code="XA")
    assert arvenia.name == "Arvenia (demo)"
    with translation.override("ar"):
        assert arvenia.name == "Arvenia (تجريبي)"
    with translation.override("fr"):
        assert arvenia.name == "Arvenia (démo)"


@pytest.mark.django_db
def test_the_demo_opens_a_cycle_whose_board_and_reminders_work_at_once(
    frameworks, capsys, settings, client
):
    from django.core import mail
    from django.urls import reverse

    from cycles.board import BoardFilters, board_rows
    from cycles.models import Cycle

    from .factories import deliver_mail, sign_in_with_second_factor

    settings.DEBUG = True
    call_command("demo")
    call_command("demo")  # twice: still one cycle, four members, one focal point each
    cycle = Cycle.objects.get()
    rows = {r.country.pk: r for r in board_rows(cycle, BoardFilters(), today=cycle.opens_on)}
    assert sorted(rows) == ["XA", "XB", "XC", "XD"]
    assert {r.focal_state for r in rows.values()} == {"active"}
    assert rows["XB"].assessment_status == "submitted" and rows["XD"].extended
    call_command("send_reminders")
    call_command("send_reminders")
    deliver_mail()
    # Ten days to go (the 14-day reminder) for the two drafts; Belmora submitted, Dunmark's
    # deadline extended by a month.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "demo-xa-coordinator@demo.example",
        "demo-xc-coordinator@demo.example",
    ]
    from django.contrib.auth import get_user_model

    sign_in_with_second_factor(
        client, get_user_model().objects.get(username="demo-secretariat-admin")
    )
    assert client.get(reverse("cycles:board", args=[cycle.year])).status_code == 200
