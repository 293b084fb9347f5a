"""Issue 12 §5: forged form values never give a 500 and never write anything.

Every URL that some role may POST to (read from test_permissions.EXPECTED, so a new URL is
covered as soon as it is in that table) has a recipe here: who may write it, in which state,
and the kind of each of its fields. From the valid payload test_permissions sends, each case
replaces one field by a forged value of the wrong type, too large, too long, missing, repeated
or not one of the choices, or the URL's ids by unknown or malformed ones. The answer must be a
4xx, the form again with an error, or a redirect carrying an error message, and the database
must be as it was. Each case runs in a savepoint that is rolled back, as in test_permissions.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.messages import ERROR, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms import BaseForm
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from assessment.models import Membership

from .factories import make_user
from .test_permissions import APP_URLS, EXPECTED, ROLES, put_in_state, request_for
from .test_permissions import world as permissions_world  # noqa: F401 (a fixture)

MISSING = object()  # the field is left out of the payload
SNAPSHOT_APPS = ("assessment", "secretariat", "frameworks", "cycles", "outbox")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
GOOD_REVIEW = b"country,legislation,definition,technology,possession,isp_reporting\nFR,1,1,1,1,1\n"


def _text(limit: int) -> list[tuple[str, Any]]:
    return [("one over the limit", "x" * (limit + 1)), ("1 MB", "y" * 1_000_000)]


def _choice() -> list[tuple[str, Any]]:
    return [("unknown choice", "not-a-choice"), ("a number", "123"), ("long", "z" * 10_000)]


def _int() -> list[tuple[str, Any]]:
    return [("a word", "abc"), ("a decimal", "1.5"), ("huge", "9" * 40), ("negative", "-1")]


def _file() -> list[tuple[str, Any]]:
    return [
        ("text instead of a file", "not a file"),
        ("empty file", SimpleUploadedFile("e.pdf", b"")),
        ("a program", SimpleUploadedFile("x.pdf", b"MZ\x90\x00\x03 not a pdf")),
    ]


# kind -> its forged values; a required field ("!" in a recipe) is also left out and blank.
KINDS: dict[str, Callable[[], list[tuple[str, Any]]]] = {
    **{f"text:{n}": (lambda n=n: _text(n)) for n in (150, 200, 300, 500, 2000, 5000, 20000)},
    "choice": _choice,
    "int": _int,
    "file": _file,
    "token": lambda: [("letters", "abcdef"), ("long", "1" * 1000)],
    "date": lambda: [("impossible", "2024-13-45"), ("long", "9" * 1000), ("words", "soon")],
    "email": lambda: [("not an address", "not-an-address"), ("long", "a" * 400 + "@x.example")],
    "json_pair": lambda: [
        ("a number", "123"),
        ("an object", '{"a": 1}'),
        ("one item", '["met"]'),
        ("numbers", "[1, 2]"),
        ("not JSON", "not json"),
        ("huge", "[" * 10_000),
    ],
    "user_id": lambda: [("a word", "abc"), ("huge", "9" * 40), ("unknown", "-1")],
}


@dataclass(frozen=True)
class Recipe:
    role: str
    fields: dict[str, str]  # name -> kind; a "!" after the kind marks a required field
    state: str = "draft"
    # Keys outside the form: a question the page does not ask, say. Each is one case.
    extra: dict[str, str] = field(default_factory=dict)
    # A valid payload of our own, when test_permissions sends an empty or invalid one.
    base: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Django's own views that ignore what they do not understand (logout, set_language):
    # a redirect or page without an error message is fine there, if nothing changed.
    quiet: bool = False


RECIPES: dict[str, Recipe] = {
    "accounts:two_factor": Recipe("contributor", {"token": "token!"}),
    "accounts:verify": Recipe("admin_unverified", {"token": "token!"}),
    "accounts:password_change": Recipe(
        "contributor", {"old_password": "text:5000!", "new_password1": "text:5000!"}
    ),
    "accounts:password_reset": Recipe("anonymous", {"email": "email!"}),
    # Its link is not a valid one, so Django's view shows "invalid link" whatever is sent.
    "accounts:password_reset_confirm": Recipe(
        "anonymous", {"new_password1": "text:5000", "new_password2": "text:5000"}, quiet=True
    ),
    "assessment:accept_invitation": Recipe(
        "anonymous", {"username": "text:150!", "password2": "text:5000!"}
    ),
    "assessment:assignments": Recipe("coordinator", {"user": "user_id!", "sections": "choice"}),
    "assessment:capability": Recipe(
        "coordinator",
        {"response": "choice", "version": "int!", "evidence": "text:20000"},
        extra={"ind_NOPE": "yes"},
    ),
    "assessment:comment_add": Recipe("coordinator", {"text": "text:5000!"}),
    "assessment:evidence_upload": Recipe("coordinator", {"file": "file!"}),
    "assessment:evidence_delete": Recipe("coordinator", {}),
    "assessment:legislation": Recipe(
        "coordinator",
        {
            "crit_legislation": "choice",
            "cite_legislation": "text:2000",
            "ver_legislation": "int",
            "was_legislation": "json_pair",
        },
        extra={"crit_NOPE": "met", "was_NOPE": "123"},
    ),
    "assessment:reopen": Recipe("coordinator", {}, state="validated"),
    "assessment:review": Recipe(
        "admin", {"decision": "choice!", "comment": "text:5000"}, state="submitted"
    ),
    "assessment:start": Recipe("coordinator", {"cycle": "int!"}),
    "assessment:submit": Recipe("coordinator", {"sharing": "choice!"}),
    "assessment:team": Recipe("coordinator", {"email": "email!", "role": "choice!"}),
    "assessment:waiver": Recipe("coordinator", {"reason": "text:2000"}),
    "assessment:target_set": Recipe(
        "coordinator", {"capability": "choice!", "level": "int!", "reason": "text:2000"}
    ),
    "assessment:actions_generate": Recipe("coordinator", {}),
    "assessment:action_new": Recipe(
        "coordinator",
        {
            "title": "text:300!",
            "description": "text:5000",
            "lead_agency": "text:200",
            "supporting_agencies": "text:500",
            "capability": "choice",
            "criterion": "choice",
            "recommendations": "choice",
            "start_date": "date",
            "due_date": "date",
            "status": "choice!",
            "priority": "int!",
        },
    ),
    "assessment:action_edit": Recipe(
        "coordinator",
        {
            "title": "text:300!",
            "description": "text:5000",
            "lead_agency": "text:200",
            "supporting_agencies": "text:500",
            "status": "choice!",
            "priority": "int!",
        },
    ),
    "assessment:action_delete": Recipe("coordinator", {}),
    # Its one field is a direction; see test_moving_an_action_in_an_unknown_direction below.
    "assessment:action_move": Recipe("coordinator", {}),
    "assessment:version_move": Recipe("coordinator", {}),
    "assessment:section_confirm": Recipe("coordinator", {}),
    "assessment:language": Recipe("coordinator", {"language": "choice!"}),
    "assessment:workbook_upload": Recipe("coordinator", {"file": "file!"}),
    "assessment:workbook_confirm": Recipe("coordinator", {"token": "token!", "replace": "choice"}),
    "login": Recipe("anonymous", {"username": "text:150!", "password": "text:5000!"}),
    "logout": Recipe("contributor", {}, quiet=True),
    "set_language": Recipe("anonymous", {"language": "choice"}, quiet=True),
    "accounts:language": Recipe("contributor", {"language": "choice"}, quiet=True),
    "secretariat_import:upload": Recipe(
        "admin",
        {"file": "file!", "source": "text:200!", "year": "int!"},
        base=lambda _world: {
            "file": SimpleUploadedFile("r.csv", GOOD_REVIEW),
            "source": "ICMEC",
            "year": "2018",
        },
    ),
    "secretariat_import:confirm": Recipe("admin", {"token": "token"}),
    "cycles:list": Recipe(
        "admin",
        {
            "year": "int!",
            "opens_on": "date!",
            "deadline": "date!",
            "mnr_version": "choice!",
            "message": "text:5000",
            "reminder_days_text": "text:150",
        },
    ),
    "cycles:open": Recipe("admin", {}),
    "cycles:extend": Recipe("admin", {"deadline": "date!", "reason": "text:2000!"}),
    "cycles:members": Recipe("admin", {"country": "choice!", "member_since": "date!"}),
    "cycles:focal_point_add": Recipe(
        "admin", {"name": "text:150!", "email": "email!", "language": "choice!"}
    ),
    "cycles:focal_point_invite": Recipe("admin", {}),
    "cycles:remind_contributors": Recipe("coordinator", {}),
    "cycles:export_start": Recipe("admin", {}),
    "cycles:reminder_settings": Recipe("contributor", {"reminders": "choice!"}),
}


def postable() -> list[str]:
    """URL names some signed-in role may POST to: an answer other than refused, not found or
    method not allowed, in some state. (A URL missing from EXPECTED fails test_permissions.)"""
    refused = {401, 403, 404, 405}
    return sorted(
        name
        for name in APP_URLS
        if name in EXPECTED
        and any(
            code not in refused
            for _get, post in EXPECTED[name].values()
            for role, code in zip(ROLES, post, strict=True)
            if role != "anonymous"
        )
    )


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    url: str
    data: dict[str, Any]


def cases(name: str, recipe: Recipe, world: dict[str, Any]) -> Iterator[Case]:
    url = request_for(name, world)[0]

    def fresh() -> dict[str, Any]:
        """The valid payload, with new upload objects (one is read once) for each case."""
        return recipe.base(world) if recipe.base else request_for(name, world)[1]

    for field_name, spec in recipe.fields.items():
        kind, required = spec.rstrip("!"), spec.endswith("!")
        forged = KINDS[kind]()
        if required:
            forged += [("missing", MISSING), ("blank", "   ")]
        for what, value in forged:
            data = fresh()
            if value is MISSING:
                data.pop(field_name, None)
            else:
                data[field_name] = value
            yield Case(name, f"{field_name}: {what}", url, data)
        if kind not in ("file", "token"):
            # Repeated: the last value is the one Django reads; a forged one must be refused.
            data = fresh()
            data[field_name] = [data.get(field_name, "1"), forged[0][1]]
            yield Case(name, f"{field_name}: repeated", url, data)
    for key, value in recipe.extra.items():
        yield Case(name, f"unknown field {key}", url, fresh() | {key: value})
    if recipe.fields:
        yield Case(name, "every field missing", url, {})
    for n, found in enumerate(UUID.findall(url)):
        for what, replacement in (("unknown", str(uuid.uuid4())), ("malformed", "not-a-uuid")):
            yield Case(name, f"id {n} {what}", url.replace(found, replacement), fresh())


def snapshot() -> dict[str, list[dict[str, Any]]]:
    # The peers' stamp is a key, not data: a random token each time a state is put in place.
    models = [
        m
        for label in SNAPSHOT_APPS
        for m in apps.get_app_config(label).get_models()
        if m._meta.label != "assessment.WriteStamp"
    ]
    models.append(get_user_model())
    return {m._meta.label: list(m.objects.order_by("pk").values()) for m in models}


def refused_visibly(response: HttpResponse, quiet: bool) -> bool:
    """A 4xx; the form again with its errors; or a redirect with an error message (see
    Recipe.quiet)."""
    if 400 <= response.status_code < 500 or (quiet and response.status_code in (200, 302)):
        return True
    errors = [m for m in get_messages(response.wsgi_request) if m.level >= ERROR]
    if response.status_code == 302:
        return bool(errors)
    if response.status_code == 200:
        # One Context, or a ContextList when several templates rendered.
        found = response.context
        context: dict[str, Any] = {}
        for c in found if isinstance(found, list) else [found] if found else []:
            context |= c.flatten()
        forms = [v for v in context.values() if isinstance(v, BaseForm)]
        return bool(errors or context.get("errors") or any(f.errors for f in forms))
    return False


@pytest.fixture
def world(permissions_world: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """test_permissions' world, plus a secretariat admin who has not entered a code yet."""
    client = Client()
    user = make_user("au", role=Membership.Role.ADMIN)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    permissions_world["clients"]["admin_unverified"] = client
    return permissions_world


def post(world: dict[str, Any], recipe: Recipe, case: Case) -> tuple[str | None, bool]:
    """(what went wrong or None, whether the database changed), all rolled back."""
    client = world["clients"][recipe.role]
    client.raise_request_exception = False
    cookies = copy.deepcopy(client.cookies)
    # Every case is rolled back, so the database before a case is the same for every case in
    # the same state: read once per state.
    befores = world.setdefault("snapshots", {})
    with transaction.atomic():
        put_in_state(world["assessment"], recipe.state)
        if recipe.state not in befores:
            befores[recipe.state] = snapshot()
        response = client.post(case.url, case.data)
        changed = snapshot() != befores[recipe.state]
        transaction.set_rollback(True)
    client.cookies = cookies
    if response.status_code >= 500:
        return f"answered {response.status_code}", changed
    # An empty POST may be read as no submission at all (`request.POST or None`), or as
    # changing nothing; what matters there is that nothing changes.
    if not case.data:
        return None, changed
    if not refused_visibly(response, recipe.quiet):
        return f"answered {response.status_code} without an error", changed
    return None, changed


def test_every_url_that_takes_a_post_has_a_recipe():
    names = postable()
    assert not [n for n in names if n not in RECIPES], "POST-able URLs without a forged recipe"
    assert not set(RECIPES) - set(names), "recipes for URLs nobody may POST to"


def test_forged_values_are_refused_without_a_500_and_change_nothing(world):
    wrong = []
    count = 0
    for name in postable():
        recipe = RECIPES.get(name)
        if recipe is None:
            continue  # test_every_url_that_takes_a_post_has_a_recipe says so
        for case in cases(name, recipe, world):
            count += 1
            problem, changed = post(world, recipe, case)
            if problem or changed:
                change = " and changed the database" if changed else ""
                wrong.append(f"POST {name} [{case.what}]: {problem or 'refused'}{change}")
    assert count > 200
    assert not wrong, "\n".join(wrong)


def test_moving_an_action_in_an_unknown_direction_changes_nothing(world):
    recipe = RECIPES["assessment:action_move"]
    url = reverse("assessment:action_move", args=[world["assessment"].uuid, world["action"].uuid])
    problem, changed = post(
        world, recipe, Case("move", "direction", url, {"direction": "sideways"})
    )
    assert problem is None and not changed


# --- Issue 22 §5: forged path segments and query values ---------------------------------------

# PostgreSQL refuses a NUL character in a text value (SQLite accepts it), so a NUL that reaches
# a query is a 500 on PostgreSQL only. CI runs this file on both.
FORGED_SEGMENTS = [("NUL", "C0\x00"), ("only NUL", "\x00"), ("space", "C 1"), ("long", "C" * 300)]
ARGUMENT = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def path_cases(world: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(URL name, what, forged URL) for every named URL whose path takes a text argument (a code,
    a section, a format): each such argument replaced in turn by each forged value."""
    from django.urls import get_resolver

    resolver = get_resolver()
    for name in APP_URLS:
        url = request_for(name, world)[0]
        match = resolver.resolve(url)
        for key, value in match.kwargs.items():
            if isinstance(value, uuid.UUID | int) or name.startswith("admin:"):
                continue
            for what, forged in FORGED_SEGMENTS:
                # The value's last occurrence in the URL is the argument (the path's own words
                # come first: "…/capability/C04/").
                head, _sep, tail = url.rpartition(str(value))
                yield name, f"{key}: {what}", head + quote(forged, safe="") + tail


def test_forged_path_segments_are_a_404_never_a_500(world):
    wrong = []
    count = 0
    for name, what, url in path_cases(world):
        for role in ("coordinator", "admin"):
            client = world["clients"][role]
            client.raise_request_exception = False
            for method in ("get", "post"):
                count += 1
                with transaction.atomic():
                    response = getattr(client, method)(url)
                    transaction.set_rollback(True)
                if response.status_code >= 500:
                    wrong.append(
                        f"{method.upper()} {name} [{what}] as {role}: {response.status_code}"
                    )
    assert count > 50
    assert not wrong, "\n".join(wrong)


# Query values the pages read: each forged value in each parameter must not be a 500.
QUERY_PARAMETERS = {
    "secretariat:trend": ["country", "since", "until", "cycle", "region", "subregion", "status"],
    "secretariat:matrix": ["cycle", "region", "subregion", "hemisphere", "status", "sort", "dir"],
    "secretariat:review_summary": ["region", "subregion", "hemisphere", "review"],
    "secretariat:review_matrix": ["region", "subregion", "hemisphere", "review"],
    "secretariat:review_editions": ["region", "subregion", "hemisphere"],
    "secretariat:review_map": ["criterion", "review"],
    "assessment:history": ["page"],
    "assessment:plan": ["lang"],
    "assessment:export": ["lang"],
}
FORGED_VALUES = [("NUL", "\x00"), ("NUL in a code", "F\x00"), ("long", "9" * 1000), ("word", "abc")]


def test_forged_query_values_are_refused_never_a_500(world):
    client = world["clients"]["admin"]
    client.raise_request_exception = False
    coordinator = world["clients"]["coordinator"]
    coordinator.raise_request_exception = False
    wrong = []
    for name, parameters in QUERY_PARAMETERS.items():
        url = request_for(name, world)[0]
        who = coordinator if name.startswith("assessment:") else client
        for parameter in parameters:
            for what, value in FORGED_VALUES:
                response = who.get(url, {parameter: value})
                if response.status_code >= 500:
                    wrong.append(f"{name} ?{parameter}= [{what}]: {response.status_code}")
    assert not wrong, "\n".join(wrong)
