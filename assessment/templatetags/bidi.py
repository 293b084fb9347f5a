"""Right-to-left helpers for templates (issue 14); the reasons are in `assessment/bidi.py`.

The filters also work inside `{% blocktranslate with x=value|bdi %}`, so the translated
sentence (its msgid) is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from assessment import bidi as _bidi

register = template.Library()


@register.filter
def bdi(value: Any) -> SafeString:
    """`value` isolated from the sentence around it: `<bdi>value</bdi>`, escaped."""
    return format_html("<bdi>{}</bdi>", value)


@register.simple_tag
def arrow() -> str:
    return _bidi.arrow()


@register.filter
def transition(before: Any, after: Any) -> SafeString:
    """`{{ now|transition:target }}`: "2 → 3" in LTR, "2 ← 3" (read from the right) in RTL,
    each value isolated so that neither moves."""
    return format_html("<bdi>{}</bdi> {} <bdi>{}</bdi>", before, _bidi.arrow(), after)


@register.filter
def join_bdi(items: Iterable[Any]) -> SafeString:
    """Items joined with the language's list separator, each isolated."""
    return format_html_join(_bidi.list_separator(), "<bdi>{}</bdi>", ((i,) for i in items))


@register.filter
def isolate(value: Any) -> str:
    """For the PDF: `value` between Unicode isolates (WeasyPrint ignores `<bdi>`)."""
    return _bidi.isolate(value)


@register.filter
def transition_text(before: Any, after: Any) -> str:
    """`transition` for the PDF, with Unicode isolates instead of `<bdi>`."""
    return f"{_bidi.isolate(before)} {_bidi.arrow()} {_bidi.isolate(after)}"


@register.filter
def join_isolated(items: Iterable[Any]) -> str:
    """For the PDF: items joined with the language's list separator, each isolated."""
    return _bidi.list_separator().join(_bidi.isolate(i) for i in items)


@register.simple_tag
def list_separator() -> str:
    return _bidi.list_separator()
