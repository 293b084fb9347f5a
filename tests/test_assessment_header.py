"""What the tags written for issue 27 draw on every assessment page: the breadcrumb and tabs
(`assessment_header`, its URLs reversed once per URL configuration and script prefix) and the
plan page's choice of the exports' language (`export_language_options`)."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.urls import reverse, set_script_prefix

from assessment.models import Assessment, Membership
from assessment.templatetags import assessment_header

from .factories import answer_all, make_assessment, make_country, make_user

pytestmark = pytest.mark.usefixtures("frameworks")


@pytest.fixture
def assessment() -> Assessment:
    a = make_assessment(make_country("XA", "Arvenia (demo)"))
    answer_all(a)
    return a


@pytest.fixture
def client_c(client, assessment):
    client.force_login(
        make_user("cora", country=assessment.country, role=Membership.Role.COORDINATOR)
    )
    return client


@pytest.mark.parametrize(
    "page, args, tab, crumb",
    [
        ("overview", [], "overview", None),
        ("results", [], "results", None),
        ("plan", [], "plan", None),
        ("legislation", [], "overview", "Legislation"),
        ("capability", ["C04"], "overview", "Dedicated law enforcement"),
    ],
)
def test_each_page_marks_its_own_tab_and_names_where_it_is(
    client_c, assessment, page, args, tab, crumb
):
    html = client_c.get(reverse(f"assessment:{page}", args=[assessment.uuid, *args])).content
    html = html.decode()
    current = re.findall(r'<a class="nav-link active" aria-current="page" href="([^"]+)">', html)
    assert current == [reverse(f"assessment:{tab}", args=[assessment.uuid])]
    assert html.count('class="nav-link"') == 2  # the two other tabs, not current
    overview = reverse("assessment:overview", args=[assessment.uuid])
    assert f'<a href="{overview}">Arvenia (demo) 2026</a>' in html
    here = re.findall(r'<li class="breadcrumb-item active" aria-current="page">([^<]*)</li>', html)
    assert here == ([crumb] if crumb else [])


def test_a_crumb_is_escaped():
    a = Assessment(country=make_country("XB", "<i>Belmora</i> (demo)"), cycle=2026)
    html = Template("{% load assessment_header %}{% assessment_header a 'plan' crumb %}").render(
        Context({"a": a, "crumb": "<b>Bold</b> & co"})
    )
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in html and "<b>" not in html
    assert "&lt;i&gt;Belmora&lt;/i&gt;" in html and "<i>" not in html


def test_the_urls_follow_the_script_prefix_and_the_url_configuration(assessment, settings):
    """Reversed once and kept, yet per script prefix (a site served under a path) and per URL
    configuration: each must give what `reverse` gives."""
    names = ["assessment:overview", "assessment:plan"]
    for prefix in ("/", "/mnr/", "/"):
        set_script_prefix(prefix)
        try:
            for name in names:
                expected = reverse(name, args=[assessment.uuid])
                assert assessment_header.assessment_url(name, assessment.uuid) == expected
                assert expected.startswith(prefix)
            assert assessment_header.assessment_url("home") == reverse("home")
        finally:
            set_script_prefix("/")
    settings.ROOT_URLCONF = "tests.urls_elsewhere"
    assert assessment_header.assessment_url("assessment:plan", assessment.uuid) == (
        f"/elsewhere/assessments/{assessment.uuid}/plan/"
    )


def test_the_exports_language_is_chosen_and_the_working_one_marked(client_c, assessment):
    Assessment.objects.filter(pk=assessment.pk).update(language="fr")
    html = client_c.get(reverse("assessment:plan", args=[assessment.uuid]) + "?lang=ar")
    html = html.content.decode()
    select = html.split('id="id_lang">')[1].split("</select>")[0]
    options = re.findall(r'<option value="([^"]+)"( selected)?>([^<]*)</option>', select)
    assert [code for code, _s, _n in options] == ["en", "fr", "es", "ar", "pt"]
    assert [code for code, chosen, _n in options if chosen] == ["ar"]
    assert [code for code, _s, name in options if name.endswith(" — working language")] == ["fr"]
