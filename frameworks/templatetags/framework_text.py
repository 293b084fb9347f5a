"""`lang_attr`: mark a framework text shown in English for want of a translation.

    <h1{{ capability.name|lang_attr }}>{{ capability.name }}</h1>

gives `<h1 lang="en">` when the name had no translation in the page's language, so screen
readers read it as English; nothing otherwise. Framework texts come translated from the
database (frameworks/i18n.py), an untranslated one as an `Untranslated` string.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from frameworks.i18n import lang_attribute

register = template.Library()


@register.filter
def lang_attr(value: object) -> SafeString:
    return mark_safe(lang_attribute(value))  # noqa: S308 (a constant)
