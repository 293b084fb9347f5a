"""The read-only JSON API: token authentication, the access rules of the pages, sharing rules,
bounded queries, schema, throttling and the token command."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.throttling import UserRateThrottle

from assessment import services
from assessment.models import Assessment, AuditEvent, Country, Membership
from secretariat.models import LegislativeReview

from .bulk import answered_assessments
from .factories import make_assessment, make_country, make_user, sign_in_with_second_factor

pytestmark = pytest.mark.usefixtures("frameworks")
Role = Membership.Role

HIDDEN_CODE, HIDDEN_NAME = "XC", "Hiddenland"


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()  # the throttles count in the default cache, which outlives a test
    yield
    cache.clear()


def token_client(user) -> Client:
    key = Token.objects.create(user=user).key
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def get(client: Client, path: str, status: int = 200) -> Any:
    response = client.get(path)
    assert response.status_code == status, (path, response.content[:300])
    assert is_json(response)
    return response.json()


def is_json(response) -> bool:
    """application/json, or the schema's application/vnd.oai.openapi+json."""
    kind = response["Content-Type"].split(";")[0]
    return kind == "application/json" or kind == "application/vnd.oai.openapi+json"


def set_state(a: Assessment, status: str, sharing: str = "named") -> None:
    Assessment.objects.filter(pk=a.pk).update(status=status, sharing=sharing)
    a.refresh_from_db()


@pytest.fixture
def world() -> dict[str, Any]:
    """XA: the country user's own (a validated 2025, a draft 2026 copied from it); XB: another
    country, submitted and shared by name, plus a draft; XC: submitted, aggregate only."""
    arvenia = make_country("XA", "Arvenia (demo)")
    belmora = make_country("XB", "Belmora (demo)")
    make_country(HIDDEN_CODE, f"{HIDDEN_NAME} (demo)")
    (own_2025,) = answered_assessments(["XA"], [2025], seed=1)
    own_2026 = make_assessment(arvenia, 2026)  # answers copied "to confirm"
    (named,) = answered_assessments(["XB"], [2026], status="submitted", seed=2)
    other_draft = make_assessment(belmora, 2027)
    (hidden,) = answered_assessments(
        [HIDDEN_CODE], [2026], status="submitted", sharing="aggregate", seed=3
    )
    return {
        "own": [own_2025, own_2026],
        "named": named,
        "other_draft": other_draft,
        "hidden": hidden,
        "coordinator": make_user("cora", country=arvenia, role=Role.COORDINATOR),
        "analyst": make_user("ana", role=Role.ANALYST),
        "admin": make_user("adm", role=Role.ADMIN),
    }


def uuids(body: dict[str, Any]) -> set[str]:
    return {a["uuid"] for a in body["results"]}


def every_path(extra: list[Assessment]) -> list[str]:
    paths = [
        reverse("api:countries"),
        reverse("api:frameworks"),
        reverse("api:assessments"),
        reverse("api:comparison_matrix"),
        reverse("api:comparison_matrix") + "?cycle=2026&status=submitted&hemisphere=south",
        reverse("api:comparison_legislation"),
        reverse("api:comparison_legislation") + "?cycle=2026",
        reverse("api:schema"),
    ]
    for version in ("mnr", "icmec-legislation", "gta2019-recommendations"):
        paths.append(reverse("api:framework_version", args=[version, 1]))
    paths += [reverse("api:assessment", args=[a.uuid]) for a in extra]
    return paths


# --------------------------------------------------------------------------- authentication


def test_every_endpoint_needs_a_token(world):
    user_with_session = Client()
    user_with_session.force_login(world["analyst"])  # the API does not accept sessions
    wrong_token = Client(HTTP_AUTHORIZATION="Token " + "0" * 40)
    for path in every_path([world["named"]]):
        for client in (Client(), user_with_session, wrong_token):
            response = client.get(path)
            assert response.status_code == 401, path
            assert is_json(response)
            assert response["WWW-Authenticate"] == "Token"


def test_the_api_is_read_only_and_answers_json_only(world):
    client = token_client(world["coordinator"])
    response = client.post(reverse("api:assessments"), {}, content_type="application/json")
    assert response.status_code == 405 and response.json()["detail"]
    for method in (client.put, client.patch, client.delete):
        assert method(reverse("api:assessment", args=[world["own"][0].uuid])).status_code == 405
    missing = client.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not found."}
    assert client.get("/api/v1/assessments/not-a-uuid/").json() == {"detail": "Not found."}
    assert client.get("/api/v1/countries").status_code == 301  # APPEND_SLASH still works
    browsable = client.get(reverse("api:countries"), HTTP_ACCEPT="text/html")
    assert browsable.status_code == 406 or browsable["Content-Type"] == "application/json"


# --------------------------------------------------------------------------- country users


def test_a_country_user_reads_only_their_own_country(world):
    client = token_client(world["coordinator"])
    body = get(client, reverse("api:assessments"))
    assert uuids(body) == {str(a.uuid) for a in world["own"]}  # the draft included
    assert {a["country"]["code"] for a in body["results"]} == {"XA"}
    for other in (world["named"], world["other_draft"], world["hidden"]):
        assert get(client, reverse("api:assessment", args=[other.uuid]), 404) == {
            "detail": "Not found."
        }
    detail = get(client, reverse("api:assessment", args=[world["own"][0].uuid]))
    assert detail["country"]["name"] == "Arvenia (demo)" and detail["status"] == "validated"
    get(client, reverse("api:comparison_matrix"), 403)
    get(client, reverse("api:comparison_legislation"), 403)


def test_a_user_without_membership_sees_nothing(world):
    client = token_client(make_user("nobody", role=Role.ANALYST))
    Membership.objects.filter(user__username="nobody").delete()
    assert get(client, reverse("api:assessments"))["results"] == []
    get(client, reverse("api:comparison_matrix"), 403)
    get(client, reverse("api:assessment", args=[world["named"].uuid]), 404)


# --------------------------------------------------------------------------- secretariat


def test_an_analyst_reads_submitted_named_assessments_only(world):
    client = token_client(world["analyst"])
    body = get(client, reverse("api:assessments"))  # XA's validated 2025, XB's submitted 2026
    assert uuids(body) == {str(world["own"][0].uuid), str(world["named"].uuid)}
    for hidden in (world["own"][1], world["other_draft"], world["hidden"]):
        get(client, reverse("api:assessment", args=[hidden.uuid]), 404)
    matrix = get(client, reverse("api:comparison_matrix") + "?cycle=2026")
    assert [r["country"]["code"] for r in matrix["rows"]] == ["XB"]
    # One aggregate-only assessment, fewer than the minimum group: how many is not said.
    assert matrix["hidden_count"] is None and matrix["named_count"] == 1
    keys = {c["key"] for c in matrix["columns"]}
    assert {"C01", "D1", "overall", "law:legislation", "met"} <= keys
    assert set(matrix["rows"][0]["cells"]) == keys
    law = get(client, reverse("api:comparison_legislation") + "?cycle=2026")
    # One aggregate-only assessment is fewer than AGGREGATE_MIN_GROUP: left out, and the
    # answer says that some may be, not how many (issue 22 §3).
    assert law["assessed"] == 1 and law["named"] == 1 and law["hidden"] == 0
    assert law["left_out"] is None
    assert {"label", "count", "among", "among_label", "left_out"} == set(law["legislation"][0])
    assert law["legislation"][0]["among"] == 1


def test_the_aggregate_only_country_appears_in_no_response_to_an_analyst(world):
    client = token_client(world["analyst"])
    hidden_uuid = str(world["hidden"].uuid)
    paths = every_path([world["named"], world["hidden"], world["other_draft"]])
    paths.remove(reverse("api:countries"))
    for path in paths:
        text = client.get(path).content.decode()
        assert f'"{HIDDEN_CODE}"' not in text and HIDDEN_NAME not in text, path
        assert hidden_uuid not in text, path
    # The list of countries is every country, whether or not it has an assessment, with no
    # field about assessments: being on it says nothing about taking part.
    countries = get(client, reverse("api:countries"))
    assert [c["code"] for c in countries] == list(Country.objects.values_list("code", flat=True))
    assert set(countries[0]) == {
        "code",
        "name",
        "region_code",
        "region_name",
        "subregion_code",
        "subregion_name",
        "hemisphere",
        "is_demo",
    }


def test_an_admin_reads_aggregate_only_assessments_but_the_matrix_never_shows_them(world):
    client = token_client(world["admin"])  # no second-factor device: the token suffices
    body = get(client, reverse("api:assessments"))
    assert uuids(body) == {str(a.uuid) for a in (world["own"][0], world["named"], world["hidden"])}
    detail = get(client, reverse("api:assessment", args=[world["hidden"].uuid]))
    assert detail["sharing"] == "aggregate"
    get(client, reverse("api:assessment", args=[world["other_draft"].uuid]), 404)
    for path in (
        reverse("api:comparison_matrix"),
        reverse("api:comparison_matrix") + "?status=submitted",
        reverse("api:comparison_legislation"),
    ):
        text = client.get(path).content.decode()
        assert f'"{HIDDEN_CODE}"' not in text and HIDDEN_NAME not in text, path
        assert str(world["hidden"].uuid) not in text, path
    matrix = get(client, reverse("api:comparison_matrix"))
    assert [r["country"]["code"] for r in matrix["rows"]] == ["XA", "XB"]
    assert matrix["hidden_count"] is None


def test_an_empty_number_filter_is_a_400_as_the_schema_says(world):
    """Issue 22 §5: `?region=` was read as no region; the schema says an integer."""
    client = token_client(world["analyst"])
    review = LegislativeReview.objects.create(source="ICMEC", year=2018, rules={"at_least": 4})
    paths = [
        reverse("api:comparison_matrix"),
        reverse("api:comparison_legislation"),
        reverse("api:review_legislation", args=[review.pk]),
    ]
    for path in paths:
        for parameter in ("region", "subregion", "cycle"):
            if parameter == "cycle" and "review" in path:
                continue  # the review endpoint has no cycle
            body = get(client, f"{path}?{parameter}=", 400)
            assert parameter in body, (path, body)
        get(client, f"{path}?region=150", 200)  # Europe: a number is still a filter


def test_bad_filters_are_a_400(world):
    client = token_client(world["analyst"])
    for query in ("?cycle=abc", "?cycle=1999", "?status=draft", "?hemisphere=east"):
        body = get(client, reverse("api:comparison_matrix") + query, 400)
        assert body and "Hidden" not in json.dumps(body)


# --------------------------------------------------------------------------- scores


def test_list_scores_equal_the_detail_scores_of_assessment_scores(world):
    client = token_client(world["coordinator"])
    listed = {a["uuid"]: a for a in get(client, reverse("api:assessments"))["results"]}
    for assessment in world["own"]:
        detail = get(client, reverse("api:assessment", args=[assessment.uuid]))
        assert listed[str(assessment.uuid)] == detail
    scores = services.assessment_scores(world["own"][0])
    first = listed[str(world["own"][0].uuid)]["scores"]
    assert first["overall"] == pytest.approx(scores.overall)
    assert first["legislation"]["met"] == scores.legislation.met
    assert first["legislation"]["total"] == scores.legislation.total
    assert first["legislation"]["verdict"] == scores.legislation.verdict
    assert len(first["domains"]) == 6
    assert sum(len(d["capabilities"]) for d in first["domains"]) == 21
    # The 2026 draft's answers were copied "to confirm": they do not count yet.
    copied = listed[str(world["own"][1].uuid)]["scores"]
    assert copied["overall"] is None and copied["progress"] == "not_started"
    assert all(c["level"] is None for d in copied["domains"] for c in d["capabilities"])


def test_flags_are_listed_with_their_message(world):
    answer = world["own"][0].capability_answers.select_related("capability").first()
    answer.response = "dont_know"
    answer.save()
    client = token_client(world["coordinator"])
    flags = get(client, reverse("api:assessment", args=[world["own"][0].uuid]))["scores"]["flags"]
    assert {"kind": "dont_know", "code": answer.capability.code} in [
        {"kind": f["kind"], "code": f["code"]} for f in flags
    ]
    assert all(isinstance(f["message"], str) and f["message"] for f in flags)


# Token (with its user), membership, assessments, answers (3), framework tree (2), criteria.
LIST_QUERIES = 9
# Token, membership, then load_rows: 1 + 3 + tree and criteria (3) + latest versions (3).
COMPARISON_QUERIES = 12


@pytest.mark.parametrize("role", ["coordinator", "analyst", "admin"])
def test_queries_do_not_grow_with_the_number_of_assessments(role, django_assert_max_num_queries):
    def client_seeing(n: int, first: str) -> Client:
        codes = [f"X{chr(ord(first) + i)}" for i in range(n)]
        for code in codes:
            make_country(code, f"Country {code}")
        if role == "coordinator":
            answered_assessments(codes[:1], list(range(2020, 2020 + n)))
            country = Country.objects.get(pk=codes[0])
            return token_client(make_user(f"u{first}", country=country, role=Role.COORDINATOR))
        answered_assessments(codes, [2026], status="submitted")
        return token_client(make_user(f"u{first}", role=role))

    limits = {reverse("api:assessments"): LIST_QUERIES}
    if role != "coordinator":
        limits[reverse("api:comparison_matrix")] = COMPARISON_QUERIES
        limits[reverse("api:comparison_legislation")] = COMPARISON_QUERIES
    counts: dict[int, list[int]] = {}
    for n, first in ((2, "A"), (8, "K")):
        Assessment.objects.all().delete()
        client = client_seeing(n, first)
        counts[n] = []
        for path, limit in limits.items():
            get(client, path)  # framework versions are read once per process, then kept
            with django_assert_max_num_queries(limit) as captured:
                body = get(client, path)
            counts[n].append(len(captured))
            if path == reverse("api:assessments"):
                assert len(body["results"]) == n
    assert counts[8] == counts[2], counts


def test_the_list_is_paginated_by_50(world):
    client = token_client(world["admin"])
    codes = [f"X{chr(c)}" for c in range(ord("D"), ord("Z") + 1)]  # 23 countries
    for code in codes:
        make_country(code, f"Country {code}")
    answered_assessments(codes, [2024, 2025, 2026], status="validated")  # 69, +3 from world
    first = get(client, reverse("api:assessments"))
    assert first["count"] == 72 and len(first["results"]) == 50 and first["next"]
    second = get(client, first["next"])
    assert len(second["results"]) == 22 and second["next"] is None


# --------------------------------------------------------------------------- frameworks


def test_frameworks_and_their_trees(world):
    client = token_client(world["coordinator"])
    versions = get(client, reverse("api:frameworks"))
    assert {(v["slug"], v["kind"]) for v in versions} == {
        ("mnr", "mnr"),
        ("icmec-legislation", "legislation"),
        ("gta2019-recommendations", "recommendations"),
    }
    mnr = get(client, reverse("api:framework_version", args=["mnr", 1]))
    assert len(mnr["domains"]) == 6 and mnr["criteria"] == [] and mnr["recommendations"] == []
    capabilities = [c for d in mnr["domains"] for c in d["capabilities"]]
    assert len(capabilities) == 21
    assert sum(len(c["indicators"]) for c in capabilities) == 169
    assert all(len(c["level_descriptors"]) == 5 for c in capabilities)
    assert any(c["recommendation_links"] for c in capabilities)
    assert mnr["rules"]["scale"]
    law = get(client, reverse("api:framework_version", args=["icmec-legislation", 1]))
    assert sum(c["scored"] for c in law["criteria"]) == 5 and law["domains"] == []
    recs = get(client, reverse("api:framework_version", args=["gta2019-recommendations", 1]))
    assert recs["recommendations"] and recs["recommendations"][0]["code"]
    get(client, reverse("api:framework_version", args=["mnr", 99]), 404)


# --------------------------------------------------------------------------- schema, throttles


def test_the_openapi_schema_is_valid_and_lists_every_endpoint(world):
    from drf_spectacular.validation import validate_schema

    assert Client().get(reverse("api:schema")).status_code == 401
    schema = get(token_client(world["analyst"]), reverse("api:schema"))
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/v1/countries/",
        "/api/v1/frameworks/",
        "/api/v1/frameworks/{slug}/v{number}/",
        "/api/v1/assessments/",
        "/api/v1/assessments/{uuid}/",
        "/api/v1/comparison/matrix/",
        "/api/v1/comparison/legislation/",
        "/api/v1/reviews/",
        "/api/v1/reviews/{id}/legislation/",
        "/api/v1/cycles/{year}/board/",
    }
    assert all(set(ops) == {"get"} for ops in schema["paths"].values())
    assert schema["components"]["securitySchemes"]["tokenAuth"]["in"] == "header"


def test_the_schema_passes_openapi_spec_validator(world):
    """Issue 25 §10: openapi-spec-validator refused the schema ("Path parameter 'pk' for 'get'
    operation in '/api/v1/reviews/{id}/legislation/' was not resolved") and client generators
    dropped that endpoint."""
    from openapi_spec_validator import validate

    schema = get(token_client(world["analyst"]), reverse("api:schema"))
    validate(schema)  # raises with the validator's message
    (param,) = [
        p
        for p in schema["paths"]["/api/v1/reviews/{id}/legislation/"]["get"]["parameters"]
        if p["in"] == "path"
    ]
    assert param["name"] == "id" and param["required"]


def _documented(schema: dict[str, Any], path: str) -> tuple[str, set[int]]:
    """The schema's operation for a concrete `path`, and the statuses it documents."""
    import re

    bare = path.split("?")[0]
    for template, ops in schema["paths"].items():
        pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, bare):
            return template, {int(code) for code in ops["get"]["responses"]}
    raise AssertionError(f"{path} is not in the schema")


def test_every_status_the_api_answers_is_documented(world, monkeypatch):
    """Issue 25 §10: a generated client raised `UnexpectedStatus` on the coordinator's 403,
    because the schema documented 200 only. Every endpoint, asked by each kind of caller, with
    good and bad objects and filters and over its rate: each status is one its operation
    documents, with the body it documents ({"detail": …} or the refused parameters)."""
    from assessment.models import Membership as M
    from secretariat.models import LegislativeReview

    schema = get(token_client(world["admin"]), reverse("api:schema"))
    review = LegislativeReview.objects.create(source="ICMEC", year=2018, rules={"at_least": 4})
    paths = every_path([world["named"], world["hidden"], world["other_draft"]])
    paths = [p for p in paths if p != reverse("api:schema")]
    paths += [
        reverse("api:reviews"),
        reverse("api:review_legislation", args=[review.pk]),
        reverse("api:review_legislation", args=[review.pk]) + "?hemisphere=east",
        reverse("api:review_legislation", args=[review.pk + 1000]),
        reverse("api:assessment", args=["00000000-0000-4000-8000-000000000000"]),
        reverse("api:assessments") + "?page=99",
        reverse("api:comparison_matrix") + "?cycle=abc",
        reverse("api:comparison_legislation") + "?status=draft",
        reverse("api:framework_version", args=["mnr", 99]),
    ]
    callers = {
        "nobody": Client(),
        "wrong token": Client(HTTP_AUTHORIZATION="Token " + "0" * 40),
        "coordinator": token_client(world["coordinator"]),
        "analyst": token_client(world["analyst"]),
        "no membership": token_client(make_user("nomad", role=Role.ANALYST)),
    }
    M.objects.filter(user__username="nomad").delete()
    seen: set[int] = set()
    for who, client in callers.items():
        for path in paths:
            response = client.get(path)
            template, documented = _documented(schema, path)
            assert response.status_code in documented, (who, path, response.status_code)
            seen.add(response.status_code)
            if response.status_code >= 400:
                body = response.json()
                if response.status_code == 400:
                    assert all(isinstance(v, list) for v in body.values()), body
                else:
                    assert isinstance(body["detail"], str), body
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "1/min", "anon": "1/min"})
    cache.clear()
    client = callers["coordinator"]
    client.get(reverse("api:countries"))
    over = client.get(reverse("api:countries"))
    assert over.status_code == 429 and 429 in _documented(schema, reverse("api:countries"))[1]
    assert {200, 400, 401, 403, 404} <= seen


def test_throttling_is_configured():
    rest = settings.REST_FRAMEWORK
    assert rest["DEFAULT_THROTTLE_CLASSES"] == [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ]
    assert rest["DEFAULT_THROTTLE_RATES"] == {"anon": "60/min", "user": "600/min"}
    assert rest["DEFAULT_AUTHENTICATION_CLASSES"] == [
        "rest_framework.authentication.TokenAuthentication"
    ]
    assert rest["DEFAULT_RENDERER_CLASSES"] == ["rest_framework.renderers.JSONRenderer"]
    assert rest["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT  # spoofed X-Forwarded-For


def test_a_token_over_its_rate_gets_429(world, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/min", "anon": "2/min"})
    client = token_client(world["coordinator"])
    for _ in range(2):
        get(client, reverse("api:countries"))
    response = client.get(reverse("api:countries"))
    assert response.status_code == 429 and response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    get(token_client(world["analyst"]), reverse("api:countries"))  # counted per token's user


# --------------------------------------------------------------------------- second factor


def test_token_requests_are_not_held_by_the_second_factor_middleware(world):
    """An admin without a device, signed in to the pages in the same browser: their session
    is held at the set-up page, but a token request to the API is answered in JSON."""
    key = Token.objects.create(user=world["admin"]).key
    client = Client()
    client.force_login(world["admin"])
    api = client.get(reverse("api:countries"), HTTP_AUTHORIZATION=f"Token {key}")
    assert api.status_code == 200 and api["Content-Type"] == "application/json"
    # Only token requests to the API are let through: pages still need the second factor.
    page = client.get(reverse("home"), HTTP_AUTHORIZATION=f"Token {key}")
    assert page.status_code == 302 and reverse("accounts:two_factor") in page["Location"]
    assert client.get(reverse("api:countries")).status_code == 302


def test_the_token_decides_never_the_session(world):
    """A browser signed in as a verified secretariat admin, sending a country user's token,
    reads as the country user."""
    key = Token.objects.create(user=world["coordinator"]).key
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    sign_in_with_second_factor(client, world["admin"])
    assert uuids(get(client, reverse("api:assessments"))) == {str(a.uuid) for a in world["own"]}
    get(client, reverse("api:comparison_matrix"), 403)
    get(client, reverse("api:assessment", args=[world["hidden"].uuid]), 404)


# --------------------------------------------------------------------------- token command


def test_api_token_command_creates_prints_and_revokes(world):
    out = StringIO()
    call_command("api_token", "ana", stdout=out)
    key = out.getvalue().strip()
    assert Token.objects.get(user=world["analyst"]).key == key
    again = StringIO()
    call_command("api_token", "ana", stdout=again)
    assert again.getvalue().strip() == key
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    get(client, reverse("api:assessments"))
    call_command("api_token", "ana", "--revoke", stdout=StringIO())
    assert client.get(reverse("api:assessments")).status_code == 401
    actions = list(AuditEvent.objects.filter(subject="ana").values_list("action", flat=True))
    assert sorted(actions) == ["api_token.issued", "api_token.revoked"]
    assert key not in json.dumps(list(AuditEvent.objects.values("before", "after")))


def test_api_token_command_refuses_unknown_inactive_or_memberless_users(world):
    with pytest.raises(CommandError, match="No user"):
        call_command("api_token", "ghost")
    make_user("loner", role=Role.ANALYST)
    Membership.objects.filter(user__username="loner").delete()
    with pytest.raises(CommandError, match="no membership"):
        call_command("api_token", "loner")
    world["analyst"].is_active = False
    world["analyst"].save()
    with pytest.raises(CommandError, match="inactive"):
        call_command("api_token", "ana")
    assert not Token.objects.exists()
