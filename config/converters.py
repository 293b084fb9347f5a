"""URL converters for the codes in our paths, so that a forged segment is a 404 at the resolver.

Django's `str` converter takes any character but "/", a NUL included, and PostgreSQL refuses a
NUL in a text value: `/frameworks/mnr/v2/C0%00/` was a 500 there (issue 22). These accept only
the characters the codes are made of, so such a path never reaches a view or a query.
"""

from __future__ import annotations

from django.urls import register_converter


class CodeConverter:
    """A framework code (capability "C04", domain "D1", criterion "possession", section
    "legislation") or a file format word ("gaps.csv", "xlsx"): the framework schemas' code
    patterns (frameworks/schemas/*.json), in either case, at most 50 characters (the longest
    code column)."""

    regex = r"[A-Za-z0-9][A-Za-z0-9._-]{0,49}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


class CountryConverter(CodeConverter):
    """An ISO 3166-1 alpha-2 country code, in either case (the views upper-case it)."""

    regex = r"[A-Za-z]{2}"


# Registered once, when the first URL module imports this one.
register_converter(CodeConverter, "code")
register_converter(CountryConverter, "country")
