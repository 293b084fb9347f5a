"""The gaps and action plan page kept within issue 27's budget: a fixed number of queries
whatever the plan holds, and what it keeps between requests (the blank target form, the
recommendations' texts, the rows' labels) right for every reader. Each test of a kept thing
changes one part of what it is drawn from; it fails if the key forgets that part."""

from __future__ import annotations

import copy
import datetime as dt
import html
import re

import pytest
from crispy_forms.utils import render_crispy_form
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from assessment import frameworks_cache, plan
from assessment.forms import TargetForm
from assessment.forms import plan as plan_forms
from assessment.models import Assessment, Membership
from frameworks.models import Capability, Recommendation

from .factories import answer_all, make_assessment, make_country, make_user

pytestmark = pytest.mark.usefixtures("frameworks")


@pytest.fixture
def assessment() -> Assessment:
    a = make_assessment(make_country("XA", "Arvenia (demo)"))
    answer_all(
        a, {"C04": "1", "C11": "dont_know"}, default="3", criteria={"isp_reporting": "not_met"}
    )
    return a


@pytest.fixture
def coordinator(assessment):
    return make_user("cora", country=assessment.country, role=Membership.Role.COORDINATOR)


@pytest.fixture
def client_c(client, coordinator):
    client.force_login(coordinator)
    return client


def page_url(assessment: Assessment) -> str:
    return reverse("assessment:plan", args=[assessment.uuid])


def queries(client, assessment: Assessment) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(page_url(assessment)).status_code == 200
    return len(ctx)


def test_the_page_asks_as_many_queries_whatever_the_plan_holds(client_c, assessment, coordinator):
    queries(client_c, assessment)  # the framework trees and versions, read once per process
    empty = queries(client_c, assessment)
    # A previous validated cycle, peers who share, raised targets, a long plan.
    earlier = make_assessment(assessment.country, cycle=2024)
    answer_all(earlier, {"C04": "3"}, default="2")
    Assessment.objects.filter(pk=earlier.pk).update(status="validated")
    for code, name in (("XB", "Belmora (demo)"), ("XC", "Corvania (demo)")):
        peer = make_assessment(make_country(code, name), cycle=2025)
        answer_all(peer, {"C04": "4"}, share=True, default="3")
        Assessment.objects.filter(pk=peer.pk).update(status="validated")
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    for capability in tree.capabilities[:3]:
        plan.target_set(
            assessment=assessment, capability=capability, level=4, reason="r", user=coordinator
        )
    plan.actions_generate(
        assessment=assessment, analysis=plan.gap_analysis(assessment), user=coordinator
    )
    for n in range(15):
        plan.action_save(
            assessment=assessment,
            action=None,
            values={"title": f"Action {n}", "due_date": dt.date(2020, 1, 1)},
            user=coordinator,
        )
    page = client_c.get(page_url(assessment)).content.decode()
    assert "Belmora (demo)" in page and "Since the validated 2024 assessment" in page
    assert page.count('name="direction"') > 30
    assert queries(client_c, assessment) == empty
    assert empty <= 12


def test_the_rows_escape_what_people_typed_and_country_names(client_c, assessment, coordinator):
    peer = make_assessment(make_country("XB", "<b>Bel</b> & mora (demo)"), cycle=2025)
    answer_all(peer, {"C04": "4"}, share=True, default="3")
    Assessment.objects.filter(pk=peer.pk).update(status="validated")
    plan.action_save(
        assessment=assessment,
        action=None,
        values={
            "title": "<script>alert(1)</script>",
            "lead_agency": 'Police "A" & co',
            "supporting_agencies": "<i>Courts</i>",
            "recommendations": ["R01", "<R02>"],
        },
        user=coordinator,
    )
    page = client_c.get(page_url(assessment)).content.decode()
    assert "<script>alert" not in page and "<i>Courts" not in page and "<b>Bel" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Police &quot;A&quot; &amp; co" in page and "&lt;i&gt;Courts&lt;/i&gt;" in page
    assert "&lt;b&gt;Bel&lt;/b&gt; &amp; mora (demo)" in page
    assert "&lt;R02&gt;" in page


def test_the_blank_target_form_is_crispys_and_kept(monkeypatch, assessment):
    monkeypatch.setattr(plan_forms, "_BLANK_TARGET_FIELDS", {})
    capabilities = frameworks_cache.mnr_tree(assessment.mnr_version).capabilities
    levels = plan.target_levels(assessment)
    kept = plan_forms.blank_target_fields(capabilities, levels)
    assert kept == render_crispy_form(TargetForm(capabilities=capabilities, levels=levels))
    assert plan_forms.blank_target_fields(capabilities, levels) is kept


def options(html: str, select_id: str) -> list[str]:
    found = re.search(rf'<select[^>]*id="{select_id}".*?</select>', html, re.S)
    assert found, select_id
    return re.findall(r"<option[^>]*>([^<]*)</option>", found.group(0))


def test_the_blank_target_form_is_kept_per_level_range(monkeypatch, assessment):
    monkeypatch.setattr(plan_forms, "_BLANK_TARGET_FIELDS", {})
    capabilities = frameworks_cache.mnr_tree(assessment.mnr_version).capabilities
    blank = plan_forms.blank_target_fields
    assert options(blank(capabilities, range(3, 5)), "target-level") == ["3", "4"]
    assert options(blank(capabilities, range(2, 5)), "target-level") == ["2", "3", "4"]


def test_the_blank_target_form_is_kept_per_capability_names(monkeypatch, assessment):
    monkeypatch.setattr(plan_forms, "_BLANK_TARGET_FIELDS", {})
    capabilities = frameworks_cache.mnr_tree(assessment.mnr_version).capabilities
    blank = plan_forms.blank_target_fields
    assert "1. Leadership" in options(blank(capabilities, range(3, 5)), "target-capability")
    renamed = [copy.copy(c) for c in capabilities]
    renamed[0].name = "Stewardship"  # another version's, or the same read in another language
    names = options(blank(renamed, range(3, 5)), "target-capability")
    assert "1. Stewardship" in names and "1. Leadership" not in names


def test_the_blank_target_form_is_kept_per_language(monkeypatch, assessment):
    monkeypatch.setattr(plan_forms, "_BLANK_TARGET_FIELDS", {})
    # The same choices in both languages, so that only the language tells the two apart.
    capabilities = frameworks_cache.mnr_tree(assessment.mnr_version).capabilities
    assert "Target level" in plan_forms.blank_target_fields(capabilities, range(3, 5))
    with translation.override("fr"):
        french = plan_forms.blank_target_fields(capabilities, range(3, 5))
    assert "Niveau cible" in french and "Target level" not in french


def test_the_target_form_and_the_rows_are_drawn_in_each_readers_language(
    client_c, assessment, coordinator
):
    plan.action_save(assessment=assessment, action=None, values={"title": "A"}, user=coordinator)
    for language in ("en", "fr"):  # English first, so a cache keyed on nothing would show it
        client_c.post("/i18n/setlang/", {"language": language, "next": "/"})
        page = client_c.get(page_url(assessment)).content.decode()
    form = page.split('id="target-form"', 1)[1].split("</form>", 1)[0]
    assert "Niveau cible" in form and "Target level" not in form
    assert 'data-label="Priorité"' in page and 'data-label="Priority"' not in page
    assert 'data-label="Organisme chef de file"' in page and ">Monter<" not in page
    assert "Plan d'action (PDF)" in html.unescape(page) and "Action plan (PDF)" not in page


def test_a_capability_renamed_in_a_reloaded_framework_shows_in_the_target_form(
    client_c, assessment
):
    client_c.get(page_url(assessment))
    Capability.objects.filter(version=assessment.mnr_version, code="C01").update(name="Stewardship")
    frameworks_cache.clear_framework_cache()  # as loading a framework does
    page = client_c.get(page_url(assessment)).content.decode()
    names = options(page, "target-capability")
    assert "1. Stewardship" in names and "1. Leadership" not in names


def test_the_recommendations_are_read_again_when_the_frameworks_are(client_c, assessment):
    def recommended(page: str) -> list[str]:
        table = page[page.index('id="gap-table"') : page.index("</table>")]
        return re.findall(r"<strong>R11</strong> \(([^)]*)\): ([^<]*?) <span", table)

    before = recommended(client_c.get(page_url(assessment)).content.decode())
    assert before and all(actor == "Law enforcement agencies" for actor, _text in before)
    Recommendation.objects.filter(version=assessment.recommendations_version, code="R11").update(
        actor="Everyone", text="Say it again."
    )
    frameworks_cache.clear_framework_cache()  # as loading a framework does
    after = recommended(client_c.get(page_url(assessment)).content.decode())
    assert after and all(found == ("Everyone", "Say it again.") for found in after)


def test_the_recommendations_follow_the_active_language(assessment):
    """The texts kept on a framework version are kept per language too: one version
    instance, read in English, can serve a French export."""
    frameworks_cache.attach_versions(assessment)

    def actors() -> set[str]:
        return {
            r.actor
            for gap in plan.gap_analysis(assessment).gaps
            for r in gap.recommendations
            if r.code == "R11"
        }

    assert actors() == {"Law enforcement agencies"}
    with translation.override("fr"):
        assert actors() == {"Services répressifs"}
    assert actors() == {"Law enforcement agencies"}


def test_a_target_left_on_an_older_versions_capability_still_shows(
    client_c, assessment, coordinator
):
    """A version move leaves a target whose capability's code no longer exists on the old
    capability (version_move._repoint); the page names it as before, read with one query."""
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    plan.target_set(
        assessment=assessment,
        capability=tree.capabilities[0],
        level=4,
        reason="kept",
        user=coordinator,
    )
    old = Capability.objects.get(pk=tree.capabilities[0].pk)
    old.pk, old.code, old.name = None, "C99", "An old capability"
    old.save()
    assessment.targets.update(capability=old)
    with CaptureQueriesContext(connection) as ctx:
        page = client_c.get(page_url(assessment)).content.decode()
    assert "1. An old capability: level 4" in page
    read = [q for q in ctx.captured_queries if 'FROM "frameworks_capability"' in q["sql"]]
    assert len(read) == 1
