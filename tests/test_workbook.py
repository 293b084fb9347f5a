"""The questionnaire workbook (issue 15): download, upload → preview → confirm, and refusals."""

from __future__ import annotations

import datetime
import io
import zipfile
from typing import Any

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessment import answering, frameworks_cache, workbook
from assessment.models import (
    Assessment,
    AuditEvent,
    CapabilityAnswer,
    CriterionAnswer,
    IndicatorAnswer,
    Membership,
    PendingWorkbook,
)
from assessment.models import Assignment as AssignmentModel

from .factories import answer_all, make_assessment, make_country, make_user


def cells(data: bytes) -> dict[str, Any]:
    """Row key (hidden column A) -> the answer cell's value, over every sheet."""
    book = load_workbook(io.BytesIO(data))
    found = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_col=1, max_col=4):
            if row[0].value:
                found[str(row[0].value)] = row[3].value
    return found


def edit(data: bytes, changes: dict[str, Any], *, drop_meta: bool = False) -> bytes:
    """The workbook with the answer cells of the given row keys set, as a person would."""
    book = load_workbook(io.BytesIO(data))
    left = dict(changes)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_col=1, max_col=4):
            key = row[0].value
            if key in left:
                row[3].value = left.pop(key)
    assert not left, f"no such rows: {left}"
    if drop_meta:
        del book[workbook.META_SHEET]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def team(frameworks) -> dict[str, Any]:
    country = make_country("XA", "Arvenia (demo)")
    coordinator = make_user("cd", country=country, role=Membership.Role.COORDINATOR)
    contributor = make_user("co", country=country, role=Membership.Role.CONTRIBUTOR)
    assessment = make_assessment(country)
    AssignmentModel.objects.create(assessment=assessment, user=contributor, section="D2")
    clients = {}
    for name, user in (("coordinator", coordinator), ("contributor", contributor)):
        clients[name] = Client()
        clients[name].force_login(user)
    return {
        "assessment": assessment,
        "coordinator": coordinator,
        "contributor": contributor,
        "clients": clients,
    }


def download(client: Client, assessment: Assessment) -> bytes:
    response = client.get(reverse("assessment:workbook_download", args=[assessment.uuid]))
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == workbook.CONTENT_TYPE
    return b"".join(response.streaming_content) if response.streaming else response.content


def upload(client: Client, assessment: Assessment, data: bytes, name: str = "answers.xlsx"):
    return client.post(
        reverse("assessment:workbook_upload", args=[assessment.uuid]),
        {"file": SimpleUploadedFile(name, data)},
    )


def confirm(client: Client, assessment: Assessment, replace: list[str] | None = None):
    session_key = client.session[workbook_views_key(assessment)]
    return client.post(
        reverse("assessment:workbook_confirm", args=[assessment.uuid]),
        {"token": session_key, "replace": replace or []},
    )


def workbook_views_key(assessment: Assessment) -> str:
    from assessment.views import workbook as workbook_views

    return workbook_views.session_key(assessment)


def errors_of(response) -> str:
    import re

    found = re.search(r'id="workbook-errors".*?</div>', response.content.decode(), re.S)
    return found.group(0) if found else ""


def level(assessment: Assessment, code: str) -> str:
    answer = CapabilityAnswer.objects.filter(assessment=assessment, capability__code=code).first()
    return answer.response if answer else ""


# ---------------------------------------------------------------- download


def test_coordinator_workbook_has_every_section_filled_in_and_locked(team):
    a = team["assessment"]
    answer_all(a, {"C01": "3"}, indicators="partly", evidence="National plan 2024")
    data = download(team["clients"]["coordinator"], a)
    book = load_workbook(io.BytesIO(data))
    tree = frameworks_cache.mnr_tree(a.mnr_version)
    assert book.sheetnames[0] == "Instructions"
    assert len(book.sheetnames) == 1 + 1 + len(tree.domains) + 1  # + hidden header, legislation
    assert book[workbook.META_SHEET].sheet_state == "veryHidden"
    found = cells(data)
    assert found["level:C01"] == "3 — Established"
    assert found["level:C02"] == "2 — Developing"
    assert found["ind:C01.1"] == "Partly"
    assert found["evidence:C01"] == "National plan 2024"
    assert found["crit:legislation"] == "Met"
    sheet = book[book.sheetnames[2]]
    assert sheet.protection.sheet
    row = next(r for r in sheet.iter_rows() if r[0].value == "level:C01")
    assert row[3].protection.locked is False  # the answer cell
    assert row[2].protection.locked is True  # the question
    # Every level's descriptor is readable under the level cell.
    texts = [r[4].value for r in sheet.iter_rows() if r[4].value]
    cap = tree.capabilities[0]
    assert all(d in texts for d in cap.level_descriptors)
    # The level cell offers the levels as a drop-down.
    validation = next(
        dv for dv in sheet.data_validations.dataValidation if row[3].coordinate in dv.sqref
    )
    assert validation.type == "list"


def test_contributor_workbook_has_only_the_assigned_section(team):
    data = download(team["clients"]["contributor"], team["assessment"])
    keys = cells(data)
    domains = {
        c.domain.code
        for c in frameworks_cache.mnr_tree(team["assessment"].mnr_version).capabilities
        if f"level:{c.code}" in keys
    }
    assert domains == {"D2"}
    assert not any(k.startswith("crit:") for k in keys)


# ---------------------------------------------------------------- round trip


def test_upload_previews_then_saves_exactly_the_changed_answers(team):
    a = team["assessment"]
    answer_all(a, indicators="no")
    client = team["clients"]["coordinator"]
    data = download(client, a)
    versions = dict(
        CapabilityAnswer.objects.filter(assessment=a).values_list("capability__code", "version")
    )
    events_before = AuditEvent.objects.count()
    edited = edit(
        data,
        {
            "level:C01": "4 — Advanced",
            "ind:C01.1": "Yes",
            "evidence:C02": "Decree 12/2025",
            "crit:legislation": "Not met",
        },
    )
    response = upload(client, a, edited)
    assert response.status_code == 200, errors_of(response)
    page = response.content.decode()
    assert "2 — Developing" in page and "4 — Advanced" in page
    assert "Decree 12/2025" in page
    assert level(a, "C01") == "2"  # nothing saved yet
    response = confirm(client, a)
    assert response.status_code == 302
    assert level(a, "C01") == "4"
    assert IndicatorAnswer.objects.get(assessment=a, indicator__code="C01.1").value == "yes"
    assert (
        CapabilityAnswer.objects.get(assessment=a, capability__code="C02").evidence
        == "Decree 12/2025"
    )
    assert (
        CriterionAnswer.objects.get(assessment=a, criterion__code="legislation").value == "not_met"
    )
    after = dict(
        CapabilityAnswer.objects.filter(assessment=a).values_list("capability__code", "version")
    )
    moved = {code for code in after if after[code] != versions[code]}
    assert moved == {"C01", "C02"}  # untouched answers keep their version
    new = AuditEvent.objects.order_by("pk")[events_before:]
    assert [(e.action, e.subject) for e in new] == [
        ("answer.saved", "C01"),
        ("answer.saved", "C02"),
        ("criterion.saved", "legislation"),
    ]
    assert all(e.after["via"] == "workbook" and e.actor == team["coordinator"] for e in new)
    from assessment import audit

    assert "from workbook" in audit.history_lines([new[0]])[0].what


def test_spreadsheet_habits_do_not_become_wrong_answers(team):
    a = team["assessment"]
    answer_all(a, indicators="no")
    client = team["clients"]["coordinator"]
    data = download(client, a)
    edited = edit(
        data,
        {
            "level:C01": 3,  # a number
            "level:C02": 4.0,  # a float
            "level:C03": "  3 - established ",  # hyphen, case, spaces
            "ind:C01.1": "YES ",
            "ind:C01.2": "don’t know",  # a curly apostrophe
            "evidence:C03": 2019,  # a typed year the program turned into a number
            "evidence:C04": datetime.date(2024, 5, 1),  # a typed date the program turned into one
        },
    )
    upload(client, a, edited)
    assert confirm(client, a).status_code == 302
    assert [level(a, c) for c in ("C01", "C02", "C03")] == ["3", "4", "3"]
    values = dict(
        IndicatorAnswer.objects.filter(assessment=a).values_list("indicator__code", "value")
    )
    assert values["C01.1"] == "yes" and values["C01.2"] == "dont_know"
    assert CapabilityAnswer.objects.get(assessment=a, capability__code="C03").evidence == "2019"
    assert (
        CapabilityAnswer.objects.get(assessment=a, capability__code="C04").evidence == "2024-05-01"
    )


def test_empty_cells_of_unanswered_questions_change_nothing(team):
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    data = download(client, a)
    response = upload(client, a, edit(data, {"level:C01": "1 — Initial"}))
    assert response.status_code == 200
    confirm(client, a)
    assert CapabilityAnswer.objects.filter(assessment=a).count() == 1
    assert not IndicatorAnswer.objects.filter(assessment=a).exists()


# ---------------------------------------------------------------- conflicts


def contributor_sets_c01_online(team, response: str) -> None:
    """After the workbook was downloaded: a contributor saves C01 online, as the page would."""
    a = team["assessment"]
    cap = next(c for c in frameworks_cache.mnr_tree(a.mnr_version).capabilities if c.code == "C01")
    current = CapabilityAnswer.objects.get(assessment=a, capability=cap)
    answering.capability_answers_save(
        assessment=a,
        capability=cap,
        user=team["contributor"],
        response=response,
        evidence="",
        indicator_values={},
        version=current.version,
    )


def test_answer_changed_online_since_download_is_a_conflict_kept_by_default(team):
    a = team["assessment"]
    answer_all(a)
    client = team["clients"]["coordinator"]
    data = download(client, a)
    contributor_sets_c01_online(team, "1")
    response = upload(client, a, edit(data, {"level:C01": "4 — Advanced", "level:C02": "3"}))
    page = response.content.decode()
    assert "Conflict" in page and "co" in page  # who saved the newer one
    assert "1 — Initial" in page and "4 — Advanced" in page
    events = AuditEvent.objects.count()
    confirm(client, a)
    assert level(a, "C01") == "1"  # the online answer is kept
    assert level(a, "C02") == "3"
    assert AuditEvent.objects.count() == events + 1


def test_conflict_replaced_only_on_the_persons_choice(team):
    a = team["assessment"]
    answer_all(a)
    client = team["clients"]["coordinator"]
    data = download(client, a)
    contributor_sets_c01_online(team, "1")
    upload(client, a, edit(data, {"level:C01": "4 — Advanced"}))
    confirm(client, a, replace=["C01"])
    assert level(a, "C01") == "4"
    event = AuditEvent.objects.filter(subject="C01").latest("pk")
    assert event.before["response"] == "1" and event.after["response"] == "4"
    assert event.actor == team["coordinator"] and event.after["via"] == "workbook"


def test_an_online_change_between_preview_and_confirm_writes_nothing(team):
    a = team["assessment"]
    answer_all(a)
    client = team["clients"]["coordinator"]
    data = download(client, a)
    upload(client, a, edit(data, {"level:C01": "4", "level:C02": "4"}))
    cap = next(c for c in frameworks_cache.mnr_tree(a.mnr_version).capabilities if c.code == "C02")
    current = CapabilityAnswer.objects.get(assessment=a, capability=cap)
    answering.capability_answers_save(
        assessment=a,
        capability=cap,
        user=team["contributor"],
        response="0",
        evidence="",
        indicator_values={},
        version=current.version,
    )
    response = confirm(client, a)
    assert response.status_code == 409
    assert level(a, "C01") == "2" and level(a, "C02") == "0"


# ---------------------------------------------------------------- refusals


def test_one_bad_cell_among_fifty_good_ones_writes_nothing_and_names_the_cell(team):
    a = team["assessment"]
    answer_all(a, indicators="no")
    client = team["clients"]["coordinator"]
    data = download(client, a)
    keys = [k for k in cells(data) if k.startswith("ind:")][:50]
    changes: dict[str, Any] = {k: "Yes" for k in keys}
    changes["ind:C05.1"] = "maybe"
    events = AuditEvent.objects.count()
    response = upload(client, a, edit(data, changes))
    assert response.status_code == 422
    page = response.content.decode()
    sheet = next(
        s.title
        for s in load_workbook(io.BytesIO(data)).worksheets
        if any(r[0].value == "ind:C05.1" for r in s.iter_rows(max_col=1))
    )
    assert f"{sheet}!D" in page and "&#x27;maybe&#x27; is not one of" in page
    assert AuditEvent.objects.count() == events
    assert not IndicatorAnswer.objects.filter(assessment=a, value="yes").exists()
    assert workbook_views_key(a) not in client.session


@pytest.mark.parametrize(
    ("value", "message"),
    [("7", "level 7 is out of range"), ("maybe", "is not one of"), ("=1+2", "a formula")],
)
def test_bad_level_cells_are_listed(team, value, message):
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    data = edit(download(client, a), {"level:C01": value})
    response = upload(client, a, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not CapabilityAnswer.objects.filter(assessment=a).exists()


def test_unknown_capability_row_is_refused(team):
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    book = load_workbook(io.BytesIO(download(client, a)))
    sheet = book.worksheets[2]
    sheet["A200"], sheet["D200"] = "level:C99", "3"
    out = io.BytesIO()
    book.save(out)
    response = upload(client, a, out.getvalue())
    assert response.status_code == 422
    assert "unknown capability &#x27;C99&#x27;" in response.content.decode()


def test_contributor_workbook_cannot_write_an_unassigned_section(team):
    a = team["assessment"]
    coordinator_book = download(team["clients"]["coordinator"], a)
    client = team["clients"]["contributor"]
    # The coordinator's workbook, uploaded by the contributor: D2 is theirs, D1 is not.
    response = upload(client, a, edit(coordinator_book, {"level:C01": "3"}))
    assert response.status_code == 422
    assert "a section you may not edit" in response.content.decode()
    assert not CapabilityAnswer.objects.filter(assessment=a).exists()
    # Their own workbook with rows pasted in for a section it was not made for.
    book = load_workbook(io.BytesIO(download(client, a)))
    sheet = book.worksheets[2]
    sheet["A300"], sheet["D300"] = "level:C01", "3"
    out = io.BytesIO()
    book.save(out)
    response = upload(client, a, out.getvalue())
    assert response.status_code == 422
    assert "which this workbook was not made for" in response.content.decode()


def test_another_countrys_workbook_is_refused(team):
    a = team["assessment"]
    other = make_country("XB", "Belmora (demo)")
    other_coordinator = make_user("oc", country=other, role=Membership.Role.COORDINATOR)
    other_assessment = make_assessment(other)
    other_client = Client()
    other_client.force_login(other_coordinator)
    foreign = edit(download(other_client, other_assessment), {"level:C01": "3"})
    response = upload(team["clients"]["coordinator"], a, foreign)
    assert response.status_code == 422
    assert "belongs to another assessment" in response.content.decode()
    assert not CapabilityAnswer.objects.exists()


def test_workbook_of_a_submitted_assessment_is_refused(team):
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    data = edit(download(client, a), {"level:C01": "3"})
    Assessment.objects.filter(pk=a.pk).update(status=Assessment.Status.SUBMITTED)
    response = upload(client, a, data)
    assert response.status_code == 403
    assert not CapabilityAnswer.objects.filter(assessment=a).exists()


def test_submission_between_preview_and_confirm_writes_nothing(team):
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    upload(client, a, edit(download(client, a), {"level:C01": "3"}))
    token = client.session[workbook_views_key(a)]
    Assessment.objects.filter(pk=a.pk).update(status=Assessment.Status.SUBMITTED)
    response = client.post(reverse("assessment:workbook_confirm", args=[a.uuid]), {"token": token})
    assert response.status_code == 403
    assert not CapabilityAnswer.objects.filter(assessment=a).exists()


def test_tampered_header_is_refused(team):
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    book = load_workbook(io.BytesIO(download(client, a)))
    meta = book[workbook.META_SHEET]
    header = signing.loads(meta["A1"].value, salt=workbook.SALT)
    header["sections"] = ["D1"]
    meta["A1"] = signing.dumps(header, salt="another salt", compress=True)
    out = io.BytesIO()
    book.save(out)
    response = upload(client, a, out.getvalue())
    assert response.status_code == 422
    assert "hidden header is missing or was changed" in response.content.decode()
    response = upload(client, a, edit(download(client, a), {}, drop_meta=True))
    assert "hidden header is missing or was changed" in response.content.decode()


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_files_that_are_not_plain_small_workbooks_are_refused(team, settings):
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    real = download(client, a)
    with zipfile.ZipFile(io.BytesIO(real)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    macro = dict(parts)
    macro["xl/vbaProject.bin"] = b"\0" * 100
    xlsm = dict(parts)
    xlsm["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml"
    )
    bomb = dict(parts)
    bomb["xl/bomb.xml"] = b"\0" * (60 * 1024 * 1024)
    cases = {
        "a PDF": (b"%PDF-1.4\n%%EOF\n", "not an Excel workbook"),
        "a Word file": (
            _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b""}),
            "not an Excel workbook",
        ),
        "a zip without content types": (_zip({"a.txt": b"hello"}), "not an Excel workbook"),
        "macros": (_zip(macro), "contains macros"),
        "xlsm": (_zip(xlsm), "contains macros"),
        "a zip bomb": (_zip(bomb), "The archive is refused"),
    }
    for name, (data, message) in cases.items():
        response = upload(client, a, data)
        assert response.status_code == 422, name
        assert message in response.content.decode(), name
    settings.WORKBOOK_MAX_UPLOAD_BYTES = 1000
    response = upload(client, a, real)
    # Refused while it arrives, before the view (config/uploads.py, tests/test_upload_limits.py).
    assert response.status_code == 413
    assert "larger than" in response.content.decode()


def test_confirm_without_a_preview_saves_nothing(team):
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    response = client.post(reverse("assessment:workbook_confirm", args=[a.uuid]), {"token": "x"})
    assert response.status_code == 302
    assert not CapabilityAnswer.objects.exists()


# ---------------------------------------------------------------- pages


def test_overview_offers_the_workbook_to_those_who_may_answer(team):
    a = team["assessment"]
    page = team["clients"]["coordinator"].get(reverse("assessment:overview", args=[a.uuid]))
    html = page.content.decode()
    assert reverse("assessment:workbook_download", args=[a.uuid]) in html
    assert reverse("assessment:workbook_upload", args=[a.uuid]) in html
    assert reverse("assessment:blank_questionnaire", args=[a.uuid]) in html


def test_blank_questionnaire_pdf_has_every_capability(team):
    from pypdf import PdfReader

    a = team["assessment"]
    response = team["clients"]["coordinator"].get(
        reverse("assessment:blank_questionnaire", args=[a.uuid])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    tree = frameworks_cache.mnr_tree(a.mnr_version)
    for cap in tree.capabilities:
        assert cap.name in text
    assert tree.capabilities[0].indicator_list[0].text[:40] in text.replace("\n", " ")


# ---------------------------------------------------------------- the pending preview (issue 22)


def pending_of(assessment: Assessment) -> PendingWorkbook:
    return PendingWorkbook.objects.get(assessment=assessment)


def test_the_pending_workbook_waits_on_the_server_and_the_session_holds_a_key_only(team):
    from django.contrib.sessions.models import Session

    a = team["assessment"]
    # The largest preview a team can make: every evidence at its limit.
    answer_all(a, indicators="no", evidence=("National plan 2024 " * 1200)[:20000])
    client = team["clients"]["coordinator"]
    data = edit(download(client, a), {"level:C01": "4"})
    assert upload(client, a, data).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    assert len(session.session_data) < 1000  # the file is not in it (it was ~1.3 times its size)
    key = client.session[workbook_views_key(a)]
    assert isinstance(key, str) and len(key) == 32
    assert pending_of(a).key == key
    assert confirm(client, a).status_code == 302
    assert level(a, "C01") == "4"
    assert not PendingWorkbook.objects.exists()  # confirmed: deleted


@pytest.fixture
def no_file_written():
    """Every file, folder or rename the process asks the system for while the test runs, but
    reads: a preview kept on one app server's disk could not be confirmed through another."""
    import sys

    written: list[tuple[str, Any]] = []
    watching = [True]

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if not watching[0]:
            return
        if event == "open" and isinstance(args[1], str) and set(args[1]) & set("wax+"):
            path = str(args[0])
            if "__pycache__" not in path:  # Python caching a module it imported meanwhile
                written.append((event, path))
        elif event in ("os.mkdir", "os.rename", "os.remove", "shutil.move", "shutil.copyfile"):
            written.append((event, args[0]))

    sys.addaudithook(hook)  # cannot be removed: it only watches while the test runs
    yield written
    watching[0] = False


def test_a_preview_is_kept_in_the_database_only_so_any_app_server_confirms_it(
    team, no_file_written
):
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    data = edit(download(client, a), {"level:C02": "3"})
    no_file_written.clear()  # from here on: the upload, its preview and the confirmation
    assert upload(client, a, data).status_code == 200
    assert no_file_written == []
    pending = pending_of(a)
    assert bytes(pending.data) == data and pending.kind == "xlsx"
    assert pending.user == team["coordinator"]
    # Another app server: a new client, the same session cookie, the same database.
    elsewhere = Client()
    elsewhere.cookies = client.cookies
    assert confirm(elsewhere, a).status_code == 302
    assert level(a, "C02") == "3"
    assert not PendingWorkbook.objects.exists()
    assert no_file_written == []


def test_a_new_upload_replaces_the_pending_one_and_an_ods_is_kept_as_one(team):
    from . import hostile_workbooks as hostile

    a = team["assessment"]
    client = team["clients"]["coordinator"]
    real = download(client, a)
    upload(client, a, edit(real, {"level:C01": "2"}))
    first = client.session[workbook_views_key(a)]
    c01 = frameworks_cache.mnr_tree(a.mnr_version).capabilities[0]
    rows = "".join(
        f"<table:table-row>{ods_text(key)}{ods_text('')}{ods_text('')}{ods_text(value)}"
        "</table:table-row>"
        for key, value in [("level:C01", "3"), ("evidence:C01", "")]
        + [(f"ind:{i.code}", "") for i in c01.indicator_list]
    )
    response = upload(client, a, hostile.ods(real, rows), name="answers.ods")
    assert response.status_code == 200, errors_of(response)
    pending = pending_of(a)  # one: the first is gone
    assert pending.kind == "ods" and pending.key != first
    stale = client.post(reverse("assessment:workbook_confirm", args=[a.uuid]), {"token": first})
    assert stale.status_code == 302 and not CapabilityAnswer.objects.filter(assessment=a).exists()
    assert confirm(client, a).status_code == 302
    assert level(a, "C01") == "3"


def ods_text(text: str) -> str:
    return (
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    )


def test_an_expired_preview_saves_nothing(team):
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    upload(client, a, edit(download(client, a), {"level:C01": "3"}))
    PendingWorkbook.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = confirm(client, a)
    assert response.status_code == 302 and response.url.endswith("/workbook/")
    assert not CapabilityAnswer.objects.filter(assessment=a).exists()
    assert not PendingWorkbook.objects.exists()  # an expired preview is deleted


def test_a_preview_expires_an_hour_after_it_is_made(team):
    from assessment.workbook import preview

    a = team["assessment"]
    client = team["clients"]["coordinator"]
    upload(client, a, edit(download(client, a), {"level:C01": "3"}))
    pending = pending_of(a)
    lifetime = pending.expires_at - pending.created_at
    assert lifetime == datetime.timedelta(seconds=preview.PREVIEW_MAX_AGE_SECONDS)
    assert abs(pending.created_at - timezone.now()) < datetime.timedelta(minutes=1)


def test_a_preview_key_is_only_its_uploaders(team):
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    upload(client, a, edit(download(client, a), {"level:C03": "3"}))
    key = client.session[workbook_views_key(a)]
    # Another member of the team, who may edit that section too, with the key in their session.
    other = make_user("cd2", country=a.country, role=Membership.Role.COORDINATOR)
    thief = Client()
    thief.force_login(other)
    session = thief.session
    session[workbook_views_key(a)] = key
    session.save()
    response = thief.post(reverse("assessment:workbook_confirm", args=[a.uuid]), {"token": key})
    assert response.status_code == 302
    assert not CapabilityAnswer.objects.filter(assessment=a).exists()
    # Nor can they make it go away: their next upload leaves the uploader's pending workbook.
    upload(thief, a, edit(download(thief, a), {"level:C03": "1"}))
    assert PendingWorkbook.objects.filter(key=key, user=team["coordinator"]).exists()
    assert confirm(client, a).status_code == 302
    assert level(a, "C03") == "3"


def test_old_previews_are_swept_by_the_next_upload(team):
    a = team["assessment"]
    client = team["clients"]["coordinator"]
    other = make_assessment(make_country("XB", "Borduria (demo)"))
    left = PendingWorkbook.objects.create(
        key="x" * 32,
        assessment=other,
        user=team["contributor"],
        kind="xlsx",
        data=b"left over",
        created_at=timezone.now() - datetime.timedelta(hours=2),
        expires_at=timezone.now() - datetime.timedelta(hours=1),
    )
    upload(client, a, edit(download(client, a), {"level:C01": "3"}))
    assert list(PendingWorkbook.objects.values_list("assessment", flat=True)) == [a.pk]
    assert not PendingWorkbook.objects.filter(pk=left.pk).exists()
