"""Geometry of the results bar chart, drawn as inline SVG by the template.

Server-side SVG needs no JavaScript and no third-party origin, prints, and can carry a title
and description for screen readers; the same numbers are always given as a table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .scoring import Scores

LABEL_WIDTH = 330
PLOT_WIDTH = 360
ROW_HEIGHT = 22
TOP = 28


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    is_domain: bool
    y: int
    width: float

    @property
    def text_y(self) -> int:
        return self.y + ROW_HEIGHT // 2 + 4

    @property
    def bar_y(self) -> int:
        return self.y + 4

    @property
    def value_x(self) -> float:
        return LABEL_WIDTH + self.width + 6


def bar_chart(scores: Scores, *, target: int) -> dict[str, object]:
    bars: list[Bar] = []
    y = TOP
    scale = PLOT_WIDTH / scores.max_level
    for domain in scores.domains:
        bars.append(Bar(domain.name, domain.score, True, y, (domain.score or 0) * scale))
        y += ROW_HEIGHT
        for c in domain.capabilities:
            value = float(c.level) if c.counts else None
            bars.append(Bar(f"{c.number}. {c.name}", value, False, y, (value or 0) * scale))
            y += ROW_HEIGHT
        y += 6
    ticks = [
        {"level": level, "x": LABEL_WIDTH + level * scale} for level in range(scores.max_level + 1)
    ]
    return {
        "bars": bars,
        "ticks": ticks,
        "width": LABEL_WIDTH + PLOT_WIDTH + 50,
        "height": y + 10,
        "plot_x": LABEL_WIDTH,
        "label_x": LABEL_WIDTH - 8,
        "target_x": LABEL_WIDTH + target * scale,
        "bar_height": ROW_HEIGHT - 8,
        "axis_y": TOP - 10,
    }
