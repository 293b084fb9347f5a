"""The trend page's chart: per domain, the mean level in the earlier and the later cycle, as
inline SVG (no script, no third-party origin). The later bar is hatched as well as darker, so
colour is never the only cue, and each value is written beside its bar; the page gives the
same numbers as a table. Numbers are written by Python, never localised (SVG needs "1.5")."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from assessment.rounding import number

from .comparison import TrendRow

LABEL_WIDTH = 260
PLOT_WIDTH = 300
BAR = 12
GROUP = 2 * BAR + 14
TOP = 26
LABEL_CHARS = 36


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def domain_chart(
    rows: Sequence[TrendRow], since: int, until: int, max_level: int = 4
) -> SafeString:
    domains = [r for r in rows if r.column.kind == "domain"]
    scale = PLOT_WIDTH / max_level
    parts = [
        '<defs><pattern id="trend-hatch" width="5" height="5" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="5" height="5" fill="#0f3460"/>'
        '<line x1="0" y1="0" x2="0" y2="5" stroke="#ffffff" stroke-width="1.5"/></pattern></defs>'
    ]
    for level in range(max_level + 1):
        x = LABEL_WIDTH + level * scale
        parts.append(
            f'<line class="chart-grid" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 8}" '
            f'y2="{TOP + GROUP * len(domains)}"/><text class="chart-axis" x="{x:.1f}" '
            f'y="{TOP - 12}" text-anchor="middle">{level}</text>'
        )
    y = TOP
    for r in domains:
        parts.append(
            f'<text class="chart-label domain" x="{LABEL_WIDTH - 8}" y="{y + BAR + 4}" '
            f'text-anchor="end">{escape(_short(str(r.column.label)))}</text>'
        )
        for i, (value, fill, year) in enumerate(
            ((r.before, "#7fb3db", since), (r.after, "url(#trend-hatch)", until))
        ):
            top = y + i * BAR
            if value is None:
                not_scored = _("not scored")  # outside the f-string, where makemessages finds it
                parts.append(
                    f'<text class="chart-value" x="{LABEL_WIDTH + 4}" y="{top + BAR - 2}">'
                    f"{year}: {escape(not_scored)}</text>"
                )
                continue
            width = value * scale
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{top}" width="{width:.1f}" height="{BAR - 1}" '
                f'fill="{fill}"/><text class="chart-value" x="{LABEL_WIDTH + width + 4:.1f}" '
                f'y="{top + BAR - 2}">{year}: {number(value, 2)}</text>'
            )
        y += GROUP
    width, height = LABEL_WIDTH + PLOT_WIDTH + 90, y + 4
    title = escape(
        _("Mean level per domain, %(since)s and %(until)s") % {"since": since, "until": until}
    )
    desc = escape(
        _(
            "Two bars per domain: the earlier cycle plain, the later one hatched, each with "
            "its value written beside it. The same numbers are in the table below."
        )
    )
    return mark_safe(  # every text from the data is escaped above
        f'<svg role="img" aria-labelledby="trend-chart-title trend-chart-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" class="chart trend-chart">'
        f'<title id="trend-chart-title">{title}</title><desc id="trend-chart-desc">{desc}</desc>'
        + "".join(parts)
        + "</svg>"
    )
