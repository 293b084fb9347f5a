"""The ordinary forms are rendered by crispy (issue 18): the same labels, required marks,
errors and help texts on every page, with the ids, names and attributes the pages relied on."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Profile
from assessment.models import Assessment, Membership

from .factories import (
    deliver_mail,
    make_assessment,
    make_country,
    make_user,
    sign_in_with_second_factor,
)

pytestmark = pytest.mark.usefixtures("frameworks")


@pytest.fixture
def assessment(db, frameworks) -> Assessment:
    return make_assessment(make_country("XA", "Arvenia (demo)"))


@pytest.fixture
def coordinator_client(client, assessment):
    client.force_login(
        make_user("cora", country=assessment.country, role=Membership.Role.COORDINATOR)
    )
    return client


def tag(html: str, element_id: str) -> str:
    found = re.search(rf'<(?:input|textarea|select)[^>]*id="{element_id}"[^>]*>', html)
    assert found, element_id
    return found.group(0)


def test_the_invitation_form_marks_required_fields_and_shows_errors_by_the_field(
    coordinator_client,
):
    page = coordinator_client.get(reverse("assessment:team")).content.decode()
    assert 'id="div_id_email"' in page and 'class="asteriskField"' in page
    assert 'type="email"' in tag(page, "id_email") and "form-select" in tag(page, "id_role")
    page = coordinator_client.post(reverse("assessment:team"), {"email": "not an email"})
    html = page.content.decode()
    assert "is-invalid" in tag(html, "id_email")
    assert 'class="invalid-feedback"' in html and "Enter a valid email address." in html


def test_the_comment_and_evidence_forms_keep_their_ids_direction_and_file_types(
    coordinator_client, assessment
):
    url = reverse("assessment:capability", args=[assessment.uuid, "C04"])
    page = coordinator_client.get(url).content.decode()
    comment = tag(page, "id_text")
    assert 'dir="auto"' in comment and 'name="text"' in comment and "required" in comment
    evidence = tag(page, "id_file")
    assert 'accept=".pdf,.docx,.xlsx,.odt,.png,.jpg,.jpeg"' in evidence
    # The help text is tied to the input, as a screen reader announces it.
    assert 'aria-describedby="id_file_helptext"' in evidence
    assert 'id="id_file_helptext"' in page
    # One CSRF token per form: the template's, not a second one from crispy.
    assert page.count('name="csrfmiddlewaretoken"') == page.count('method="post"')


def test_the_legislative_import_form_keeps_its_limits_and_help(client, db):
    sign_in_with_second_factor(client, make_user("ada", role=Membership.Role.ADMIN))
    page = client.get(reverse("secretariat_import:upload")).content.decode()
    assert 'accept=".csv,text/csv"' in tag(page, "id_file")
    year = tag(page, "id_year")
    assert 'min="1990"' in year and 'max="2100"' in year
    assert 'maxlength="' in tag(page, "id_source")
    assert 'id="id_year_helptext"' in page and 'id="div_id_source"' in page


def test_the_password_change_form_is_rendered_like_the_other_forms(coordinator_client):
    response = coordinator_client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="div_id_old_password"' in html and "is-invalid" in tag(html, "id_old_password")
    assert 'autocomplete="current-password"' in tag(html, "id_old_password")
    assert 'autocomplete="new-password"' in tag(html, "id_new_password1")


def options(html: str, select_id: str) -> list[str]:
    found = re.search(rf'<select[^>]*id="{select_id}".*?</select>', html, re.S)
    assert found, select_id
    return re.findall(r'<option value="([^"]*)"', found.group(0))


def test_a_refused_target_shows_its_error_by_the_form_and_keeps_what_was_typed(
    coordinator_client, assessment
):
    plan_url = reverse("assessment:plan", args=[assessment.uuid])
    html = coordinator_client.get(plan_url).content.decode()
    assert options(html, "target-level") == ["3", "4"]  # from the default up: never lowered
    assert len(options(html, "target-capability")) == 21
    assert 'dir="auto"' in tag(html, "target-reason")
    assert 'aria-describedby="target-reason_helptext"' in tag(html, "target-reason")
    response = coordinator_client.post(
        reverse("assessment:target_set", args=[assessment.uuid]),
        {"capability": "C04", "level": "4", "reason": "  "},
    )
    html = response.content.decode()
    assert response.status_code == 422
    form = html.split('id="target-form"', 1)[1].split("</form>", 1)[0]
    assert "Say why the target is raised." in form
    assert re.search(r'<option value="C04"[^>]*selected', form)  # the choice made stays made
    assert re.search(r'<option value="4"[^>]*selected', form)
    assert not assessment.targets.exists()


def test_each_contributors_assignment_form_is_a_fieldset_named_after_them(
    coordinator_client, assessment
):
    carl = make_user("carl", country=assessment.country)
    Profile.objects.create(user=carl, display_name="<b>Carl</b> Ndiaye")
    make_user("dina", country=assessment.country)
    page_url = reverse("assessment:assignments", args=[assessment.uuid])
    html = coordinator_client.get(page_url).content.decode()
    legends = re.findall(r"<legend[^>]*>\s*(.*?)\s*</legend>", html, re.S)
    assert legends == ["&lt;b&gt;Carl&lt;/b&gt; Ndiaye", "dina"]
    ids = re.findall(r'id="(s-\d+-sections_\d+)"', html)
    assert len(ids) == 2 * 7 and len(set(ids)) == len(ids)  # six domains and the legislation
    coordinator_client.post(page_url, {"user": carl.pk, "sections": ["D2", "legislation"]})
    html = coordinator_client.get(page_url).content.decode()
    checked = [
        re.search(r'value="(\w+)"', box).group(1)
        for box in re.findall(rf'<input[^>]*id="s-{carl.pk}-sections_\d+"[^>]*>', html)
        if "checked" in box
    ]
    assert checked == ["D2", "legislation"]


def test_the_workbook_upload_offers_xlsx_and_says_what_file_it_wants(
    coordinator_client, assessment
):
    upload_url = reverse("assessment:workbook_upload", args=[assessment.uuid])
    html = coordinator_client.get(upload_url).content.decode()
    picker = tag(html, "id_file")
    assert 'accept=".xlsx,.ods,' in picker and "required" in picker
    assert 'aria-describedby="id_file_helptext"' in picker
    assert "saved as .xlsx (Excel) or .ods (LibreOffice)." in html
    response = coordinator_client.post(upload_url, {})
    assert response.status_code == 422
    assert "is-invalid" in tag(response.content.decode(), "id_file")


def test_the_invitation_acceptance_form_keeps_its_autocomplete_and_shows_errors_by_the_field(
    client, db
):
    from django.core import mail

    cora = make_user("cora", country=make_country("XB", "Belmora (demo)"), role="coordinator")
    client.force_login(cora)
    client.post(
        reverse("assessment:team"), {"email": "new@ministry.example", "role": "contributor"}
    )
    client.logout()
    deliver_mail()
    token = re.search(r"/invitations/(\S+)/", mail.outbox[-1].body).group(1)
    accept_url = reverse("assessment:accept_invitation", args=[token])
    html = client.get(accept_url).content.decode()
    username = tag(html, "id_username")
    assert 'autocomplete="username"' in username and 'spellcheck="false"' in username
    assert 'aria-describedby="id_username_helptext"' in username
    assert 'dir="auto"' in tag(html, "id_display_name")
    assert 'autocomplete="new-password"' in tag(html, "id_password2")
    response = client.post(
        accept_url,
        {
            "username": "nadia",
            "display_name": "Nadia",
            "password1": "a-long-enough-passphrase",
            "password2": "another",
        },
    )
    html = response.content.decode()
    assert "is-invalid" in tag(html, "id_password2") and "The two passwords differ." in html
    assert 'value="nadia"' in tag(html, "id_username")  # what was typed stays


def test_the_assignments_page_costs_the_same_queries_for_one_or_five_contributors(
    coordinator_client, assessment
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page_url = reverse("assessment:assignments", args=[assessment.uuid])

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert coordinator_client.get(page_url).status_code == 200
        return len(ctx)

    Profile.objects.create(user=make_user("carl", country=assessment.country), display_name="C")
    queries()  # the framework tree, built once per process
    one = queries()
    for n in range(4):
        user = make_user(f"extra{n}", country=assessment.country)
        Profile.objects.create(user=user, display_name=f"Person {n}")
    assert queries() == one
