"""A world map drawn on the server as inline SVG: no script, no third-party origin.

The geometry is the committed `geodata/world-110m.json` (see `geodata/build.py` for its source
and licence). Each country is a `<path>` (or a dot, for states too small for the 1:110m
outlines) with an accessible name: its `<title>` says the country and its class. Each class has
a fill colour *and* a pattern, so colour is never the only cue; the page shows the same data as
a table beside the map.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

GEODATA = Path(__file__).with_name("geodata") / "world-110m.json"
DOT_RADIUS = 3

# One pattern per class, drawn over the class colour: (SVG of the marks, mark colour).
_MARKS = (
    "",  # plain
    '<circle cx="3" cy="3" r="1.2" fill="{ink}"/>',  # dots
    '<path d="M0 6L6 0" stroke="{ink}" stroke-width="1.2"/>',  # diagonal
    '<path d="M0 3H6" stroke="{ink}" stroke-width="1.2"/>',  # horizontal
    '<path d="M0 6L6 0M0 0L6 6" stroke="{ink}" stroke-width="1"/>',  # cross-hatch
    '<path d="M3 0V6" stroke="{ink}" stroke-width="1.2"/>',  # vertical
    '<path d="M0 3H6M3 0V6" stroke="{ink}" stroke-width="1"/>',  # grid
    '<circle cx="3" cy="3" r="1.8" fill="none" stroke="{ink}" stroke-width="0.9"/>',  # rings
)


@dataclass(frozen=True)
class MapClass:
    key: str
    label: str  # what a reader is told, e.g. "4 of 5 criteria met"
    colour: str
    ink: str = "#1b1b1b"  # the pattern's marks, dark or light against the colour
    marks: int = 0  # index into _MARKS


@lru_cache(maxsize=1)
def geometry() -> dict[str, Any]:
    """The committed geometry, read once per process."""
    return json.loads(GEODATA.read_text())


def pattern_id(key: str) -> str:
    return f"map-pattern-{key}"


def _defs(classes: Sequence[MapClass]) -> str:
    parts = ["<defs>"]
    for c in classes:
        marks = _MARKS[c.marks % len(_MARKS)].format(ink=c.ink)
        parts.append(
            f'<pattern id="{pattern_id(c.key)}" width="6" height="6" '
            f'patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="{c.colour}"/>'
            f"{marks}</pattern>"
        )
    parts.append("</defs>")
    return "".join(parts)


def render(
    label: str,
    classes: Sequence[MapClass],
    class_of: Mapping[str, str],
    names: Mapping[str, str],
    default: MapClass,
    details: Mapping[str, str] | None = None,
) -> SafeString:
    """The SVG map: every shape of the geometry filled by its country's class (`class_of`,
    ISO alpha-2 code -> MapClass.key), `default` for a country with no class; `details` adds
    words to a country's accessible name."""
    geo = geometry()
    by_key = {c.key: c for c in classes}
    by_key.setdefault(default.key, default)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {geo["width"]} {geo["height"]}" '
        f'class="world-map" role="group" aria-label="{escape(label)}">',
        _defs(list(by_key.values())),
        '<g stroke="#ffffff" stroke-width="0.4" stroke-linejoin="round">',
    ]
    for code, shape in geo["shapes"].items():
        cls = by_key.get(class_of.get(code, ""), default)
        name = escape(names.get(code, code))
        extra = (details or {}).get(code, "")
        said = f"{cls.label} ({extra})" if extra else str(cls.label)
        title = f"<title>{name}: {escape(said)}</title>"
        fill = f'fill="url(#{pattern_id(cls.key)})"'
        if isinstance(shape, str):
            out.append(f'<path role="img" d="{shape}" {fill} data-code="{code}">{title}</path>')
        else:
            x, y = shape
            out.append(
                f'<circle role="img" cx="{x}" cy="{y}" r="{DOT_RADIUS}" {fill} '
                f'stroke="#1b1b1b" data-code="{code}">{title}</circle>'
            )
    out.append("</g></svg>")
    return mark_safe("".join(out))  # every interpolated text above is escaped


def swatch(cls: MapClass) -> SafeString:
    """A legend key in the class's colour and pattern (the map's <defs> are on the page)."""
    return mark_safe(
        '<svg class="map-swatch" viewBox="0 0 18 12" width="27" height="18" aria-hidden="true">'
        f'<rect width="18" height="12" fill="url(#{pattern_id(cls.key)})" stroke="#1b1b1b" '
        'stroke-width="0.5"/></svg>'
    )
