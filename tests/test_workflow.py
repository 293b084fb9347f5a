"""Country teams and the review workflow, as the people in them see it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from assessment import answering, audit, frameworks_cache, services
from assessment.evidence_store import evidence_pieces, evidence_stored
from assessment.models import (
    Assessment,
    AuditEvent,
    CapabilityAnswer,
    CriterionAnswer,
    EvidenceFile,
    Membership,
)
from assessment.views import questionnaire

from .factories import (
    answer_all,
    deliver_mail,
    make_assessment,
    make_country,
    make_user,
    sign_in_with_second_factor,
)

pytestmark = pytest.mark.usefixtures("frameworks")
Role = Membership.Role


@pytest.fixture
def assessment(frameworks) -> Assessment:
    return make_assessment(make_country("XA", "Arvenia (demo)"))


@pytest.fixture
def coordinator(assessment):
    return make_user("cora", country=assessment.country, role=Role.COORDINATOR)


@pytest.fixture
def contributor(assessment):
    return make_user("carl", country=assessment.country, role=Role.CONTRIBUTOR)


def url(name: str, assessment: Assessment, *args: object) -> str:
    return reverse(f"assessment:{name}", args=[assessment.uuid, *args])


def level(client, assessment, code: str, value: str = "2", version: str = "0", **extra):
    return client.post(
        url("capability", assessment, code), {"response": value, "version": version} | extra
    )


def assign(client, assessment, user, *sections: str):
    return client.post(
        url("assignments", assessment), {"user": user.pk, "sections": list(sections)}
    )


# --- assignments -----------------------------------------------------------------------------


def test_contributor_edits_only_assigned_sections_and_reads_the_rest(
    client, assessment, coordinator, contributor
):
    client.force_login(coordinator)
    assert assign(client, assessment, contributor, "D2").status_code == 302
    client.force_login(contributor)
    assert level(client, assessment, "C04").status_code == 302  # D2: assigned
    assert level(client, assessment, "C01").status_code == 403  # D1: not assigned
    assert (
        client.post(url("legislation", assessment), {"crit_legislation": "met"}).status_code == 403
    )
    assert client.get(url("capability", assessment, "C01")).status_code == 200
    assert client.get(url("legislation", assessment)).status_code == 200
    assert list(CapabilityAnswer.objects.values_list("capability__code", flat=True)) == ["C04"]
    assert not CriterionAnswer.objects.exists()
    page = client.get(url("capability", assessment, "C01")).content.decode()
    assert "not assigned to you" in page


def test_contributor_cannot_assign_sections(client, assessment, contributor):
    client.force_login(contributor)
    assert assign(client, assessment, contributor, "D1").status_code == 403
    assert client.get(url("assignments", assessment)).status_code == 403


def test_assignment_to_unknown_section_changes_nothing(
    client, assessment, coordinator, contributor
):
    client.force_login(coordinator)
    response = assign(client, assessment, contributor, "D9")
    assert "Unknown colleague or section" in client.get(response["Location"]).content.decode()
    assert not assessment.assignments.exists()


# --- submission and review -------------------------------------------------------------------


def test_submit_refused_until_every_section_is_complete_or_not_assessed(
    client, assessment, coordinator
):
    client.force_login(coordinator)
    response = client.post(url("submit", assessment), {"sharing": "named"}, follow=True)
    assert "Complete these sections" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == "draft"

    answer_all(assessment)
    CapabilityAnswer.objects.filter(capability__domain__code="D6").delete()
    client.post(url("waiver", assessment, "D6"), {"reason": "Media regulator not consulted yet."})
    response = client.post(url("submit", assessment), {"sharing": "aggregate"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.status, assessment.sharing) == ("submitted", "aggregate")
    assert level(client, assessment, "C01", version="1").status_code == 403


def test_contributor_cannot_submit(client, assessment, contributor):
    answer_all(assessment)
    client.force_login(contributor)
    assert client.post(url("submit", assessment), {"sharing": "named"}).status_code == 403
    assessment.refresh_from_db()
    assert assessment.status == "draft"


def test_secretariat_sees_only_submitted_and_analyst_only_named(client, assessment, coordinator):
    analyst = make_user("ana", role=Role.ANALYST)
    admin = make_user("adm", role=Role.ADMIN)
    client.force_login(analyst)
    assert client.get(url("overview", assessment)).status_code == 404
    sign_in_with_second_factor(client, admin)
    assert client.get(url("overview", assessment)).status_code == 404
    answer_all(assessment)
    client.force_login(coordinator)
    client.post(url("submit", assessment), {"sharing": "aggregate"})
    client.force_login(analyst)
    assert client.get(url("overview", assessment)).status_code == 404
    assert "Arvenia" not in client.get(reverse("home")).content.decode()
    sign_in_with_second_factor(client, admin)
    assert client.get(url("overview", assessment)).status_code == 200
    Assessment.objects.filter(pk=assessment.pk).update(sharing="named")
    client.force_login(analyst)
    assert client.get(url("overview", assessment)).status_code == 200
    assert client.post(url("review", assessment), {"decision": "validate"}).status_code == 403


def submitted(client, assessment, coordinator) -> None:
    answer_all(assessment)
    client.force_login(coordinator)
    assert client.post(url("submit", assessment), {"sharing": "named"}).status_code == 302


def test_returned_needs_a_comment_and_is_editable_again(client, assessment, coordinator):
    submitted(client, assessment, coordinator)
    admin = make_user("adm", role=Role.ADMIN)
    sign_in_with_second_factor(client, admin)
    response = client.post(
        url("review", assessment), {"decision": "return", "comment": " "}, follow=True
    )
    assert "Say what the country should change" in response.content.decode()
    client.post(
        url("review", assessment),
        {"decision": "return", "comment": "Cite the statute for criterion 4."},
    )
    assessment.refresh_from_db()
    assert assessment.status == "returned"
    assert client.get(url("overview", assessment)).status_code == 404  # the country's again
    client.force_login(coordinator)
    page = client.get(url("overview", assessment)).content.decode()
    assert "Cite the statute for criterion 4." in page
    assert level(client, assessment, "C01", "3", version="1").status_code == 302


def test_validated_is_read_only_and_reopening_keeps_it(client, assessment, coordinator):
    submitted(client, assessment, coordinator)
    sign_in_with_second_factor(client, make_user("adm", role=Role.ADMIN))
    client.post(url("review", assessment), {"decision": "validate", "comment": ""})
    assessment.refresh_from_db()
    assert assessment.status == "validated"
    client.force_login(coordinator)
    assert level(client, assessment, "C01", "4", version="1").status_code == 403
    response = client.post(url("reopen", assessment))
    revision = Assessment.objects.get(
        country=assessment.country, cycle=assessment.cycle, revision=2
    )
    assert response["Location"] == url("overview", revision)
    assert level(client, revision, "C01", "4", version="1").status_code == 302
    assert services.assessment_scores(assessment).capabilities[0].level == 2  # kept as it was
    assert services.assessment_scores(revision).capabilities[0].level == 4
    assert client.post(url("reopen", assessment)).status_code == 302
    assert Assessment.objects.filter(country=assessment.country).count() == 2  # one open at once


def test_new_cycle_copies_answers_that_count_once_confirmed(client, assessment, coordinator):
    answer_all(assessment, default="3")
    client.force_login(coordinator)
    client.post(reverse("assessment:start"), {"cycle": "2027"})
    new = Assessment.objects.get(country=assessment.country, cycle=2027)
    assert CapabilityAnswer.objects.filter(assessment=new, to_confirm=True).count() == 21
    scores = services.assessment_scores(new)
    assert scores.overall is None and scores.progress == "not_started"
    page = client.get(url("capability", new, "C01")).content.decode()
    assert "copied from the previous cycle" in page
    assert 'value="3" checked' in page
    assert level(client, new, "C01", "3", version="1").status_code == 302  # confirmed as is
    assert services.assessment_scores(new).domains[0].score == 3.0


def test_a_whole_section_is_confirmed_in_one_go_recorded_per_answer(
    client, assessment, coordinator
):
    from assessment.models import AuditEvent, CriterionAnswer

    answer_all(assessment, default="3")
    client.force_login(coordinator)
    client.post(reverse("assessment:start"), {"cycle": "2027"})
    new = Assessment.objects.get(country=assessment.country, cycle=2027)
    overview = client.get(url("overview", new)).content.decode()
    assert "answers copied from the previous cycle are still to confirm" in overview
    d1 = CapabilityAnswer.objects.filter(assessment=new, capability__domain__code="D1")
    in_d1 = d1.count()
    response = client.post(reverse("assessment:section_confirm", args=[new.uuid, "D1"]))
    assert response.status_code == 302
    assert not d1.filter(to_confirm=True).exists()  # D1 confirmed, as it was
    assert set(d1.values_list("response", flat=True)) == {"3"}
    assert CapabilityAnswer.objects.filter(assessment=new, to_confirm=True).count() == 21 - in_d1
    events = AuditEvent.objects.filter(assessment=new, action="answer.saved")
    assert events.count() == in_d1  # one entry per answer
    assert services.assessment_scores(new).domains[0].score == 3.0
    client.post(reverse("assessment:section_confirm", args=[new.uuid, "legislation"]))
    assert not CriterionAnswer.objects.filter(assessment=new, to_confirm=True).exists()
    history = client.get(url("history", new)).content.decode()
    assert "with the whole section" in history


# --- concurrency -----------------------------------------------------------------------------


def test_later_save_of_a_stale_version_is_refused_showing_the_newer_value(
    client, assessment, coordinator
):
    colleague = make_user("cole", country=assessment.country, role=Role.COORDINATOR)
    client.force_login(coordinator)
    assert level(client, assessment, "C04", "3", evidence="Decree 14/2024").status_code == 302
    client.force_login(colleague)  # opened the page before the first save: version 0
    response = level(client, assessment, "C04", "1", evidence="Nothing yet")
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this answer" in page
    assert "Level 3" in page and "Decree 14/2024" in page
    assert "Nothing yet" in page  # their own text is kept in the form
    answer = CapabilityAnswer.objects.get(capability__code="C04")
    assert (answer.response, answer.evidence) == ("3", "Decree 14/2024")
    # Saving again from the refused page is a deliberate replacement.
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert (
        level(client, assessment, "C04", "1", version=version, evidence="Nothing yet").status_code
        == 302
    )
    assert CapabilityAnswer.objects.get(capability__code="C04").response == "1"


def test_a_save_that_lands_between_this_saves_read_and_write_is_never_overwritten(
    client, assessment, coordinator, monkeypatch
):
    """Two people save the same answer at the same moment: this save read the answer just
    before a colleague's save was written. Its write is refused (it is written only if the
    version is still the one read), nothing of it is stored, and the page shows the
    colleague's answer."""
    client.force_login(coordinator)
    assert level(client, assessment, "C04", "3", evidence="Decree 14/2024").status_code == 302
    cap = frameworks_cache.mnr_tree(assessment.mnr_version).capabilities[3]
    read_before = answering._stored_capability(assessment, cap, cap.indicator_list)
    version = read_before[0].version
    answering.capability_answers_save(  # the colleague's save, written after that read
        assessment=assessment,
        capability=cap,
        user=None,
        response="4",
        evidence="Unit set up by decree",
        indicator_values={},
        version=version,
    )
    monkeypatch.setattr(answering, "_stored_capability", lambda *args: read_before)
    events = AuditEvent.objects.count()
    response = level(client, assessment, "C04", "1", version=str(version), evidence="Mine")
    assert response.status_code == 409
    assert "Unit set up by decree" in response.content.decode()
    stored = CapabilityAnswer.objects.get(capability__code="C04")
    assert (stored.response, stored.evidence, stored.version) == (
        "4",
        "Unit set up by decree",
        version + 1,
    )
    assert AuditEvent.objects.count() == events  # nothing recorded of the refused save


def test_htmx_stale_save_answers_409_with_the_message(client, assessment, coordinator):
    client.force_login(coordinator)
    level(client, assessment, "C04", "3")
    response = client.post(
        url("capability", assessment, "C04"),
        {"response": "1", "version": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert "Not saved" in response.content.decode()


def test_edits_to_different_answers_never_conflict(client, assessment, coordinator):
    colleague = make_user("cole", country=assessment.country, role=Role.COORDINATOR)
    client.force_login(coordinator)
    assert level(client, assessment, "C04", "3").status_code == 302
    client.force_login(colleague)
    assert level(client, assessment, "C05", "2").status_code == 302
    # Both opened the legislation page empty; each changes a different criterion.
    base = {f"ver_{c}": "0" for c in ("legislation", "definition")}
    base |= {f"was_{c}": '["", ""]' for c in ("legislation", "definition")}
    client.force_login(coordinator)
    r1 = client.post(
        url("legislation", assessment), base | {"crit_legislation": "met", "crit_definition": ""}
    )
    client.force_login(colleague)
    r2 = client.post(
        url("legislation", assessment),
        base | {"crit_legislation": "", "crit_definition": "not_met"},
    )
    assert (r1.status_code, r2.status_code) == (302, 302)
    values = dict(CriterionAnswer.objects.values_list("criterion__code", "value"))
    assert values == {"legislation": "met", "definition": "not_met"}


def test_stale_criterion_is_refused_and_nothing_of_that_submission_is_written(
    client, assessment, coordinator
):
    client.force_login(coordinator)
    empty = {
        "ver_legislation": "0",
        "was_legislation": '["", ""]',
        "ver_definition": "0",
        "was_definition": '["", ""]',
    }
    client.post(url("legislation", assessment), empty | {"crit_legislation": "met"})
    response = client.post(
        url("legislation", assessment),
        empty | {"crit_legislation": "not_met", "crit_definition": "met"},
    )
    assert response.status_code == 409
    assert "Someone else saved these criteria" in response.content.decode()
    assert dict(CriterionAnswer.objects.values_list("criterion__code", "value")) == {
        "legislation": "met"
    }


def test_conflict_page_queries_do_not_grow_with_conflicting_criteria(
    client, assessment, coordinator
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinator)
    codes = ["legislation", "definition", "technology", "possession", "isp_reporting"]

    def stale(n: int) -> tuple[int, str]:
        """Save n criteria, then post them again from a page built before: n conflicts."""
        base = {f"ver_{c}": "0" for c in codes} | {f"was_{c}": '["", ""]' for c in codes}
        CriterionAnswer.objects.filter(assessment=assessment).delete()
        client.post(url("legislation", assessment), base | {f"crit_{c}": "met" for c in codes[:n]})
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                url("legislation", assessment), base | {f"crit_{c}": "not_met" for c in codes[:n]}
            )
        assert response.status_code == 409
        return len(ctx), response.content.decode()

    one, _ = stale(1)
    five, page = stale(5)
    assert five == one
    start = page.index('id="conflict"')
    box = page[start : page.index("</div>", start)]
    assert box.count("<li>") == 5 and box.count("— cora,") == 5  # each criterion, who saved it
    assert "Knowing possession of CSAM: Met" in box


def test_copying_answers_to_a_new_cycle_does_not_query_per_answer(coordinator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n, cycle in ((2, 2020), (21, 2021)):
        source = make_assessment(make_country(f"X{'BC'[cycle - 2020]}", "Copyland (demo)"), cycle)
        for cap in frameworks_cache.mnr_tree(source.mnr_version).capabilities[:n]:
            answering.capability_answers_save(
                assessment=source,
                capability=cap,
                user=coordinator,
                response="2",
                evidence="",
                indicator_values={},
                version=0,
            )
        # A target with nothing copied yet (a new cycle of the same country copies on start).
        target = make_assessment(make_country(f"X{'DE'[cycle - 2020]}", "Target (demo)"), cycle)
        with CaptureQueriesContext(connection) as ctx:
            services.copy_answers(source, target, to_confirm=True)
        counts.append(len(ctx))
        assert target.capability_answers.filter(updated_by=coordinator).count() == n
    assert counts[0] == counts[1]


# --- audit trail -----------------------------------------------------------------------------


def test_every_change_is_recorded_with_before_and_after(
    client, assessment, coordinator, contributor
):
    client.force_login(coordinator)
    level(client, assessment, "C04", "2")
    level(client, assessment, "C04", "3", version="1")
    assign(client, assessment, contributor, "D2", "legislation")
    client.post(url("comment_add", assessment, "C04"), {"text": "Check with the police."})
    events = AuditEvent.objects.filter(assessment=assessment).order_by("pk")
    actions = [e.action for e in events]
    assert actions == [
        "assessment.started",
        "answer.saved",
        "answer.saved",
        "assignment.changed",
        "comment.added",
    ]
    second = events[2]
    assert (second.before["response"], second.after["response"]) == ("2", "3")
    assert second.actor_name == "cora"
    assert events[3].after == ["D2", "legislation"]
    with pytest.raises(ValueError):
        second.save()
    with pytest.raises(ValueError):
        second.delete()
    page = client.get(url("capability", assessment, "C04")).content.decode()
    # One sitting's saves read as one line, in words (issue 16); the data keeps both events.
    assert "History of this answer" in page and "Level set to 3 Established" in page
    assert "(2 saves)" in page
    assert "answer.saved" not in page  # the code stays in the data and the CSV, not on pages


def test_capability_history_says_what_changed_newest_first(client, assessment, coordinator):
    client.force_login(coordinator)
    ind = frameworks_cache.mnr_tree(assessment.mnr_version).capabilities[3].indicator_list[0].code
    level(client, assessment, "C04", "2")
    level(client, assessment, "C04", "2", version="1", **{f"ind_{ind}": "yes"})
    level(
        client,
        assessment,
        "C04",
        "dont_know",
        version="2",
        evidence="Police report 2025",
        **{f"ind_{ind}": "yes"},
    )
    events = audit.events_for_subject(assessment, "C04")
    history = audit.history_lines(events, audit.names_of(assessment))
    lines = [line.what for line in history]
    question = (
        frameworks_cache.mnr_tree(assessment.mnr_version).capabilities[3].indicator_list[0].text
    )
    assert lines == [
        "Level changed from 2 Developing to don't know; evidence written",
        f"Indicator “{audit._short(question)}” set to yes",
        "Level set to 2 Developing",
    ]
    assert all(line.who == "cora" for line in history)
    # Grouped, as pages show it: one person's edits to one answer within minutes.
    (line,) = audit.history_lines(events, audit.names_of(assessment), group=True)
    assert line.count == 3
    assert line.what == (
        f"Level set to don't know; indicator “{audit._short(question)}” set to yes; "
        "evidence written"
    )
    page = client.get(url("capability", assessment, "C04")).content.decode()
    assert "Level set to don&#x27;t know; indicator" in page


def test_capability_page_shows_the_latest_changes_and_links_to_all(
    client, assessment, coordinator, contributor, monkeypatch
):
    from datetime import timedelta

    monkeypatch.setattr(audit, "GROUP_WINDOW", timedelta(0))  # each save its own line here
    client.force_login(coordinator)
    for n in range(7):  # seven changes of level
        level(client, assessment, "C04", str(n % 5), version=str(n))
    page = client.get(url("capability", assessment, "C04")).content.decode()
    history = page[page.index('id="history-heading"') :]
    assert history.count('<li class="border-bottom py-1">') == 5
    # The oldest is left out.
    assert "Level changed from 0 Not in place to 1 Initial" in history
    assert "Level set to 0" not in history
    link = url("capability_history", assessment, "C04")
    assert f'href="{link}"' in history
    client.force_login(contributor)  # a reader of the page reads the whole history too
    whole = client.get(link).content.decode()
    assert "7 changes, newest first." in whole
    assert whole.count('<li class="border-bottom py-1">') == 7 and "Level set to 0" in whole
    assert client.get(url("capability_history", assessment, "C99")).status_code == 404
    monkeypatch.setattr(questionnaire, "HISTORY_PER_PAGE", 3)
    last = client.get(link + "?page=3").content.decode()
    assert "Page 3 of 3" in last and last.count('<li class="border-bottom py-1">') == 1
    assert "Level set to 0 Not in place" in last


def test_history_page_queries_do_not_grow_with_changes(client, assessment, coordinator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinator)
    level(client, assessment, "C04", "0")
    link = url("capability_history", assessment, "C04")
    client.get(link)  # warm caches (session, framework)
    with CaptureQueriesContext(connection) as one:
        client.get(link)
    for n in range(1, 31):
        level(client, assessment, "C04", str(n % 5), version=str(n))
    with CaptureQueriesContext(connection) as many:
        page = client.get(link).content.decode()
    assert "31 changes, newest first." in page
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_log_as_csv_for_coordinator_and_not_for_contributor(
    client, assessment, coordinator, contributor
):
    client.force_login(coordinator)
    level(client, assessment, "C04", "2")
    response = client.get(url("history", assessment) + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "When (UTC),Who,Item,What changed,Event code,Subject code,Before (data),After (data)"
    )
    assert any(
        line.startswith(tuple("0123456789")) and ",cora," in line and ",answer.saved,C04," in line
        for line in lines
    )
    log = client.get(url("history", assessment)).content.decode()
    assert ">Level set to 2 Developing</td>" in log and ">4. " in log
    client.force_login(contributor)
    assert client.get(url("history", assessment)).status_code == 403


# --- invitations -----------------------------------------------------------------------------


def invite(client, coordinator, email="new@ministry.example"):
    client.force_login(coordinator)
    response = client.post(reverse("assessment:team"), {"email": email, "role": "contributor"})
    assert response.status_code == 302
    deliver_mail()
    link = re.search(r"https?://\S+/invitations/(\S+)/", mail.outbox[-1].body)
    return link.group(1)


NEW_ACCOUNT = {
    "username": "nadia",
    "display_name": "Nadia Ortiz",
    "password1": "a-long-enough-passphrase",
    "password2": "a-long-enough-passphrase",
}


def test_invitation_link_works_once_and_creates_a_team_member(client, assessment, coordinator):
    token = invite(client, coordinator)
    assert mail.outbox[-1].to == ["new@ministry.example"]
    client.logout()
    accept = reverse("assessment:accept_invitation", args=[token])
    response = client.post(accept, NEW_ACCOUNT)
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="nadia")
    assert (membership.country_id, membership.role) == ("XA", "contributor")
    assert AuditEvent.objects.filter(action="membership.added").exists()
    client.logout()
    again = client.post(accept, NEW_ACCOUNT | {"username": "nadia2"})
    assert again.status_code == 410
    assert "already been used" in again.content.decode()


def test_tampered_or_expired_invitation_is_refused(client, assessment, coordinator, settings):
    token = invite(client, coordinator)
    client.logout()
    bad = client.get(reverse("assessment:accept_invitation", args=[token[:-2] + "xx"]))
    assert bad.status_code == 410
    settings.INVITATION_MAX_AGE_SECONDS = -1
    expired = client.post(reverse("assessment:accept_invitation", args=[token]), NEW_ACCOUNT)
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()
    assert not Membership.objects.filter(user__username="nadia").exists()


def test_weak_password_is_refused_with_a_message(client, assessment, coordinator):
    token = invite(client, coordinator)
    client.logout()
    response = client.post(
        reverse("assessment:accept_invitation", args=[token]),
        NEW_ACCOUNT | {"password1": "short", "password2": "short"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert not Membership.objects.filter(user__username="nadia").exists()


def test_only_the_coordinator_invites(client, assessment, contributor):
    client.force_login(contributor)
    assert (
        client.post(
            reverse("assessment:team"), {"email": "x@y.example", "role": "coordinator"}
        ).status_code
        == 403
    )
    deliver_mail()
    assert not mail.outbox


# --- evidence files --------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(client, assessment, code, name, content):
    file = io.BytesIO(content)
    file.name = name
    return client.post(url("evidence_upload", assessment, code), {"file": file}, follow=True)


@pytest.fixture
def evidence_dir(settings, tmp_path) -> Path:
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.EVIDENCE_ROOT


def test_evidence_upload_download_and_permissions(client, assessment, coordinator, evidence_dir):
    client.force_login(coordinator)
    response = upload(client, assessment, "C04", "decree.pdf", PDF)
    assert "“decree.pdf” is attached" in response.content.decode()
    record = EvidenceFile.objects.get()
    assert b"".join(evidence_pieces(record)) == PDF and "decree" not in record.stored_name
    download = client.get(url("evidence_download", assessment, record.uuid))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF
    outsider = make_user(
        "olga", country=make_country("XB", "Belmora (demo)"), role=Role.COORDINATOR
    )
    client.force_login(outsider)
    assert client.get(url("evidence_download", assessment, record.uuid)).status_code == 404
    assert client.post(url("evidence_delete", assessment, record.uuid)).status_code == 404
    assert evidence_stored(record)


def test_evidence_type_is_checked_by_content_not_name(
    client, assessment, coordinator, evidence_dir
):
    client.force_login(coordinator)
    html = b"<html><script>alert(1)</script></html>"
    response = upload(client, assessment, "C04", "report.pdf", html)
    assert "Not attached" in response.content.decode()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    upload(client, assessment, "C04", "chart.png", svg)
    assert not EvidenceFile.objects.exists()
    assert not evidence_dir.exists() or not any(evidence_dir.iterdir())


def test_oversized_evidence_is_refused(client, assessment, coordinator, evidence_dir, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024 * 1024
    client.force_login(coordinator)
    response = upload(client, assessment, "C04", "big.pdf", PDF + b"0" * (1024 * 1024))
    assert "larger than 1 MB" in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_unassigned_contributor_cannot_attach(client, assessment, contributor, evidence_dir):
    client.force_login(contributor)
    file = io.BytesIO(PDF)
    file.name = "x.pdf"
    assert client.post(url("evidence_upload", assessment, "C04"), {"file": file}).status_code == 403
    assert not EvidenceFile.objects.exists()


def test_comments_visible_to_team_and_to_secretariat_once_submitted(
    client, assessment, coordinator
):
    client.force_login(coordinator)
    client.post(url("comment_add", assessment, "C01"), {"text": "Ask the cabinet office."})
    assert (
        "Ask the cabinet office."
        in client.get(url("capability", assessment, "C01")).content.decode()
    )
    admin = make_user("adm", role=Role.ADMIN)
    sign_in_with_second_factor(client, admin)
    assert client.get(url("capability", assessment, "C01")).status_code == 404
    submitted(client, assessment, coordinator)
    sign_in_with_second_factor(client, admin)
    page = client.get(url("capability", assessment, "C01")).content.decode()
    assert "Ask the cabinet office." in page
    assert client.post(url("comment_add", assessment, "C01"), {"text": "x"}).status_code == 403


def test_sign_in_still_works_for_invited_users(client, assessment, coordinator):
    token = invite(client, coordinator)
    client.logout()
    client.post(reverse("assessment:accept_invitation", args=[token]), NEW_ACCOUNT)
    client.logout()
    response = client.post(
        reverse("login"), {"username": "nadia", "password": NEW_ACCOUNT["password1"]}
    )
    assert response.status_code == 302
    home = client.get(reverse("home")).content.decode()
    assert "Self-assessments of Arvenia (demo)" in home


def test_membership_changes_in_the_admin_are_recorded(client, assessment):
    from .factories import sign_in_with_second_factor as sign_in

    admin = make_user("root", role=Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    sign_in(client, admin)
    member = make_user("mira", country=assessment.country, role=Role.CONTRIBUTOR)
    membership = member.membership
    response = client.post(
        reverse("admin:assessment_membership_change", args=[membership.pk]),
        {"user": member.pk, "role": "coordinator", "country": "XA"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="membership.changed")
    assert (event.before["role"], event.after["role"]) == ("contributor", "coordinator")
    assert event.actor_name == "root"
