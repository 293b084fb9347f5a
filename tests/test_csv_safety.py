"""Every CSV the app writes: a cell a spreadsheet would run as a formula gets an apostrophe,
in every column; an empty cell stays empty; numbers stay numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from accounts.people import set_display_name
from assessment import audit
from assessment.models import Action, Membership
from assessment.reports.csvsafe import safe_cell, write_csv
from secretariat.views import _csv as secretariat_csv

from .factories import make_assessment, make_user

Role = Membership.Role
FORMULA = '=HYPERLINK("http://x")'


def read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (FORMULA, "'" + FORMULA),
        ("+1", "'+1"),
        ("-1", "'-1"),  # typed by someone: text, so a formula risk
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("", ""),
        (None, ""),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (-1, -1),  # a number the app writes
        (2.5, 2.5),
        (dt.date(2026, 1, 31), "2026-01-31"),
    ],
)
def test_safe_cell(value, written):
    assert safe_cell(value) == written


def test_write_csv_reads_back_safe_in_every_column():
    rows = read(write_csv(["=h", "b"], [[FORMULA, ""], [-1, "@SUM(1)"]]))
    assert rows == [["'=h", "b"], ["'" + FORMULA, ""], ["-1", "'@SUM(1)"]]


def test_secretariat_csv_leaves_empty_cells_empty():
    # Before: every empty cell became "'" ("" [:1] is in "=+-@").
    rows = read(
        secretariat_csv(["Country", "C01", "Note"], [["Arvenia", "", FORMULA], ["-2", 3, None]])
    )
    assert rows[1] == ["Arvenia", "", "'" + FORMULA]
    assert rows[2] == ["'-2", "3", ""]


@pytest.fixture
def assessment(frameworks):
    return make_assessment()


def test_change_log_csv_neutralises_who_subject_and_values(client, assessment):
    coordinator = make_user("cora", country=assessment.country, role=Role.COORDINATOR)
    set_display_name(coordinator, "@SUM(1)")
    audit.record(
        actor=coordinator,
        action="comment.added",
        country=assessment.country,
        assessment=assessment,
        subject=FORMULA,
        before=-1,
        after="=1+1",
    )
    client.force_login(coordinator)
    response = client.get(reverse("assessment:history", args=[assessment.uuid]) + "?format=csv")
    rows = read(response.content.decode("utf-8-sig"))
    # When, who, item, what changed (words), then event code, subject code, before, after.
    line = next(r for r in rows if r[4] == "comment.added")
    assert line[1] == "'@SUM(1) (cora)"  # the display name, and the username it cannot fake
    assert line[2] == line[5] == "'" + FORMULA
    assert line[6] == "-1"
    assert line[7] == '"=1+1"'  # JSON text starts with a quote: no formula
    assert not line[3].startswith(("=", "+", "-", "@"))
    started = next(r for r in rows if r[4] == "assessment.started")
    assert started[1] == "" and started[5] == ""  # no actor, no subject: empty, not "'"


def test_plan_csv_neutralises_user_typed_text(client, assessment):
    coordinator = make_user("cora", country=assessment.country, role=Role.COORDINATOR)
    Action.objects.create(
        assessment=assessment,
        position=1,
        title=FORMULA,
        description="",
        lead_agency="-1",
        supporting_agencies="@SUM(1)",
    )
    client.force_login(coordinator)
    response = client.get(reverse("assessment:export", args=[assessment.uuid, "actions.csv"]))
    header, row = read(response.content.decode())[:2]
    cell = dict(zip(header, row, strict=True))
    assert cell["Title"] == "'" + FORMULA
    assert cell["Description"] == ""
    assert cell["Lead agency"] == "'-1"
    assert cell["Supporting agencies"] == "'@SUM(1)"
    assert cell["Position"] == "1"
