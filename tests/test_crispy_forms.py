"""The ordinary forms are rendered by crispy (issue 18): the same labels, required marks,
errors and help texts on every page, with the ids, names and attributes the pages relied on."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assessment.models import Assessment, Membership

from .factories import make_assessment, make_country, make_user, sign_in_with_second_factor

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
