"""`{{ value|tenths }}`, `{{ value|whole }}`, `{{ value|hundredths }}`: numbers rounded half up
and written in the page's language, the same everywhere (`assessment/rounding.py`)."""

from __future__ import annotations

from typing import Any

from django import template

from assessment.rounding import number

register = template.Library()


def _number(value: Any, places: int) -> str:
    if value is None or value == "":
        return ""
    return number(value, places)


@register.filter
def tenths(value: Any) -> str:
    return _number(value, 1)


@register.filter
def whole(value: Any) -> str:
    return _number(value, 0)


@register.filter
def hundredths(value: Any) -> str:
    return _number(value, 2)
