"""The action plan as a country team uses it (issue 16): removing asks first, reordering with
buttons that say what they do, recommendations in words, and a PDF that lists the evidence
files with every date in the reader's format."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import formats, timezone, translation

from accounts.people import set_display_name
from assessment import evidence, frameworks_cache, plan
from assessment.models import Action, Assessment, AuditEvent, Membership
from frameworks.models import Recommendation

from .factories import make_assessment, make_country, make_user
from .test_plan import pdf_text

pytestmark = pytest.mark.usefixtures("frameworks")


def url(name: str, assessment: Assessment, *args: object) -> str:
    return reverse(f"assessment:{name}", args=[assessment.uuid, *args])


@pytest.fixture
def assessment(frameworks) -> Assessment:
    return make_assessment(make_country("XA", "Arvenia (demo)"))


@pytest.fixture
def coordinator(assessment):
    user = make_user("cora", country=assessment.country, role=Membership.Role.COORDINATOR)
    set_display_name(user, "Cora Mendes")
    return user


def add(assessment: Assessment, user, title: str, **values) -> Action:
    return plan.action_save(
        assessment=assessment, action=None, values={"title": title} | values, user=user
    )


def test_remove_asks_first_and_only_the_confirmation_removes(client, assessment, coordinator):
    action = add(assessment, coordinator, "Train officers")
    client.force_login(coordinator)
    asked = client.post(url("action_delete", assessment, action.uuid))
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Remove this action?" in page and "Train officers" in page
    assert 'name="confirm" value="yes"' in page and "No, keep it" in page
    assert Action.objects.filter(pk=action.pk).exists()
    assert not AuditEvent.objects.filter(action="action.removed").exists()
    done = client.post(url("action_delete", assessment, action.uuid), {"confirm": "yes"})
    assert done.status_code == 302
    assert not Action.objects.filter(pk=action.pk).exists()


def test_reorder_buttons_say_what_they_do_and_to_which_action(client, assessment, coordinator):
    for title in ("First", "Second", "Third"):
        add(assessment, coordinator, title)
    client.force_login(coordinator)
    page = client.get(url("plan", assessment)).content.decode()
    table = page[page.index('id="action-table"') : page.index("</table>")]
    names = [
        re.sub(r"<[^>]+>", "", b).strip()
        for b in re.findall(r'<button[^>]*name="direction"[^>]*>(.*?)</button>', table, re.S)
    ]
    # No button that can do nothing: the first cannot go up, the last cannot go down.
    assert names == [
        "Move down First",
        "Move up Second",
        "Move down Second",
        "Move up Third",
    ]
    assert "↑" not in table and "↓" not in table


def test_recommendations_show_their_words_grouped_by_actor(client, assessment, coordinator):
    client.force_login(coordinator)
    page = client.get(url("action_new", assessment)).content.decode()
    recommendations = list(
        Recommendation.objects.filter(version=assessment.recommendations_version)
    )
    for r in recommendations:
        label = re.search(rf'for="id_recommendations_{r.code}">([^<]*)</label>', page)
        assert label, r.code
        assert label.group(1).startswith(f"{r.code}: ")
        assert len(label.group(1)) > len(f"{r.code}: ") + 20  # the recommendation's words
    legends = re.findall(r'<fieldset class="mb-2 recommendation-group"><legend[^>]*>([^<]*)<', page)
    from django.utils.html import escape

    assert legends == list(dict.fromkeys(escape(r.actor) for r in recommendations))
    # Ticking one still saves it, by its code.
    r = recommendations[0]
    client.post(
        url("action_new", assessment),
        {"title": "New", "status": "planned", "priority": "1", "recommendations": [r.code]},
    )
    assert Action.objects.get(title="New").recommendations == [r.code]


def test_pdf_lists_each_capabilitys_evidence_files_and_dates_in_the_readers_format(
    client, assessment, coordinator
):
    cap = frameworks_cache.mnr_tree(assessment.mnr_version).capabilities[3]
    evidence.evidence_add(
        assessment=assessment,
        capability=cap,
        upload=SimpleUploadedFile("decree-14.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        user=coordinator,
    )
    add(assessment, coordinator, "Train officers", due_date=dt.date(2027, 3, 31))
    client.force_login(coordinator)
    text = " ".join(pdf_text(client.get(url("export", assessment, "pdf")).content).split())
    assert "Evidence files" in text
    assert f"{cap.number}. {cap.name}" in text
    assert "decree-14.pdf" in text and "PDF" in text and "Cora Mendes" in text
    with translation.override("en"):
        today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
        due = formats.date_format(dt.date(2027, 3, 31), "DATE_FORMAT")
    assert text.count(today) >= 2  # the cover, and the file's date
    assert due in text and "2027-03-31" not in text  # one format throughout
