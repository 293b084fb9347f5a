"""The capability page's one read: the stored answer, its files, comments and latest changes.

`activity.activity_of` is written as SQL for speed (issue 7); here it must give exactly what
the ORM gives, on SQLite and on PostgreSQL, and only for the one capability of the one
assessment asked about.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment import activity, answering, audit, frameworks_cache
from assessment.models import CapabilityAnswer, Comment, EvidenceFile, Membership

from .factories import make_assessment, make_country, make_user

pytestmark = pytest.mark.usefixtures("frameworks")


def capability(assessment, code):
    return next(
        c for c in frameworks_cache.mnr_tree(assessment.mnr_version).capabilities if c.code == code
    )


def save(assessment, cap, user, response, evidence="", version=0, share=False):
    return answering.capability_answers_save(
        assessment=assessment,
        capability=cap,
        user=user,
        response=response,
        evidence=evidence,
        indicator_values={},
        version=version,
        share_with_peers=share,
    )


def attach(assessment, cap, user, name, size):
    return EvidenceFile.objects.create(
        assessment=assessment,
        capability=cap,
        original_name=name,
        stored_name=uuid.uuid4().hex,
        content_type="application/pdf",
        size=size,
        sha256="0" * 64,
        uploaded_by=user,
    )


@pytest.fixture
def scene():
    """Two capabilities of one assessment, and a second assessment, each with answers, files,
    comments and changes, by a user with a full name, one with only a username and one who
    was deleted since."""
    country = make_country()
    a, other = make_assessment(country, 2025), make_assessment(country, 2026)
    ana = make_user("ana", country=country, role=Membership.Role.COORDINATOR)
    ana.first_name, ana.last_name = "Ana", "Lima"
    ana.save()
    bo = make_user("bo", country=country)
    gone = make_user("gone", country=country)
    c04, c05 = capability(a, "C04"), capability(a, "C05")
    for n in range(4):
        saved = save(a, c04, ana if n % 2 else bo, str(n), f"evidence {n}", version=n, share=n == 3)
    CapabilityAnswer.objects.filter(pk=saved.pk).update(to_confirm=True)
    save(a, c05, ana, "1")
    save(other, c04, ana, "4")
    attach(a, c04, ana, "decree.pdf", 1200)
    attach(a, c04, gone, "plan.docx", 34)
    attach(a, c05, ana, "other.pdf", 5)
    attach(other, c04, ana, "elsewhere.pdf", 5)
    Comment.objects.create(assessment=a, capability=c04, author=bo, text="Ask the police.")
    Comment.objects.create(assessment=a, capability=c04, author=gone, text="Done <b>today</b>.")
    Comment.objects.create(assessment=a, capability=c05, author=bo, text="Not this one.")
    Comment.objects.create(assessment=other, capability=c04, author=bo, text="Nor this one.")
    audit.record(
        actor=bo,
        action="evidence.removed",
        country=country,
        assessment=a,
        subject="C04",
        before={"file": "draft.pdf"},
    )
    gone.delete()
    return a, c04


def test_activity_equals_the_orms_reading(scene):
    a, c04 = scene
    with CaptureQueriesContext(connection) as ctx:
        got = activity.activity_of(a, c04, events=3)
    assert len(ctx) == 1

    stored = CapabilityAnswer.objects.get(assessment=a, capability=c04)
    answer = got.answer
    assert answer is not None
    assert (answer.pk, answer.response, answer.evidence, answer.version) == (
        stored.pk,
        "3",
        "evidence 3",
        stored.version,
    )
    assert (answer.share_with_peers, answer.to_confirm, answer.updated_at) == (
        True,
        True,
        stored.updated_at,
    )
    assert got.answered_by == "Ana Lima"

    files = EvidenceFile.objects.filter(assessment=a, capability=c04)
    assert [(f.uuid, f.original_name, f.size, f.uploaded_at, f.uploaded_by) for f in got.files] == [
        (f.uuid, f.original_name, f.size, f.uploaded_at, name)
        for f, name in zip(files, ["Ana Lima", ""], strict=True)
    ]
    comments = Comment.objects.filter(assessment=a, capability=c04)
    assert [(c.text, c.created_at, c.author) for c in got.comments] == [
        (c.text, c.created_at, name) for c, name in zip(comments, ["bo", ""], strict=True)
    ]

    expected = list(audit.events_for_subject(a, "C04")[:3])
    assert [(e.pk, e.at, e.actor_name, e.action, e.before, e.after) for e in got.latest_events] == [
        (e.pk, e.at, e.actor_name, e.action, e.before, e.after) for e in expected
    ]
    assert got.latest_events[0].action == "evidence.removed"
    assert got.latest_events[1].after["response"] == "3"
    assert audit.history_lines(got.latest_events) == audit.history_lines(expected)


def test_a_capability_with_nothing_yet(scene):
    a, _ = scene
    got = activity.activity_of(a, capability(a, "C01"), events=5)
    assert got == activity.Activity(None, "", [], [], [])


def test_capability_page_shows_them_escaped_with_names(client, scene):
    a, c04 = scene
    client.force_login(make_user("reader", country=a.country))
    page = client.get(f"/assessments/{a.uuid}/capability/C04/").content.decode()
    files = page[page.index('id="files-heading"') : page.index('id="comments-heading"')]
    assert "decree.pdf" in files and "(1.2\xa0KB, " in files and "Ana Lima)" in files
    assert "plan.docx" in files and "—)" in files and "other.pdf" not in files
    comments = page[page.index('id="comments-heading"') : page.index('id="history-heading"')]
    assert "Ask the police." in comments and "Done &lt;b&gt;today&lt;/b&gt;." in comments
    assert "Not this one." not in comments and "Nor this one." not in comments
    # One save status (issue 16): the last save, in the live region autosave updates.
    status = page[
        page.index('id="save-status"') : page.index("</p>", page.index('id="save-status"'))
    ]
    assert "Saved at" in status and "by Ana Lima." in status and "Last saved" not in page
    assert 'value="3" checked' in page and "evidence 3</textarea>" in page
