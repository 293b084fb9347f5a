"""`newer_framework_versions`: whether the overview offers a move to a corrected version."""

from __future__ import annotations

from django import template

from ..models import Assessment
from ..version_move import newer_versions

register = template.Library()


@register.simple_tag
def newer_framework_versions(assessment: Assessment) -> bool:
    """True when a framework the assessment is pinned to has a newer version (one query per
    framework kind; shown to the coordinator only, so most pages never run it)."""
    return bool(newer_versions(assessment=assessment))
