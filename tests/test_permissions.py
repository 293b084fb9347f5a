"""Every URL of the app × every role × read and write, against a table of what must happen.

A URL pattern without an entry in EXPECTED fails the test, so a new page cannot ship without
deciding who may use it. Each request runs inside a savepoint that is rolled back, so one
world serves every case and a write allowed in one case does not leak into the next.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessment import frameworks_cache, team
from assessment.models import Action, Assessment, EvidenceFile, Invitation, Membership

from .factories import (
    answer_all,
    make_assessment,
    make_country,
    make_cycle,
    make_member,
    make_user,
    sign_in_with_second_factor,
)
from .htmlcheck import vnu_errors

ROLES = ("anonymous", "other_coordinator", "contributor", "coordinator", "analyst", "admin")
STATES = ("draft", "submitted", "validated")
PDF = b"%PDF-1.4\n%%EOF\n"


# URL name -> {state: (GET codes, POST codes)} with one code per role, in ROLES order.
# 302 is a redirect: to sign-in for the anonymous, after success for writes.
def same(get: tuple[int, ...], post: tuple[int, ...]) -> dict[str, tuple[tuple[int, ...], ...]]:
    return {state: (get, post) for state in STATES}


# Reviewed row by row: country data is 404 to other countries and to the secretariat while a
# draft; a reader who may not change something gets 403; POST-only actions answer GET with 405.
EXPECTED: dict[str, dict[str, tuple[tuple[int, ...], tuple[int, ...]]]] = {
    "accounts:two_factor": same(
        (302, 200, 200, 200, 200, 200),
        (302, 200, 200, 200, 200, 200),
    ),
    "accounts:verify": same(
        (302, 302, 302, 302, 302, 302),
        (302, 302, 302, 302, 302, 302),
    ),
    "accounts:password_change": same(
        (302, 200, 200, 200, 200, 200),
        (302, 200, 200, 200, 200, 200),
    ),
    "accounts:password_change_done": same(
        (302, 200, 200, 200, 200, 200),
        (302, 405, 405, 405, 405, 405),
    ),
    # Resetting a forgotten password is for everyone, signed in or not.
    "accounts:password_reset": same(
        (200, 200, 200, 200, 200, 200),
        (302, 302, 302, 302, 302, 302),
    ),
    "accounts:password_reset_done": same(
        (200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405),
    ),
    "accounts:password_reset_confirm": same(
        (200, 200, 200, 200, 200, 200),
        (200, 200, 200, 200, 200, 200),
    ),
    "accounts:password_reset_complete": same(
        (200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405),
    ),
    "assessment:accept_invitation": same(
        (200, 409, 409, 409, 409, 409),
        (302, 409, 409, 409, 409, 409),
    ),
    "assessment:assignments": {
        "draft": ((302, 404, 403, 200, 404, 404), (302, 404, 403, 302, 404, 404)),
        "submitted": ((302, 404, 403, 200, 403, 403), (302, 404, 403, 403, 403, 403)),
        "validated": ((302, 404, 403, 200, 403, 403), (302, 404, 403, 403, 403, 403)),
    },
    "assessment:capability": {
        "draft": ((302, 404, 200, 200, 404, 404), (302, 404, 403, 302, 404, 404)),
        "submitted": ((302, 404, 200, 200, 200, 200), (302, 404, 403, 403, 403, 403)),
        "validated": ((302, 404, 200, 200, 200, 200), (302, 404, 403, 403, 403, 403)),
    },
    "assessment:capability_history": {
        "draft": ((302, 404, 200, 200, 404, 404), (302, 405, 405, 405, 405, 405)),
        "submitted": ((302, 404, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
        "validated": ((302, 404, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
    },
    "assessment:comment_add": {
        "draft": ((302, 405, 405, 405, 405, 405), (302, 404, 302, 302, 404, 404)),
        "submitted": ((302, 405, 405, 405, 405, 405), (302, 404, 302, 302, 403, 403)),
        "validated": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
    },
    "assessment:evidence_delete": {
        "draft": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 302, 404, 404)),
        "submitted": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
        "validated": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
    },
    "assessment:evidence_download": {
        "draft": ((302, 404, 200, 200, 404, 404), (302, 405, 405, 405, 405, 405)),
        "submitted": ((302, 404, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
        "validated": ((302, 404, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
    },
    "assessment:evidence_upload": {
        "draft": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 302, 404, 404)),
        "submitted": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
        "validated": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
    },
    "assessment:history": {
        "draft": ((302, 404, 403, 200, 404, 404), (302, 405, 405, 405, 405, 405)),
        "submitted": ((302, 404, 403, 200, 403, 200), (302, 405, 405, 405, 405, 405)),
        "validated": ((302, 404, 403, 200, 403, 200), (302, 405, 405, 405, 405, 405)),
    },
    "assessment:legislation": {
        "draft": ((302, 404, 200, 200, 404, 404), (302, 404, 403, 302, 404, 404)),
        "submitted": ((302, 404, 200, 200, 200, 200), (302, 404, 403, 403, 403, 403)),
        "validated": ((302, 404, 200, 200, 200, 200), (302, 404, 403, 403, 403, 403)),
    },
    "assessment:overview": {
        "draft": ((302, 404, 200, 200, 404, 404), (302, 405, 405, 405, 405, 405)),
        "submitted": ((302, 404, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
        "validated": ((302, 404, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
    },
    "assessment:reopen": {
        "draft": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 404, 404)),
        "submitted": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
        "validated": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 302, 403, 403)),
    },
    "assessment:results": {
        "draft": ((302, 404, 200, 200, 404, 404), (302, 405, 405, 405, 405, 405)),
        "submitted": ((302, 404, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
        "validated": ((302, 404, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
    },
    "assessment:review": {
        "draft": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 404, 404)),
        "submitted": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 302)),
        "validated": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
    },
    "assessment:start": same(
        (302, 405, 405, 405, 405, 405),
        (302, 302, 403, 302, 403, 403),
    ),
    # Issue 13: moving to a corrected framework version, coordinator only, draft or returned.
    "assessment:version_move": {
        "draft": ((302, 404, 403, 200, 404, 404), (302, 404, 403, 302, 404, 404)),
        "submitted": ((302, 404, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
        "validated": ((302, 404, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
    },
    "assessment:submit": {
        "draft": ((302, 404, 403, 200, 404, 404), (302, 404, 403, 302, 404, 404)),
        "submitted": ((302, 404, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
        "validated": ((302, 404, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
    },
    # The working language only chooses the exports' language: the coordinator, in any state.
    "assessment:language": {
        "draft": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 302, 404, 404)),
        "submitted": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 302, 403, 403)),
        "validated": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 302, 403, 403)),
    },
    "assessment:team": same(
        (302, 200, 403, 200, 403, 403),
        (302, 302, 403, 302, 403, 403),
    ),
    "assessment:waiver": {
        "draft": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 302, 404, 404)),
        "submitted": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
        "validated": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
    },
    "assessment:section_confirm": {
        "draft": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 302, 404, 404)),
        "submitted": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
        "validated": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
    },
    "frameworks:capability": same(
        (302, 200, 200, 200, 200, 200),
        (302, 405, 405, 405, 405, 405),
    ),
    "frameworks:index": same(
        (302, 200, 200, 200, 200, 200),
        (302, 405, 405, 405, 405, 405),
    ),
    "frameworks:version": same(
        (302, 200, 200, 200, 200, 200),
        (302, 405, 405, 405, 405, 405),
    ),
    "home": same(
        (302, 200, 200, 200, 200, 200),
        (302, 405, 405, 405, 405, 405),
    ),
    "login": same(
        (200, 200, 200, 200, 200, 200),
        (200, 200, 200, 200, 200, 200),
    ),
    "favicon": same(
        (301, 301, 301, 301, 301, 301),
        (405, 405, 405, 405, 405, 405),
    ),
    "logout": same(
        (405, 405, 405, 405, 405, 405),
        (302, 302, 302, 302, 302, 302),
    ),
    "set_language": same(
        (302, 302, 302, 302, 302, 302),
        (302, 302, 302, 302, 302, 302),
    ),
    "accounts:language": same(
        (405, 405, 405, 405, 405, 405),
        (302, 302, 302, 302, 302, 302),
    ),
    "assessment:plan": {
        "draft": ((302, 404, 200, 200, 404, 404), (302, 405, 405, 405, 405, 405)),
        "submitted": ((302, 404, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
        "validated": ((302, 404, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
    },
    "assessment:export": {
        "draft": ((302, 404, 200, 200, 404, 404), (302, 405, 405, 405, 405, 405)),
        "submitted": ((302, 404, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
        "validated": ((302, 404, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
    },
    "assessment:target_set": {
        "draft": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 302, 404, 404)),
        "submitted": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
        "validated": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
    },
    "assessment:actions_generate": {
        "draft": ((302, 405, 405, 405, 405, 405), (302, 404, 302, 302, 404, 404)),
        "submitted": ((302, 405, 405, 405, 405, 405), (302, 404, 302, 302, 403, 403)),
        "validated": ((302, 405, 405, 405, 405, 405), (302, 404, 302, 302, 403, 403)),
    },
    "assessment:action_new": {
        "draft": ((302, 404, 200, 200, 404, 404), (302, 404, 302, 302, 404, 404)),
        "submitted": ((302, 404, 200, 200, 403, 403), (302, 404, 302, 302, 403, 403)),
        "validated": ((302, 404, 200, 200, 403, 403), (302, 404, 302, 302, 403, 403)),
    },
    "assessment:action_edit": {
        "draft": ((302, 404, 200, 200, 404, 404), (302, 404, 302, 302, 404, 404)),
        "submitted": ((302, 404, 200, 200, 403, 403), (302, 404, 302, 302, 403, 403)),
        "validated": ((302, 404, 200, 200, 403, 403), (302, 404, 302, 302, 403, 403)),
    },
    "assessment:action_delete": {
        "draft": ((302, 405, 405, 405, 405, 405), (302, 404, 302, 302, 404, 404)),
        "submitted": ((302, 405, 405, 405, 405, 405), (302, 404, 302, 302, 403, 403)),
        "validated": ((302, 405, 405, 405, 405, 405), (302, 404, 302, 302, 403, 403)),
    },
    "assessment:action_move": {
        "draft": ((302, 405, 405, 405, 405, 405), (302, 404, 302, 302, 404, 404)),
        "submitted": ((302, 405, 405, 405, 405, 405), (302, 404, 302, 302, 403, 403)),
        "validated": ((302, 405, 405, 405, 405, 405), (302, 404, 302, 302, 403, 403)),
    },
    "secretariat:matrix": same((302, 403, 403, 403, 200, 200), (302, 403, 403, 403, 405, 405)),
    "secretariat:trend": same((302, 403, 403, 403, 200, 200), (302, 403, 403, 403, 405, 405)),
    "secretariat:export": same((302, 403, 403, 403, 200, 200), (302, 403, 403, 403, 405, 405)),
    # Published reviews (issue 17): as the matrix.
    **{
        f"secretariat:{name}": same((302, 403, 403, 403, 200, 200), (302, 403, 403, 403, 405, 405))
        for name in (
            "review_summary",
            "review_export",
            "review_editions",
            "review_matrix",
            "review_map",
        )
    },
    "secretariat:country": {
        "draft": ((302, 403, 403, 403, 404, 404), (302, 403, 403, 403, 405, 405)),
        "submitted": ((302, 403, 403, 403, 200, 200), (302, 403, 403, 403, 405, 405)),
        "validated": ((302, 403, 403, 403, 200, 200), (302, 403, 403, 403, 405, 405)),
    },
    "secretariat_import:upload": same(
        (302, 403, 403, 403, 403, 200), (302, 403, 403, 403, 403, 200)
    ),
    "secretariat_import:confirm": same(
        (302, 403, 403, 403, 403, 405), (302, 403, 403, 403, 403, 302)
    ),
    **{
        name: same((401,) * 6, (401,) * 6)
        for name in (
            "api:countries",
            "api:frameworks",
            "api:framework_version",
            "api:assessments",
            "api:assessment",
            "api:comparison_matrix",
            "api:comparison_legislation",
            "api:schema",
            "api:reviews",
            "api:review_legislation",
            "api:cycle_board",
        )
    },
    "health": same((200,) * 6, (405,) * 6),
    # Running a cycle (issue 26): admins run it; analysts read the board; countries never see it.
    "cycles:list": same((302, 403, 403, 403, 200, 200), (302, 403, 403, 403, 403, 302)),
    "cycles:board": same((302, 403, 403, 403, 200, 200), (302, 403, 403, 403, 405, 405)),
    "cycles:board_export": same((302, 403, 403, 403, 200, 200), (302, 403, 403, 403, 405, 405)),
    "cycles:open": same((302, 403, 403, 403, 403, 405), (302, 403, 403, 403, 403, 302)),
    "cycles:extend": same((302, 403, 403, 403, 403, 200), (302, 403, 403, 403, 403, 302)),
    "cycles:members": same((302, 403, 403, 403, 403, 200), (302, 403, 403, 403, 403, 302)),
    "cycles:focal_point_add": same((302, 403, 403, 403, 403, 405), (302, 403, 403, 403, 403, 302)),
    # The coordinator's one click while the assessment is editable; anyone's own reminder choice.
    "cycles:remind_contributors": {
        "draft": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 302, 404, 404)),
        "submitted": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
        "validated": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
    },
    "cycles:reminder_settings": same((302, 200, 200, 200, 200, 200), (302,) * 6),
    "cycles:export_start": same((302, 403, 403, 403, 403, 405), (302, 403, 403, 403, 403, 302)),
    "cycles:export": same((302, 403, 403, 403, 403, 200), (302, 403, 403, 403, 403, 405)),
    "cycles:export_download": same((302, 403, 403, 403, 403, 200), (302, 403, 403, 403, 403, 405)),
    "cycles:focal_point_invite": same(
        (302, 403, 403, 403, 403, 405), (302, 403, 403, 403, 403, 302)
    ),
    # Working offline (issue 15): the workbook is for whoever may answer a section now, as the
    # capability page's POST; the blank questionnaire for whoever may read the assessment.
    "assessment:workbook_download": {
        "draft": ((302, 404, 403, 200, 404, 404), (302, 405, 405, 405, 405, 405)),
        "submitted": ((302, 404, 403, 403, 403, 403), (302, 405, 405, 405, 405, 405)),
        "validated": ((302, 404, 403, 403, 403, 403), (302, 405, 405, 405, 405, 405)),
    },
    "assessment:workbook_upload": {
        "draft": ((302, 404, 403, 200, 404, 404), (302, 404, 403, 200, 404, 404)),
        "submitted": ((302, 404, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
        "validated": ((302, 404, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
    },
    "assessment:workbook_confirm": {
        "draft": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 302, 404, 404)),
        "submitted": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
        "validated": ((302, 405, 405, 405, 405, 405), (302, 404, 403, 403, 403, 403)),
    },
    "assessment:blank_questionnaire": {
        "draft": ((302, 404, 200, 200, 404, 404), (302, 405, 405, 405, 405, 405)),
        "submitted": ((302, 404, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
        "validated": ((302, 404, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
    },
}


def walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue  # Django's admin guards itself (staff only); checked separately
            yield from walk(p.url_patterns, f"{prefix}{p.namespace}:" if p.namespace else prefix)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name


APP_URLS = sorted(set(walk(get_resolver().url_patterns)))


@pytest.fixture
def world(frameworks, settings, tmp_path) -> dict[str, Any]:
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    country = make_country("XA", "Arvenia (demo)")
    other = make_country("XB", "Belmora (demo)")
    users = {
        "other_coordinator": make_user("oc", country=other, role=Membership.Role.COORDINATOR),
        "contributor": make_user("co", country=country, role=Membership.Role.CONTRIBUTOR),
        "coordinator": make_user("cd", country=country, role=Membership.Role.COORDINATOR),
        "analyst": make_user("an", role=Membership.Role.ANALYST),
        "admin": make_user("ad", role=Membership.Role.ADMIN),
    }
    clients = {"anonymous": Client()}
    for role, user in users.items():
        clients[role] = Client()
        if role == "admin":
            sign_in_with_second_factor(clients[role], user)
        else:
            clients[role].force_login(user)
    assessment = make_assessment(country)
    answer_all(assessment)
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    upload = io.BytesIO(PDF)
    upload.name = "e.pdf"
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessment import evidence

    record = evidence.evidence_add(
        assessment=assessment,
        capability=tree.capabilities[3],
        upload=SimpleUploadedFile("e.pdf", PDF),
        user=None,
    )
    action = Action.objects.create(assessment=assessment, position=1, title="An action")
    invitation = Invitation.objects.create(country=country, email="n@x.example", role="contributor")
    from cycles.models import FocalPoint

    settings.EXPORT_ROOT = tmp_path / "exports"
    from cycles import bulk

    export = bulk.export_request(cycle=make_cycle(2026), user=None)
    bulk.export_build(export.pk)
    make_member(country, ("Focal", "focal@x.example", "fr"))
    from secretariat.models import LegislativeReview

    review = LegislativeReview.objects.create(source="ICMEC", year=2018, rules={"at_least": 4})
    return {
        "clients": clients,
        "review": review,
        "assessment": assessment,
        "evidence": record,
        "action": action,
        "token": team.invitation_token(invitation),
        "focal_point": FocalPoint.objects.get(),
        "export": export,
    }


def request_for(name: str, world: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    a: Assessment = world["assessment"]
    record: EvidenceFile = world["evidence"]
    file = io.BytesIO(PDF)
    file.name = "x.pdf"
    table: dict[str, tuple[list[Any], dict[str, Any]]] = {
        "home": ([], {}),
        "health": ([], {}),
        "favicon": ([], {}),
        "login": ([], {"username": "nobody", "password": "wrong-password"}),
        "logout": ([], {}),
        "set_language": ([], {"language": "fr", "next": "/"}),
        "accounts:language": ([], {"language": "fr", "next": "/"}),
        "accounts:two_factor": ([], {"token": "000000"}),
        "accounts:verify": ([], {"token": "000000"}),
        "accounts:password_change": (
            [],
            {"old_password": "wrong", "new_password1": "x", "new_password2": "x"},
        ),
        "accounts:password_change_done": ([], {}),
        "accounts:password_reset": ([], {"email": "nobody@x.example"}),
        "accounts:password_reset_done": ([], {}),
        "accounts:password_reset_confirm": (["MQ", "set-password"], {}),
        "accounts:password_reset_complete": ([], {}),
        "frameworks:index": ([], {}),
        "frameworks:version": (["mnr", a.mnr_version.number], {}),
        "frameworks:capability": (["mnr", a.mnr_version.number, "C01"], {}),
        "assessment:start": ([], {"cycle": "2030"}),
        "assessment:team": ([], {"email": "new@x.example", "role": "contributor"}),
        "assessment:accept_invitation": (
            [world["token"]],
            {
                "username": "newbie",
                "display_name": "N B",
                "password1": "a-long-enough-passphrase",
                "password2": "a-long-enough-passphrase",
            },
        ),
        "assessment:overview": ([a.uuid], {}),
        "assessment:capability": ([a.uuid, "C04"], {"response": "3", "version": "1"}),
        "assessment:capability_history": ([a.uuid, "C04"], {}),
        "assessment:comment_add": ([a.uuid, "C04"], {"text": "A comment."}),
        "assessment:evidence_upload": ([a.uuid, "C04"], {"file": file}),
        "assessment:evidence_download": ([a.uuid, record.uuid], {}),
        "assessment:evidence_delete": ([a.uuid, record.uuid], {}),
        "assessment:legislation": (
            [a.uuid],
            {
                "crit_legislation": "not_met",
                "ver_legislation": "1",
                "was_legislation": '["met", ""]',
            },
        ),
        "assessment:results": ([a.uuid], {}),
        "assessment:submit": ([a.uuid], {"sharing": "named"}),
        "assessment:version_move": ([a.uuid], {}),
        "assessment:language": ([a.uuid], {"language": "fr"}),
        "assessment:waiver": ([a.uuid, "D1"], {"reason": "Not assessed this time."}),
        "assessment:section_confirm": ([a.uuid, "D1"], {}),
        "assessment:review": ([a.uuid], {"decision": "validate", "comment": ""}),
        "assessment:reopen": ([a.uuid], {}),
        "assessment:assignments": ([a.uuid], {"user": "0", "sections": ["D1"]}),
        "assessment:history": ([a.uuid], {}),
        "assessment:plan": ([a.uuid], {}),
        "assessment:target_set": (
            [a.uuid],
            {"capability": "C01", "level": "4", "reason": "Strategy"},
        ),
        "assessment:actions_generate": ([a.uuid], {}),
        "assessment:action_new": ([a.uuid], {"title": "New", "status": "planned", "priority": "1"}),
        "assessment:action_edit": (
            [a.uuid, world["action"].uuid],
            {"title": "Edited", "status": "done", "priority": "1"},
        ),
        # The confirmed second step (the first only asks; tests/test_plan_ux.py).
        "assessment:action_delete": ([a.uuid, world["action"].uuid], {"confirm": "yes"}),
        "assessment:action_move": ([a.uuid, world["action"].uuid], {"direction": "up"}),
        "assessment:export": ([a.uuid, "gaps.csv"], {}),
        "secretariat:matrix": ([], {}),
        "secretariat:trend": ([], {}),
        "secretariat:country": ([a.country_id], {}),
        "secretariat:export": (["matrix", "csv"], {}),
        "secretariat:review_summary": ([], {}),
        "secretariat:review_export": (["csv"], {}),
        "secretariat:review_editions": ([], {}),
        "secretariat:review_matrix": ([], {}),
        "secretariat:review_map": ([], {}),
        "api:reviews": ([], {}),
        "api:cycle_board": ([2026], {}),
        "api:review_legislation": ([world["review"].pk], {}),
        "secretariat_import:upload": ([], {}),
        "secretariat_import:confirm": ([], {}),
        # The API authenticates by token only: a signed-in browser session is not enough.
        "api:countries": ([], {}),
        "api:frameworks": ([], {}),
        "api:framework_version": (["mnr", a.mnr_version.number], {}),
        "api:assessments": ([], {}),
        "api:assessment": ([a.uuid], {}),
        "api:comparison_matrix": ([], {}),
        "api:comparison_legislation": ([], {}),
        "api:schema": ([], {}),
        "assessment:workbook_download": ([a.uuid], {}),
        "assessment:workbook_upload": ([a.uuid], {}),  # the file: below, made only when asked
        "assessment:workbook_confirm": ([a.uuid], {"token": "no-preview"}),
        "assessment:blank_questionnaire": ([a.uuid], {}),
        "cycles:list": (
            [],
            {
                "year": "2031",
                "opens_on": "2031-01-10",
                "deadline": "2031-06-30",
                "mnr_version": a.mnr_version_id,
                "legislation_version": a.legislation_version_id,
                "recommendations_version": a.recommendations_version_id,
                "message": "Welcome.",
                "reminder_days_text": "14, 7, 1",
            },
        ),
        "cycles:board": ([2026], {}),
        "cycles:board_export": ([2026, "csv"], {}),
        "cycles:open": ([2026], {}),
        "cycles:extend": (
            [2026, a.country_id],
            {"deadline": "2030-12-31", "reason": "Elections."},
        ),
        "cycles:members": ([], {"country": "XB", "member_since": "2021-03-01"}),
        "cycles:focal_point_add": (
            [a.country_id],
            {"name": "Second", "email": "second@x.example", "language": "es"},
        ),
        "cycles:focal_point_invite": ([world["focal_point"].uuid], {}),
        "cycles:remind_contributors": ([a.uuid], {}),
        "cycles:export_start": ([2026], {}),
        "cycles:export": ([world["export"].uuid], {}),
        "cycles:export_download": ([world["export"].uuid], {}),
        "cycles:reminder_settings": ([], {"reminders": "off"}),
    }
    args, data = table[name]
    if name == "assessment:workbook_upload":
        data = {"file": _workbook_file(world)}
    return reverse(name, args=args), data


def _workbook_file(world: dict[str, Any]) -> Any:
    """The coordinator's workbook with one answer changed, built once per world."""
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessment import workbook

    if "workbook" not in world:
        a = world["assessment"]
        tree = frameworks_cache.mnr_tree(a.mnr_version)
        world["workbook"] = workbook.workbook_build(
            assessment=a,
            user=get_user_model().objects.get(username="cd"),
            sections=[d.code for d in tree.domains],
        )
    return SimpleUploadedFile("answers.xlsx", world["workbook"])


def put_in_state(a: Assessment, state: str) -> None:
    Assessment.objects.filter(pk=a.pk).update(status=state, sharing="named")
    a.refresh_from_db()


def run_case(
    world: dict[str, Any], name: str, state: str | None, role: str, method: str
) -> HttpResponseBase:
    """One request in a savepoint that is rolled back. With `state` None the assessment is
    left in the state the caller put it in (the walk sets it once per state, not per case)."""
    client = world["clients"][role]
    # A case may sign the client out (logout) or in (accepting an invitation); its cookies are
    # put back afterwards, as the database is, so every case starts from the same world.
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        if state is not None:
            put_in_state(world["assessment"], state)
        url, data = request_for(name, world)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


def test_every_url_has_an_entry() -> None:
    missing = [name for name in APP_URLS if name not in EXPECTED]
    assert not missing, f"URL patterns without permission expectations: {missing}"
    assert not set(EXPECTED) - set(APP_URLS), "entries for URLs that no longer exist"


# One test per state, so that pytest-xdist's workers share the walk's 2,700 requests (as one
# test it was the suite's longest, and the other worker waited for it at the end).
@pytest.mark.parametrize("state", STATES)
def test_every_url_role_and_method_behaves_as_the_table_says(
    world: dict[str, Any], state: str
) -> None:
    wrong = []
    cases = 0
    pages: dict[str, str] = {}  # every HTML page the walk got, for the HTML checker below
    # The state is set once, outside the cases' savepoints (900 UPDATEs and reloads fewer);
    # each case still rolls back whatever its request wrote.
    put_in_state(world["assessment"], state)
    for name in APP_URLS:
        for method_index, method in enumerate(("GET", "POST")):
            expected = EXPECTED[name][state][method_index]
            for role, code in zip(ROLES, expected, strict=True):
                cases += 1
                response = run_case(world, name, None, role, method)
                actual = response.status_code
                if actual != code:
                    wrong.append(f"{method} {name} [{state}] as {role}: {actual}, not {code}")
                if method == "GET" and actual == 200 and is_html(response):
                    pages[f"{name} [{state}] as {role}"] = response.content.decode()
                # Shared computers: nothing but /health/ may stay in the browser's cache,
                # signed in or not (refusals and redirects included).
                if name != "health" and "no-store" not in response.get("Cache-Control", ""):
                    wrong.append(f"{method} {name} [{state}] as {role}: no no-store")
    assert cases == len(APP_URLS) * len(ROLES) * 2
    assert not wrong, "\n".join(wrong)
    # Issue 25 §11: every page the walk read is valid HTML to the Nu HTML Checker.
    assert len(pages) > 20
    errors = vnu_errors(pages)
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)


def is_html(response: HttpResponseBase) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def test_django_admin_is_for_staff_only(world):
    for role in ROLES[:-1]:  # everyone but the secretariat admin, who is not staff here either
        response = world["clients"][role].get(reverse("admin:index"))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
