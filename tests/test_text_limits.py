"""Issue 12 §5: every text a user types has a length limit, and an action's priority starts at 1."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from django import forms
from django.urls import reverse

import accounts.forms
import assessment.forms
import cycles.forms
import secretariat.forms
from assessment import answering, frameworks_cache
from assessment.forms import (
    ActionForm,
    AssignmentForm,
    CapabilityForm,
    LegislationForm,
    TargetForm,
)
from assessment.models import Action, AuditEvent, Membership

from .factories import make_assessment, make_country, make_cycle, make_user

# Passwords are hashed, never stored or shown; Django's own forms leave them unbounded.
UNBOUNDED = {"password1", "password2"}


@pytest.fixture
def coordinator(client, frameworks):
    country = make_country()
    client.force_login(make_user("cd", country=country, role=Membership.Role.COORDINATOR))
    return client, make_assessment(country)


def every_form(a: Any) -> list[forms.BaseForm]:
    """One instance of each form class the app defines, built with what it needs."""
    tree = frameworks_cache.mnr_tree(a.mnr_version)
    cap = tree.capabilities[0]
    needs = {
        CapabilityForm: {"capability": cap, "indicators": cap.indicator_list, "scale": tree.scale},
        LegislationForm: {
            "criteria": frameworks_cache.criteria_of(a.legislation_version),
            "to_confirm": set(),
        },
        ActionForm: {"assessment": a},
        TargetForm: {"capabilities": tree.capabilities, "levels": range(3, 5)},
        AssignmentForm: {"contributors": [], "sections": []},
        cycles.forms.ExtensionForm: {"cycle": make_cycle(2026)},
    }
    found = []
    for module in (assessment.forms, secretariat.forms, accounts.forms, cycles.forms):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found.append(cls(**needs.get(cls, {})))
    return found


def test_every_text_field_a_user_types_has_a_limit(coordinator):
    _client, a = coordinator
    unlimited = []
    for form in every_form(a):
        for name, field in form.fields.items():
            if type(field) in (forms.CharField, forms.EmailField) or isinstance(
                field, accounts.forms.TokenField
            ):
                if field.max_length is None and name not in UNBOUNDED:
                    unlimited.append(f"{type(form).__name__}.{name}")
    assert not unlimited, f"text fields without max_length: {unlimited}"


def test_a_one_megabyte_action_description_is_refused_and_nothing_is_stored(coordinator):
    client, a = coordinator
    response = client.post(
        reverse("assessment:action_new", args=[a.uuid]),
        {"title": "Train", "status": "planned", "priority": "1", "description": "x" * 1_000_000},
    )
    assert response.status_code == 422
    assert "Ensure this value has at most 5000 characters" in response.content.decode()
    assert not Action.objects.exists()
    assert not AuditEvent.objects.filter(action="action.saved").exists()


@pytest.mark.parametrize(
    "field,length", [("title", 300), ("lead_agency", 200), ("supporting_agencies", 500)]
)
def test_the_other_action_texts_are_limited_too(coordinator, field, length):
    client, a = coordinator
    data = {"title": "Train", "status": "planned", "priority": "1", field: "x" * (length + 1)}
    response = client.post(reverse("assessment:action_new", args=[a.uuid]), data)
    assert response.status_code == 422
    assert f"at most {length} characters" in response.content.decode()
    assert not Action.objects.exists()


@pytest.mark.parametrize("priority", ["0", "-3"])
def test_an_action_priority_below_one_is_refused(coordinator, priority):
    client, a = coordinator
    response = client.post(
        reverse("assessment:action_new", args=[a.uuid]),
        {"title": "Train", "status": "planned", "priority": priority},
    )
    assert response.status_code == 422
    assert "greater than or equal to 1" in response.content.decode()
    assert not Action.objects.exists()


def test_a_priority_of_one_and_a_5000_character_description_are_saved(coordinator):
    client, a = coordinator
    response = client.post(
        reverse("assessment:action_new", args=[a.uuid]),
        {"title": "Train", "status": "planned", "priority": "1", "description": "x" * 5000},
    )
    assert response.status_code == 302
    assert Action.objects.get().description == "x" * 5000


def test_a_legislation_row_built_from_a_forged_previous_value_is_refused(coordinator):
    """`was_legislation=123` used to raise a TypeError (a 500)."""
    client, a = coordinator
    url = reverse("assessment:legislation", args=[a.uuid])
    for forged in ("123", '{"a": 1}', '["met"]', "[" * 5000):
        response = client.post(url, {"crit_legislation": "met", "was_legislation": forged})
        assert response.status_code == 422, forged
        assert "This page is out of date or was altered" in response.content.decode()
    assert not answering.criterion_answers(a)
