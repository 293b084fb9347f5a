"""The gaps page and the action plan, as a country team uses them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment import peers, plan, services, workflow
from assessment.models import (
    Action,
    Assessment,
    AuditEvent,
    CapabilityAnswer,
    Membership,
)

from .factories import answer_all, make_assessment, make_country, make_user

pytestmark = pytest.mark.usefixtures("frameworks")
Role = Membership.Role


def url(name: str, assessment: Assessment, *args: object) -> str:
    return reverse(f"assessment:{name}", args=[assessment.uuid, *args])


@pytest.fixture
def assessment(frameworks) -> Assessment:
    a = make_assessment(make_country("XA", "Arvenia (demo)"))
    answer_all(
        a,
        {"C04": "1", "C11": "dont_know", "C20": "2"},
        default="3",
        criteria={"isp_reporting": "not_met"},
    )
    return a


@pytest.fixture
def coordinator(assessment):
    return make_user("cora", country=assessment.country, role=Role.COORDINATOR)


def gap_table(page: str) -> str:
    start = page.index('id="gap-table"')
    return page[start : page.index("</table>", start)]


@pytest.fixture
def client_c(client, coordinator):
    client.force_login(coordinator)
    return client


def test_gaps_page_lists_each_gap_with_its_recommendations_and_the_rule(client_c, assessment):
    page = client_c.get(url("plan", assessment)).content.decode()
    table = gap_table(page)  # the names are also options of the target form on the same page
    assert "4. Dedicated law enforcement" in table
    assert "20. Ethical and informed media reporting" in table
    assert "1. Leadership" not in table  # at its default target
    assert "Find out: the level is not known" in page  # C11 answered "don't know"
    assert "ISP reporting duty" in page
    assert "R11" in page  # C04's mapped recommendation
    assert "weighted higher" in page and "Gaps are listed in the order to act on them" in page
    gaps = [g.key for g in __import__("assessment.plan").plan.gap_analysis(assessment).gaps]
    # Foundational first: C04 (weight 2, size 2), the ISP criterion (weight 2, size 1); then
    # the others by size: C11 (find out, counted at 3), C20 (size 1).
    assert gaps == ["C04", "law:isp_reporting", "C11", "C20"]


def test_peers_are_validated_level_4_countries_that_agreed_to_share(client_c, assessment):
    sharing = make_assessment(make_country("XB", "Belmora (demo)"), cycle=2025)
    answer_all(sharing, {"C04": "4"}, share=True, default="3")
    silent = make_assessment(make_country("XC", "Corvania (demo)"), cycle=2025)
    answer_all(silent, {"C04": "4"}, share=False, default="3")
    draft = make_assessment(make_country("XD", "Dunmark (demo)"), cycle=2025)
    answer_all(draft, {"C04": "4"}, share=True, default="3")
    Assessment.objects.filter(pk__in=[sharing.pk, silent.pk]).update(status="validated")
    page = client_c.get(url("plan", assessment)).content.decode()
    assert "Belmora (demo)" in page
    assert "Corvania (demo)" not in page  # did not agree
    assert "Dunmark (demo)" not in page  # not validated


def test_a_peer_is_what_its_latest_validated_assessment_says(client_c, assessment):
    """A level and a consent of an older cycle are not what the country is or offers now."""

    def validated(code: str, name: str, cycle: int, level: str, share: bool) -> Assessment:
        a = make_assessment(make_country(code, name), cycle=cycle)
        answer_all(a, {"C04": level}, share=share, default="3")
        Assessment.objects.filter(pk=a.pk).update(status="validated")
        return a

    # Later cycles first: a cycle started after another would copy its answers.
    validated("XB", "Belmora (demo)", 2025, "2", True)  # fell back since 2024
    validated("XB", "Belmora (demo)", 2024, "4", True)
    validated("XC", "Corvania (demo)", 2025, "4", False)  # took its consent back
    validated("XC", "Corvania (demo)", 2024, "4", True)
    make_assessment(make_country("XD", "Dunmark (demo)"), cycle=2025)  # a draft decides nothing
    validated("XD", "Dunmark (demo)", 2024, "4", True)
    validated("XE", "Estovia (demo)", 2025, "4", True)
    assert peers.peers_for(assessment, ["C04"]) == {"C04": ["Dunmark (demo)", "Estovia (demo)"]}
    page = client_c.get(url("plan", assessment)).content.decode()
    assert "Belmora (demo)" not in page and "Corvania (demo)" not in page
    assert "Dunmark (demo)" in page and "Estovia (demo)" in page


def test_the_previous_cycles_scores_are_read_once_and_follow_a_new_revision(assessment):
    """A validated assessment's answers never change, so its scores are kept (plan.py); a
    new validated revision of that cycle is another assessment, read afresh."""
    earlier = make_assessment(assessment.country, cycle=2024)
    answer_all(earlier, {"C04": "2"}, default="3")
    Assessment.objects.filter(pk=earlier.pk).update(status="validated")
    first = plan.gap_analysis(assessment)
    fell = [c for c in first.changes if c.item.startswith("4.")]
    assert [(c.before, c.after) for c in fell] == [("2", "1")]
    with CaptureQueriesContext(connection) as ctx:
        again = plan.gap_analysis(assessment)
    assert again.changes == first.changes
    # The answers read are this assessment's alone.
    answers = [q["sql"] for q in ctx.captured_queries if "capabilityanswer" in q["sql"].lower()]
    assert answers and all(f"{earlier.pk}" not in sql.split("WHERE", 1)[1] for sql in answers)

    # The country reopens 2024 and validates revision 2 at level 4: it is the previous now.
    earlier.refresh_from_db()
    revision = workflow.reopen(assessment=earlier, user=None)
    CapabilityAnswer.objects.filter(assessment=revision).delete()  # its copies, to confirm
    answer_all(revision, {"C04": "4"}, default="3")
    Assessment.objects.filter(pk=revision.pk).update(status="validated")
    assert plan.previous_validated(assessment).pk == revision.pk
    changed = [c for c in plan.gap_analysis(assessment).changes if c.item.startswith("4.")]
    assert [(c.before, c.after) for c in changed] == [("4", "1")]


def test_coordinator_raises_a_target_with_a_reason_never_lowers(client_c, assessment):
    r = client_c.post(
        url("target_set", assessment),
        {"capability": "C01", "level": "4", "reason": ""},
        follow=True,
    )
    assert "Say why the target is raised" in r.content.decode()
    client_c.post(
        url("target_set", assessment),
        {"capability": "C01", "level": "4", "reason": "National strategy 2030"},
    )
    page = client_c.get(url("plan", assessment)).content.decode()
    assert "National strategy 2030" in page
    assert "1. Leadership" in gap_table(page)  # now a gap: 3 → 4
    r = client_c.post(
        url("target_set", assessment),
        {"capability": "C01", "level": "2", "reason": "x"},
        follow=True,
    )
    assert "not lowered" in r.content.decode()
    assert AuditEvent.objects.filter(action="target.changed").count() == 1


def test_contributor_cannot_set_targets(client, assessment):
    client.force_login(make_user("carl", country=assessment.country))
    assert (
        client.post(
            url("target_set", assessment), {"capability": "C01", "level": "4", "reason": "r"}
        ).status_code
        == 403
    )


def test_generate_one_action_per_gap_then_regenerate_keeps_edits(client_c, assessment):
    client_c.post(url("actions_generate", assessment))
    actions = list(Action.objects.filter(assessment=assessment))
    assert [a.gap_key for a in actions] == ["C04", "law:isp_reporting", "C11", "C20"]
    assert actions[0].title == "Raise “4. Dedicated law enforcement” from level 1 to 3"
    assert "R11" in actions[0].description
    edited = actions[0]
    client_c.post(
        url("action_edit", assessment, edited.uuid),
        {
            "title": "Create the national CSEA police unit",
            "lead_agency": "Ministry of Interior",
            "status": "in_progress",
            "priority": "1",
            "start_date": "2026-01-01",
            "due_date": "2026-12-31",
        },
    )
    client_c.post(url("action_delete", assessment, actions[3].uuid), {"confirm": "yes"})
    client_c.post(
        url("target_set", assessment), {"capability": "C01", "level": "4", "reason": "Strategy"}
    )
    client_c.post(url("actions_generate", assessment))
    after = {a.gap_key: a for a in Action.objects.filter(assessment=assessment)}
    assert after["C04"].title == "Create the national CSEA police unit"
    assert after["C04"].lead_agency == "Ministry of Interior"
    assert "C01" in after and "C20" in after  # new gap added; the removed one proposed again
    assert len(after) == 5


def test_due_date_before_start_is_refused_and_nothing_changes(client_c, assessment):
    client_c.post(url("actions_generate", assessment))
    action = Action.objects.filter(assessment=assessment).first()
    r = client_c.post(
        url("action_edit", assessment, action.uuid),
        {
            "title": "Changed",
            "status": "planned",
            "priority": "1",
            "start_date": "2026-06-01",
            "due_date": "2026-05-01",
        },
    )
    assert r.status_code == 422
    assert "on or after the start date" in r.content.decode()
    action.refresh_from_db()
    assert action.title != "Changed"


def test_overdue_action_shows_as_such(client_c, assessment):
    past = dt.date.today() - dt.timedelta(days=10)
    Action.objects.create(
        assessment=assessment, position=1, title="Late one", due_date=past, status="in_progress"
    )
    Action.objects.create(
        assessment=assessment, position=2, title="Done one", due_date=past, status="done"
    )
    page = client_c.get(url("plan", assessment)).content.decode()
    rows = page.split('id="action-table"')[1].split("</tr>")
    assert "Overdue" in next(r for r in rows if "Late one" in r)
    assert "Overdue" not in next(r for r in rows if "Done one" in r)


def test_add_reorder_and_remove_actions(client_c, assessment):
    for title in ("First", "Second", "Third"):
        client_c.post(
            url("action_new", assessment), {"title": title, "status": "planned", "priority": "2"}
        )
    third = Action.objects.get(title="Third")
    client_c.post(url("action_move", assessment, third.uuid), {"direction": "up"})
    assert list(Action.objects.filter(assessment=assessment).values_list("title", flat=True)) == [
        "First",
        "Third",
        "Second",
    ]
    client_c.post(url("action_delete", assessment, third.uuid), {"confirm": "yes"})
    assert not Action.objects.filter(title="Third").exists()
    assert AuditEvent.objects.filter(action="action.removed").count() == 1


def test_other_country_cannot_see_or_change_the_plan(client, assessment):
    outsider = make_user(
        "olga", country=make_country("XB", "Belmora (demo)"), role=Role.COORDINATOR
    )
    client.force_login(outsider)
    assert client.get(url("plan", assessment)).status_code == 404
    assert client.post(url("actions_generate", assessment)).status_code == 404
    assert not Action.objects.exists()


def test_improved_and_fell_back_since_the_previous_validated_cycle(client_c, assessment):
    earlier = make_assessment(assessment.country, cycle=2024)
    CapabilityAnswer.objects.filter(assessment=earlier).delete()
    answer_all(earlier, {"C04": "2", "C01": "1"}, default="3", criteria={"definition": "not_met"})
    Assessment.objects.filter(pk=earlier.pk).update(status="validated")
    from django.utils.html import strip_tags

    # What a reader sees (the values are isolated in <bdi> for right-to-left pages).
    page = strip_tags(client_c.get(url("plan", assessment)).content.decode())
    assert "Since the validated 2024 assessment" in page
    assert "Fell back:" in page and "4. Dedicated law enforcement (2 → 1)" in page
    assert "Improved:" in page and "1. Leadership (1 → 3)" in page
    # A criterion's answers in words, never their codes.
    assert "(Not met → Met)" in page and "not_met" not in page


def pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_pdf_export_has_country_scores_gaps_and_actions_with_owners(client_c, assessment):
    client_c.post(url("actions_generate", assessment))
    first = Action.objects.filter(assessment=assessment).first()
    Action.objects.filter(pk=first.pk).update(lead_agency="Ministry of Interior")
    response = client_c.get(url("export", assessment, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    text = " ".join(pdf_text(response.content).split())
    scores = services.assessment_scores(assessment)
    assert "Arvenia (demo)" in text
    assert "Demonstration data" in text or "demonstration data" in text
    assert f"{scores.overall:.1f}" in text
    assert "4 of 5 met" in text  # ISP reporting is not met
    for item in (
        "Dedicated law enforcement",
        "ISP reporting duty",
        "Child helpline",
        "Ethical and informed media reporting",
    ):
        assert item in text, item
    for action in Action.objects.filter(assessment=assessment):
        assert " ".join(action.title.split())[:40] in text
    assert "Ministry of Interior" in text


def test_xlsx_and_csv_exports_carry_the_same_gaps(client_c, assessment):
    import io

    from openpyxl import load_workbook

    client_c.post(url("actions_generate", assessment))
    book = load_workbook(io.BytesIO(client_c.get(url("export", assessment, "xlsx")).content))
    assert book.sheetnames == ["Scores", "Gaps", "Actions"]
    gaps_sheet = book.worksheets[1]
    assert gaps_sheet.max_row - 1 == 4  # header + the four gaps
    csv_text = client_c.get(url("export", assessment, "gaps.csv")).content.decode("utf-8-sig")
    import csv

    assert len(list(csv.reader(io.StringIO(csv_text)))) == 5  # header + the four gaps
    assert "Dedicated law enforcement" in csv_text
    assert client_c.get(url("export", assessment, "nonsense")).status_code == 404


def test_moving_the_first_action_up_records_nothing(client_c, assessment):
    from assessment.models import AuditEvent

    client_c.post(url("actions_generate", assessment))
    first = Action.objects.filter(assessment=assessment).order_by("position").first()
    before = AuditEvent.objects.filter(action="action.moved").count()
    client_c.post(url("action_move", assessment, first.uuid), {"direction": "up"})
    assert AuditEvent.objects.filter(action="action.moved").count() == before
    assert Action.objects.filter(assessment=assessment).order_by("position").first() == first


def test_each_recommendation_shows_its_own_section_of_the_report(client_c, assessment):
    """Issue 23 §2.2: ISP reporting's gap cites R14 (section 08) beside R09 (section 09); the
    footnote no longer says all come from section 09."""
    table = gap_table(client_c.get(url("plan", assessment)).content.decode())
    row = table[table.index("ISP reporting duty") :]
    row = row[: row.index("</tr>")]
    assert "R09" in row and "(Global Threat Assessment 2019, section 09)" in row
    assert "R14" in row and "(Global Threat Assessment 2019, section 08 (citing" in row
    page = client_c.get(url("plan", assessment)).content.decode()
    assert "each names the section of the report it comes from" in page
    assert "Global Threat Assessment 2019, section 09." not in page


def test_the_plain_sql_reads_equal_the_orms(assessment, coordinator):
    """The previous validated assessment and the plan's rows are read in plain SQL (Django's
    compiling cost more than the queries): the same rows, field by field, as the querysets
    they replace, in the same order."""
    country = assessment.country

    def row(obj: object, names: list[str]) -> dict[str, object]:
        return {name: getattr(obj, name) for name in names}

    def validate(a: Assessment) -> None:
        Assessment.objects.filter(pk=a.pk).update(status=Assessment.Status.VALIDATED)

    assert plan.previous_validated(assessment) is None
    for cycle in (2027, 2023, 2024):  # 2027 is later than the assessment's 2026
        validate(make_assessment(country, cycle=cycle))
    validate(
        workflow.reopen(assessment=Assessment.objects.get(country=country, cycle=2024), user=None)
    )
    make_assessment(country, cycle=2025)  # a draft, not validated
    expected = (
        Assessment.objects.filter(country=country, cycle__lt=2026, status="validated")
        .order_by("-cycle", "-revision")
        .first()
    )
    found = plan.previous_validated(assessment)
    assert (found.cycle, found.revision) == (2024, 2)
    names = [f.attname for f in Assessment._meta.concrete_fields]
    assert row(found, names) == row(expected, names)
    later = Assessment.objects.get(country=country, cycle=2027)  # validated: not its own previous
    assert plan.previous_validated(later).pk == found.pk

    for values in (
        {"title": "First", "recommendations": ["R01", "R11"], "lead_agency": "Police"},
        {"title": "Second", "start_date": dt.date(2027, 1, 2), "due_date": dt.date(2028, 3, 4)},
        {"title": "Third", "supporting_agencies": "Courts", "status": "in_progress"},
    ):
        last = plan.action_save(assessment=assessment, action=None, values=values, user=coordinator)
    plan.action_move(action=last, up=True, user=coordinator)  # no longer in the order made
    names = ["id", "uuid", "title", "recommendations", "lead_agency", "supporting_agencies"]
    names += ["start_date", "due_date", "status"]
    rows = [row(a, names) for a in plan.action_rows(assessment)]
    assert [r["title"] for r in rows] == ["First", "Third", "Second"]
    assert rows == [
        row(a, names)
        for a in Action.objects.filter(assessment=assessment).order_by("position", "pk")
    ]
