"""The breadcrumb and tabs atop every page of an assessment, and the URLs of its pages, written
in Python: the header was four URL reversals of 50-90 µs each and five translations, about a
millisecond of each assessment page (issue 27). The markup is the one `_header.html` wrote;
every value is escaped as the template escaped it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from assessment.models import Assessment

register = template.Library()

PLACEHOLDER = "00000000-0000-4000-8000-000000000000"
# (the settings' and the request's URL configuration, script prefix, URL name) -> the URL
# before and after the assessment's UUID
_SPLITS: dict[tuple[Any, Any, str, str], tuple[str, str]] = {}


def assessment_url(name: str, uuid: UUID | None = None) -> str:
    """`reverse(name, args=[uuid])` (or no argument without `uuid`), the pattern reversed once
    per URL configuration (the settings' and a request's own) and script prefix, with a
    placeholder where the UUID goes."""
    key = (settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), name)
    split = _SPLITS.get(key)
    if split is None:
        found = reverse(name, args=[UUID(PLACEHOLDER)] if uuid is not None else [])
        before, placeholder, after = found.rpartition(PLACEHOLDER)
        split = _SPLITS[key] = (before, after) if placeholder else (found, "")
    return f"{split[0]}{uuid}{split[1]}" if uuid is not None else split[0]


@register.simple_tag(name="assessment_url")
def assessment_url_tag(name: str, assessment: Assessment) -> str:
    """`{% url name assessment.uuid %}`, as `assessment_url` keeps it."""
    return assessment_url(name, assessment.uuid)


_TABS = (
    ("overview", "assessment:overview"),
    ("results", "assessment:results"),
    ("plan", "assessment:plan"),
)


@register.simple_tag
def assessment_header(assessment: Assessment, tab: str, crumb: Any = "") -> SafeString:
    """The breadcrumb (home, the assessment, and `crumb` if any) and the three tabs, `tab`
    the current one."""
    labels = {
        "overview": _("Questionnaire"),
        "results": _("Results"),
        "plan": _("Gaps and action plan"),
    }
    tabs = []
    for key, name in _TABS:
        current = ' active"' + ' aria-current="page"' if key == tab else '"'
        tabs.append(
            f'  <li class="nav-item"><a class="nav-link{current} '
            f'href="{assessment_url(name, assessment.uuid)}">'
            f"{conditional_escape(labels[key])}</a></li>\n"
        )
    here = (
        f'<li class="breadcrumb-item active" aria-current="page">{conditional_escape(crumb)}</li>'
        if crumb
        else ""
    )
    breadcrumb, assessments = _("Breadcrumb"), _("Assessments")  # outside the f-strings
    return mark_safe(  # noqa: S308 (every value is escaped)
        f'<nav aria-label="{conditional_escape(breadcrumb)}">\n'
        '  <ol class="breadcrumb">\n'
        f'    <li class="breadcrumb-item"><a href="{assessment_url("home")}">'
        f"{conditional_escape(assessments)}</a></li>\n"
        '    <li class="breadcrumb-item">'
        f'<a href="{assessment_url("assessment:overview", assessment.uuid)}">'
        f"{conditional_escape(assessment.country.name)} {assessment.cycle}</a></li>\n"
        f"    {here}\n"
        "  </ol>\n"
        "</nav>\n"
        '<ul class="nav nav-tabs mb-4">\n' + "".join(tabs) + "</ul>"
    )
