"""Answers copied from the previous cycle (issue 24): the overview and the submit page say
"Copied from 2024 — to confirm" instead of "Not answered", the progress counts them apart, and
a person confirms one capability on the line where they read it."""

from __future__ import annotations

import re
from html import unescape as html_unescape

import pytest
from django.urls import reverse

from assessment.models import CapabilityAnswer, CriterionAnswer, Membership

from .factories import answer_all, make_assessment, make_country, make_user
from .htmlcheck import vnu_errors


@pytest.fixture
def copied(frameworks):
    country = make_country("XA", "Arvenia (demo)")
    earlier = make_assessment(country, cycle=2024)
    answer_all(earlier)
    draft = make_assessment(country, cycle=2026)  # every answer copied, each to confirm
    # Two capabilities confirmed by answering them again: 2 answered, 19 to confirm.
    CapabilityAnswer.objects.filter(assessment=draft, capability__code__in=["C01", "C02"]).update(
        to_confirm=False
    )
    user = make_user("cd", country=country, role=Membership.Role.COORDINATOR)
    return draft, user


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_overview_says_copied_and_counts_them_apart(client, copied):
    draft, user = copied
    client.force_login(user)
    html = client.get(reverse("assessment:overview", args=[draft.uuid])).content.decode()
    text = _text(html)
    assert "2 of 21 capabilities answered" in text
    assert "24 to confirm (copied from 2024)." in text  # 19 capabilities and 5 criteria
    assert text.count("Copied from 2024 — to confirm") == 19
    # Only the two confirmed capabilities were ever read as "Not answered".
    assert "Not answered" not in text


def test_the_submit_page_marks_the_copied_items(client, copied):
    draft, user = copied
    client.force_login(user)
    text = _text(client.get(reverse("assessment:submit", args=[draft.uuid])).content.decode())
    assert "24 to confirm (copied from 2024)." in text
    assert text.count("— Copied from 2024 — to confirm") == 24


def test_one_capability_is_confirmed_from_its_line_and_no_other(client, copied):
    draft, user = copied
    client.force_login(user)
    overview = reverse("assessment:overview", args=[draft.uuid])
    html = client.get(overview).content.decode()
    form = re.search(
        r'<form method="post" action="([^"]+)" class="d-inline confirm-one">(?:(?!</form>).)*?'
        r'name="code" value="C04">.*?</form>',
        html,
        flags=re.S,
    )
    assert form and form.group(1).endswith("/sections/D2/confirm/"), "no confirm button on C04"
    assert 'Confirm as it is<span class="visually-hidden"> 4. ' in form.group(0)
    response = client.post(form.group(1), {"code": "C04"})
    assert response.status_code == 302
    still = set(
        CapabilityAnswer.objects.filter(assessment=draft, to_confirm=True).values_list(
            "capability__code", flat=True
        )
    )
    assert "C04" not in still and len(still) == 18
    text = _text(client.get(overview).content.decode())
    assert "3 of 21 capabilities answered" in text and "23 to confirm" in text
    # A code from another section confirms nothing there.
    client.post(form.group(1), {"code": "C10"})
    assert CapabilityAnswer.objects.get(assessment=draft, capability__code="C10").to_confirm


def test_a_reader_who_may_not_edit_the_section_gets_no_confirm_button(client, copied):
    draft, _user = copied
    contributor = make_user("co", country=draft.country, role=Membership.Role.CONTRIBUTOR)
    client.force_login(contributor)  # assigned no section
    html = client.get(reverse("assessment:overview", args=[draft.uuid])).content.decode()
    assert "Copied from 2024 — to confirm" in html
    assert "confirm-one" not in html


def _legislation_form(html: str) -> dict[str, str]:
    """What the legislation page's form sends as it stands: hidden fields, checked radios and
    boxes, the citations."""
    form = re.search(r'<form method="post" novalidate.*?</form>', html, flags=re.S)
    assert form, "no legislation form"
    data: dict[str, str] = {}
    for tag in re.findall(r"<input [^>]*>", form.group(0)):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if name and (kind.group(1) == "hidden" or " checked" in tag):  # type: ignore[union-attr]
            data[name.group(1)] = html_unescape(value.group(1)) if value else "on"
    for name, text in re.findall(
        r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form.group(0), re.S
    ):
        data[name] = html_unescape(text.removeprefix("\n"))
    return data


def test_a_copied_criterion_is_confirmed_with_its_box_on_the_legislation_page(client, copied):
    """The page the form writes itself (issue 27): one "still true" box per copied criterion,
    labelled, kept ticked when the page comes back with an error in its row, and ticking one
    confirms that criterion only; both pages valid to the Nu HTML Checker."""
    draft, user = copied
    client.force_login(user)
    url = reverse("assessment:legislation", args=[draft.uuid])
    page = client.get(url).content.decode()
    boxes = re.findall(
        r'<input class="form-check-input" type="checkbox" name="(confirm_[a-z_]+)" '
        r'id="id_\1"><label class="form-check-label" for="id_\1">Still true: confirm the '
        r"answer copied from the previous cycle</label>",
        page,
    )
    assert len(boxes) == 5  # the five scored criteria, all copied
    data = _legislation_form(page) | {boxes[0]: "on"}
    wrong = data | {"crit_" + boxes[1].removeprefix("confirm_"): "forged"}
    refused = client.post(url, wrong)
    assert refused.status_code == 422
    again = refused.content.decode()
    row = re.search(rf'id="crit-{boxes[1].removeprefix("confirm_")}".*?</fieldset>', again, re.S)
    assert row and 'class="text-danger" role="alert"' in row.group(0)
    assert f'name="{boxes[0]}" id="id_{boxes[0]}" checked>' in again  # still ticked
    assert client.post(url, data).status_code == 302
    still = set(
        CriterionAnswer.objects.filter(assessment=draft, to_confirm=True).values_list(
            "criterion__code", flat=True
        )
    )
    assert still == {b.removeprefix("confirm_") for b in boxes[1:]}
    errors = vnu_errors({"legislation": page, "legislation refused": again})
    assert not errors, errors
