"""The results bar chart as inline SVG, for the results page and the PDF action plan.

Server-side SVG needs no JavaScript and no third-party origin, prints, and can carry a title
and description for screen readers; the same numbers are always given as a table beside it.
The markup is written here rather than in a template: a template loop over the 27 bars cost
more than the rest of the results page (issue 7). Numbers are written by Python, never
localised, because SVG needs "330.0" where French would print "330,0".

In a right-to-left language the chart is drawn mirrored: labels on the right (the inline
start), bars growing leftwards. Each text carries its `direction` explicitly: SVG text inherits
`direction` from the page, and under `<html dir="rtl">` a label anchored at its "end" would
otherwise run over the bars (issue 14). Chromium and WeasyPrint both read text-anchor relative
to that direction, so the same anchors serve both directions once the x coordinates are
mirrored.
"""

from __future__ import annotations

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from .rounding import number
from .scoring import Scores

LABEL_WIDTH = 330
PLOT_WIDTH = 360
ROW_HEIGHT = 22
TOP = 28
AXIS_Y = TOP - 10
BAR_HEIGHT = ROW_HEIGHT - 8
LABEL_CHARS = 42
WIDTH = LABEL_WIDTH + PLOT_WIDTH + 50


class _Axis:
    """Horizontal positions in the chart's reading direction: `x(d)` is the point at distance
    `d` from the inline-start edge, and a bar of width `w` starting at `d` is at `rect_x(d, w)`."""

    def __init__(self, rtl: bool) -> None:
        self.rtl = rtl
        self.direction = "rtl" if rtl else "ltr"

    def x(self, distance: float) -> float:
        return WIDTH - distance if self.rtl else distance

    def rect_x(self, distance: float, width: float) -> float:
        return WIDTH - distance - width if self.rtl else distance


def _shorten(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _bar(
    label: str,
    value: float | None,
    is_domain: bool,
    y: int,
    scale: float,
    axis: _Axis,
    words: bool = True,
) -> str:
    # Plain f-strings: only the label is text from the data, and it is escaped.
    kind = " domain" if is_domain else ""
    text_y = y + ROW_HEIGHT // 2 + 4
    d = axis.direction
    svg = (
        f'<text class="chart-label{kind}" x="{axis.x(LABEL_WIDTH - 8):.1f}" y="{text_y}" '
        f'text-anchor="end" direction="{d}">{escape(_shorten(label))}</text>'
        if words
        else ""
    )
    if value is None and not words:
        return ""
    if value is None:
        not_scored = _("not scored")  # outside the f-string, where makemessages finds it
        return (
            f'{svg}<text class="chart-value" x="{axis.x(LABEL_WIDTH + 4):.1f}" y="{text_y}" '
            f'direction="{d}">{escape(not_scored)}</text>'
        )
    width = value * scale
    # The value is a lone number: drawn left to right whatever the page's direction.
    value_anchor = "end" if axis.rtl else "start"
    return (
        f'{svg}<rect class="chart-bar{kind}" x="{axis.rect_x(LABEL_WIDTH, width):.1f}" '
        f'y="{y + 4}" width="{width:.1f}" height="{BAR_HEIGHT}" />'
        f'<text class="chart-value" x="{axis.x(LABEL_WIDTH + width + 6):.1f}" y="{text_y}" '
        f'text-anchor="{value_anchor}" direction="ltr">{number(value)}</text>'
    )


def bar_chart(scores: Scores, *, target: int, words: bool = True) -> SafeString:
    """One bar per domain (darker) and per capability, from level 0 to the top level, with a
    dashed line at the target level; mirrored when the active language is right to left.
    Without `words`, no labels and no "not scored": bar_chart_labelled sets them as HTML."""
    axis = _Axis(get_language_bidi())
    scale = PLOT_WIDTH / scores.max_level
    bars: list[str] = []
    y = TOP
    for domain in scores.domains:
        bars.append(_bar(domain.name, domain.score, True, y, scale, axis, words))
        y += ROW_HEIGHT
        for c in domain.capabilities:
            value = float(c.level) if c.counts else None
            bars.append(_bar(f"{c.number}. {c.name}", value, False, y, scale, axis, words))
            y += ROW_HEIGHT
        y += 6
    width, height = WIDTH, y + 10
    ticks = format_html_join(
        "",
        '<line class="chart-grid" x1="{0}" x2="{0}" y1="{1}" y2="{2}" />'
        '<text class="chart-axis" x="{0}" y="{1}" text-anchor="middle" direction="ltr">{3}</text>',
        (
            (f"{axis.x(LABEL_WIDTH + level * scale):.1f}", AXIS_Y, height, level)
            for level in range(scores.max_level + 1)
        ),
    )
    target_x = f"{axis.x(LABEL_WIDTH + target * scale):.1f}"
    return format_html(
        '<svg role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 {0} {1}" '
        'width="{0}" height="{1}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="chart-title">{2}</title><desc id="chart-desc">{3}</desc>{4}{5}'
        '<line class="chart-target" x1="{6}" x2="{6}" y1="{7}" y2="{1}" /></svg>',
        width,
        height,
        _("Maturity level of each domain and capability"),
        _(
            "Horizontal bars from level 0 to 4; domain bars are darker; the dashed line marks "
            "the default target level. The same numbers are in the table below."
        ),
        ticks,
        mark_safe("".join(bars)),  # each bar escapes its label
        target_x,
        AXIS_Y,
    )


def bar_chart_labelled(scores: Scores, *, target: int) -> SafeString:
    """The same chart for right-to-left PDFs: the SVG drawn mirrored without its words (axis
    numbers, gridlines, bars, values and the dashed target line stay in it, and its <title>
    is the PDF figure's alternative text), and the labels laid over it as HTML, one row per
    bar. WeasyPrint lays SVG text out letter by letter, left to right and unshaped, which
    breaks Arabic; it orders and shapes HTML text correctly (issues 14 and 25). The rows'
    heights match the SVG's rows in static/reports/action_plan.css (.chart-words)."""
    rows = []
    for domain in scores.domains:
        entries = [(domain.name, domain.score, " domain")]
        entries += [
            (f"{c.number}. {c.name}", float(c.level) if c.counts else None, "")
            for c in domain.capabilities
        ]
        for i, (label, value, kind) in enumerate(entries):
            last = " last" if i == len(entries) - 1 else ""
            none = (
                format_html('<span class="none">{}</span>', _("not scored"))
                if value is None
                else ""
            )
            rows.append(
                format_html(
                    '<li class="{}{}"><span class="label">{}</span>{}</li>',
                    kind.strip() or "capability",
                    last,
                    _shorten(label),
                    none,
                )
            )
    return format_html(
        '<div class="chart-words">{}<ol>{}</ol></div>',
        bar_chart(scores, target=target, words=False),
        mark_safe("".join(rows)),  # each row escapes its label
    )
