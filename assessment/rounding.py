"""The one rounding rule for every number a person reads: half up, from the value's shortest
decimal spelling (issue 24).

Python's `round()` and `f"{x:.1f}"` round the binary value, half to even: a domain mean of 1.25
was drawn "1.2" on the results chart while the table (Django's `floatformat`) printed "1.3".
Every page, chart, PDF and export rounds through `half_up`, and writes through `number`, which
uses the active language's decimal separator. A mean computed in floating point can land a hair
below the half (0.35 as 0.34999999999999997): it is first rounded to nine places, far beyond
any level or percentage, so such a value rounds as the decimal it stands for.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format

__all__ = ["half_up", "number"]

_NOISE = Decimal("1e-9")


def half_up(value: float | int | Decimal, places: int = 1) -> Decimal:
    """`value` rounded half up (away from zero) to `places` decimals."""
    exact = Decimal(repr(value) if isinstance(value, float) else value).quantize(
        _NOISE, rounding=ROUND_HALF_UP
    )
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def number(value: float | int | Decimal | None, places: int = 1, default: str = "—") -> str:
    """`value` rounded by `half_up` and written in the active language ("1.3", "1,3")."""
    if value is None:
        return default
    return number_format(half_up(value, places), places)
