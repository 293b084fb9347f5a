"""Text direction and list punctuation for the active language (issue 14).

A number or a code placed in a sentence of the other direction can be reordered by the Unicode
bidi algorithm ("of 5 met 3"), so every value a sentence embeds is isolated: `<bdi>` in pages,
the Unicode isolates FSI … PDI in the PDF (WeasyPrint ignores `<bdi>` and `unicode-bidi`, Pango
honours the characters). An arrow between two values pictures a direction: "2 → 3" read right to
left says "3 to 2", so a right-to-left language draws ←.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import get_language, get_language_bidi

# CLDR's list pattern "{0}، {1}" for Arabic; the other shipped languages use ", ". Written here
# rather than as a catalogue entry so a missing translation can never give Arabic a Latin comma.
_SEPARATORS = {"ar": "، "}


def arrow() -> str:
    """The "from → to" arrow, pointing the way the active language reads."""
    return "←" if get_language_bidi() else "→"


def list_separator() -> str:
    """The separator between the items of a list in the active language."""
    language = (get_language() or "en").split("-")[0]
    return _SEPARATORS.get(language, ", ")


def join_list(items: Iterable[Any]) -> str:
    return list_separator().join(str(item) for item in items)


def isolate(value: Any) -> str:
    """`value` between Unicode isolates, for text drawn by WeasyPrint."""
    return f"\u2068{value}\u2069"
