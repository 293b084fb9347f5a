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
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessment import services, team
from assessment.models import Action, Assessment, EvidenceFile, Invitation, Membership

from .factories import (
    answer_all,
    make_assessment,
    make_country,
    make_user,
    sign_in_with_second_factor,
)

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
    "assessment:submit": {
        "draft": ((302, 404, 403, 200, 404, 404), (302, 404, 403, 302, 404, 404)),
        "submitted": ((302, 404, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
        "validated": ((302, 404, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
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
    "logout": same(
        (405, 405, 405, 405, 405, 405),
        (302, 302, 302, 302, 302, 302),
    ),
    "set_language": same(
        (302, 302, 302, 302, 302, 302),
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
        )
    },
    "health": same((200,) * 6, (405,) * 6),
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
    tree = services.mnr_tree(assessment.mnr_version)
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
    return {
        "clients": clients,
        "assessment": assessment,
        "evidence": record,
        "action": action,
        "token": team.invitation_token(invitation),
    }


def request_for(name: str, world: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    a: Assessment = world["assessment"]
    record: EvidenceFile = world["evidence"]
    file = io.BytesIO(PDF)
    file.name = "x.pdf"
    table: dict[str, tuple[list[Any], dict[str, Any]]] = {
        "home": ([], {}),
        "health": ([], {}),
        "login": ([], {"username": "nobody", "password": "wrong-password"}),
        "logout": ([], {}),
        "set_language": ([], {"language": "fr", "next": "/"}),
        "accounts:two_factor": ([], {"token": "000000"}),
        "accounts:verify": ([], {"token": "000000"}),
        "frameworks:index": ([], {}),
        "frameworks:version": (["mnr", a.mnr_version.number], {}),
        "frameworks:capability": (["mnr", a.mnr_version.number, "C01"], {}),
        "assessment:start": ([], {"cycle": "2030"}),
        "assessment:team": ([], {"email": "new@x.example", "role": "contributor"}),
        "assessment:accept_invitation": (
            [world["token"]],
            {
                "username": "newbie",
                "first_name": "N",
                "last_name": "B",
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
        "assessment:waiver": ([a.uuid, "D1"], {"reason": "Not assessed this time."}),
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
        "assessment:action_delete": ([a.uuid, world["action"].uuid], {}),
        "assessment:action_move": ([a.uuid, world["action"].uuid], {"direction": "up"}),
        "assessment:export": ([a.uuid, "gaps.csv"], {}),
        "secretariat:matrix": ([], {}),
        "secretariat:trend": ([], {}),
        "secretariat:country": ([a.country_id], {}),
        "secretariat:export": (["matrix", "csv"], {}),
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
    }
    args, data = table[name]
    return reverse(name, args=args), data


def put_in_state(a: Assessment, state: str) -> None:
    Assessment.objects.filter(pk=a.pk).update(status=state, sharing="named")
    a.refresh_from_db()


def run_case(world, name: str, state: str, role: str, method: str) -> int:
    client = world["clients"][role]
    # A case may sign the client out (logout) or in (accepting an invitation); its cookies are
    # put back afterwards, as the database is, so every case starts from the same world.
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        put_in_state(world["assessment"], state)
        url, data = request_for(name, world)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response.status_code


def test_every_url_has_an_entry():
    missing = [name for name in APP_URLS if name not in EXPECTED]
    assert not missing, f"URL patterns without permission expectations: {missing}"
    assert not set(EXPECTED) - set(APP_URLS), "entries for URLs that no longer exist"


def test_every_url_role_and_method_behaves_as_the_table_says(world):
    wrong = []
    cases = 0
    for name in APP_URLS:
        for state in STATES:
            for method_index, method in enumerate(("GET", "POST")):
                expected = EXPECTED[name][state][method_index]
                for role, code in zip(ROLES, expected, strict=True):
                    cases += 1
                    actual = run_case(world, name, state, role, method)
                    if actual != code:
                        wrong.append(f"{method} {name} [{state}] as {role}: {actual}, not {code}")
    assert cases == len(APP_URLS) * len(STATES) * len(ROLES) * 2
    assert not wrong, "\n".join(wrong)


def test_django_admin_is_for_staff_only(world):
    for role in ROLES[:-1]:  # everyone but the secretariat admin, who is not staff here either
        response = world["clients"][role].get(reverse("admin:index"))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
