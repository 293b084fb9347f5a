"""The gaps and action plan page's repeated markup, written in Python: its tables' rows were a
template loop of a dozen tags each (three URL reversals and a CSRF token per action, a
translation per cell), the larger part of drawing the page (issue 27). Every value from the
database or a framework file is escaped, and so are the labels, translated once per page; the
rest is fixed markup: the HTML the template wrote (an apostrophe in a translated label aside,
now written `&#x27;`)."""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable, Sequence
from typing import Any

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from assessment.bidi import arrow, list_separator
from assessment.gaps import Change, Gap, GapKind
from assessment.models import Action, Assessment
from assessment.peers import shown
from assessment.templatetags.bidi import join_bdi, join_isolated

register = template.Library()


def escape(value: Any) -> str:
    """Django's `escape` (`html.escape` of the value as text) without its lazy-string wrapper
    and SafeString, which cost more than the escaping in rows of a dozen values."""
    return html.escape(str(value))


@functools.cache
def _labels(language: str | None) -> dict[str, str]:
    """The labels the rows write, translated and escaped: kept per language (the one active
    when first asked), as the site header is, since the catalogues do not change while the
    process runs. A translation is a lookup through the catalogues' fallbacks: thirty of them
    a page cost a third of a millisecond."""
    labels = {
        "pdf": _("Action plan (PDF)"),
        "xlsx": _("Spreadsheet (XLSX)"),
        "scores.csv": _("Scores (CSV)"),
        "gaps.csv": _("Gaps (CSV)"),
        "actions.csv": _("Actions (CSV)"),
        "priority": _("Priority"),
        "gap": _("Gap"),
        "levels": _("Now → target"),
        "recommends": _("What the report recommends"),
        "band high": _("high"),
        "band medium": _("medium"),
        "band low": _("low"),
        f"kind {GapKind.FIND_OUT}": _("Find out: the level is not known"),
        f"kind {GapKind.LAW}": _("Legislation: criterion not met"),
        f"kind {GapKind.BUILD}": _("Build"),
        "weighted": _("weighted higher"),
        "peers": _("Countries at level 4 that offer to share their experience:"),
        "law levels": _("not met → met"),
        "improved": _("Improved:"),
        "fell back": _("Fell back:"),
        "action": _("Action"),
        "lead": _("Lead agency"),
        "dates": _("Dates"),
        "status": _("Status"),
        "overdue": _("Overdue"),
        "with": _("With:"),
        "edit": _("Edit"),
        "up": _("Move up"),
        "down": _("Move down"),
        "remove": _("Remove"),
    }
    labels |= {f"status {value}": str(label) for value, label in Action.Status.choices}
    return {key: escape(label) for key, label in labels.items()}


def _transition(before: Any, after: Any, sign: str) -> str:
    """bidi's `transition` filter: "<bdi>2</bdi> → <bdi>3</bdi>", each value escaped."""
    return f"<bdi>{escape(before)}</bdi> {sign} <bdi>{escape(after)}</bdi>"


@register.simple_tag
def export_buttons(assessment: Assessment, export_sets: Iterable[tuple[str, str]]) -> SafeString:
    """A paragraph of export buttons for each language offered (`export_sets`: its code and
    name); the first set's PDF is the primary button."""
    labels = _labels(get_language())
    # The format is the URL's last part: reversed once, the others put in its place.
    pdf = reverse("assessment:export", args=[assessment.uuid, "pdf"]).removesuffix("pdf")
    buttons = [
        (escape(pdf + fmt), labels[fmt])
        for fmt in ("pdf", "xlsx", "scores.csv", "gaps.csv", "actions.csv")
    ]
    paragraphs = []
    for index, (code, name) in enumerate(export_sets):
        code, name = escape(code), escape(name)
        links = []
        for n, (url, label) in enumerate(buttons):
            kind = "btn-outline-primary" if index == 0 and n == 0 else "btn-outline-secondary"
            links.append(
                f'<a class="btn {kind}" hreflang="{code}" href="{url}?lang={code}">'
                f'{label} · <span lang="{code}">{name}</span></a>'
            )
        paragraphs.append(
            '\n<p class="d-flex flex-wrap gap-2 export-set">\n' + "\n".join(links) + "\n</p>"
        )
    return mark_safe("".join(paragraphs))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def export_language_options(
    languages: Iterable[tuple[str, Any]], chosen: str, working: str
) -> SafeString:
    """The exports' language choice: one option each, the chosen one selected, the working
    language's marked."""
    mark = " — " + escape(_("working language"))
    return mark_safe(  # noqa: S308 (every value is escaped)
        "".join(
            f'<option value="{escape(code)}"{" selected" if code == chosen else ""}>'
            f"{escape(name)}{mark if code == working else ''}</option>"
            for code, name in languages
        )
    )


def more_peers(more: int) -> str:
    """Said after the peers a gap names when there are more (`peers.SHOWN`), escaped."""
    return escape(
        ngettext(
            "Nearest first; %(count)s more country is listed in the XLSX and CSV exports.",
            "Nearest first; %(count)s more countries are listed in the XLSX and CSV exports.",
            more,
        )
        % {"count": more}
    )


@register.simple_tag
def pdf_peers(names: Sequence[str]) -> SafeString:
    """A gap's peers for the PDF: the first `peers.SHOWN`, each isolated, and how many more."""
    first, more = shown(names)
    text = escape(join_isolated(first))
    return mark_safe(text + (f'<br><span class="more">{more_peers(more)}</span>' if more else ""))  # noqa: S308


@register.simple_tag
def gap_rows(gaps: Iterable[Gap]) -> SafeString:
    """The gaps table's rows: priority and band, the gap and its kind, the levels, and what
    the report recommends."""
    labels = _labels(get_language())
    cell = {
        key: f'data-label="{labels[key]}"' for key in ("priority", "gap", "levels", "recommends")
    }
    weighted = " · " + labels["weighted"]
    sign = arrow()
    separator = list_separator()  # join_bdi's, written here for the many peers' names
    rows = []
    for gap in gaps:
        band = labels.get(f"band {gap.band}", labels["band low"])
        kind = labels.get(f"kind {gap.kind}", labels[f"kind {GapKind.BUILD}"])
        if gap.domain:
            kind += " · " + escape(gap.domain)
        if gap.foundational:
            kind += weighted
        peers = ""
        if gap.peers:
            names, more = shown(gap.peers)
            peers = (
                f'<br><span class="small">{labels["peers"]} '
                f"{separator.join(f'<bdi>{escape(name)}</bdi>' for name in names)}"
                f"{f'<br>{more_peers(more)}' if more else ''}</span>"
            )
        if gap.kind == GapKind.LAW:
            levels = labels["law levels"]
        else:
            current = "?" if gap.kind == GapKind.FIND_OUT else gap.current
            levels = _transition(current, gap.target, sign)
        recommends = "".join(
            f'<p class="mb-1"><strong>{escape(r.code)}</strong> ({escape(r.actor)}): '
            f'{escape(r.text)} <span class="text-body-secondary">({escape(r.source)})</span></p>'
            for r in gap.recommendations
        )
        rows.append(
            f"<tr>\n"
            f"<td {cell['priority']}>{int(gap.priority)} "
            f'<span class="badge text-bg-light">{band}</span></td>\n'
            f"<td {cell['gap']}><strong>{escape(gap.item)}</strong><br>"
            f'<span class="small text-body-secondary">{kind}</span>\n{peers}</td>\n'
            f'<td class="text-nowrap" {cell["levels"]}>{levels}</td>\n'
            f'<td class="small" {cell["recommends"]}>{recommends or "—"}</td>\n'
            "</tr>\n"
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def change_items(changes: Iterable[Change]) -> SafeString:
    """What improved or fell back since the previous validated cycle, one list item each."""
    labels = _labels(get_language())
    improved, fell_back = labels["improved"], f"<strong>{labels['fell back']}</strong>"
    sign = arrow()
    return mark_safe(  # noqa: S308 (every value is escaped)
        "".join(
            f"<li>{improved if c.improved else fell_back} {escape(c.item)} "
            f"({_transition(c.before, c.after, sign)})</li>"
            for c in changes
        )
    )


@register.simple_tag(takes_context=True)
def action_rows(
    context: template.Context,
    assessment: Assessment,
    actions: Sequence[tuple[Action, bool]],
    may_plan: bool,
) -> SafeString:
    """The action plan's rows (each action with whether it is overdue), and for a team member
    the links and buttons that change each (`_ActionButtons`)."""
    labels = _labels(get_language())
    cell = {key: f'data-label="{labels[key]}"' for key in ("action", "lead", "dates", "status")}
    overdue_flag = f' <span class="flag">{labels["overdue"]}</span>'
    sign = arrow()
    buttons = _ActionButtons(context, assessment, len(actions), labels) if may_plan else None
    rows = []
    for number, (action, overdue) in enumerate(actions, start=1):
        title = escape(action.title)
        recommendations = (
            f' <span class="small text-body-secondary">({join_bdi(action.recommendations)})</span>'
            if action.recommendations
            else ""
        )
        supporting = (
            f'<br><span class="small">{labels["with"]} '
            f"<bdi>{escape(action.supporting_agencies)}</bdi></span>"
            if action.supporting_agencies
            else ""
        )
        start = action.start_date.isoformat() if action.start_date else "—"
        due = action.due_date.isoformat() if action.due_date else "—"
        status = labels.get(f"status {action.status}") or escape(action.status)
        rows.append(
            f'<tr>\n<td data-label="#">{number}</td>\n'
            f'<td {cell["action"]}><strong dir="auto">{title}</strong>'
            f"{recommendations}{supporting}</td>\n"
            f"<td {cell['lead']}><bdi>{escape(action.lead_agency or '—')}</bdi></td>\n"
            f'<td class="text-nowrap small" {cell["dates"]}>'
            f"<bdi>{start}</bdi> {sign} <bdi>{due}</bdi></td>\n"
            f"<td {cell['status']}>{status}{overdue_flag if overdue else ''}</td>\n"
            f"{buttons.cell(number, action, title) if buttons else ''}\n</tr>\n"
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)


class _ActionButtons:
    """A team member's cell of each action's row: edit, move up and down (no button that can
    do nothing: the first cannot go up, the last down), remove (which asks first), each naming
    its action for screen readers. The URLs are reversed once, each row's uuid put in."""

    PLACEHOLDER = "00000000-0000-4000-8000-000000000000"

    def __init__(
        self, context: template.Context, assessment: Assessment, last: int, labels: dict[str, str]
    ) -> None:
        def url(name: str) -> tuple[str, str]:
            # The action's uuid comes last in each URL: split at the last placeholder.
            found = reverse(f"assessment:{name}", args=[assessment.uuid, self.PLACEHOLDER])
            before, _placeholder, after = found.rpartition(self.PLACEHOLDER)
            return escape(before), escape(after)

        self.edit_url, self.move_url, self.delete_url = (
            url("action_edit"),
            url("action_move"),
            url("action_delete"),
        )
        self.csrf = CsrfTokenNode().render(context)
        self.labels = labels
        self.last = last

    def cell(self, number: int, action: Action, title: str) -> str:
        uuid = str(action.uuid)
        hidden = f'<span class="visually-hidden"> {title}</span>'
        move = '<button class="btn btn-outline-secondary btn-sm" name="direction" value="{}" '
        up = (
            f'{move.format("up")}type="submit">{self.labels["up"]}{hidden}</button>'
            if number > 1
            else ""
        )
        down = (
            f'{move.format("down")}type="submit">{self.labels["down"]}{hidden}</button>'
            if number < self.last
            else ""
        )
        return (
            '<td class="text-nowrap">\n'
            f'<a href="{uuid.join(self.edit_url)}">{self.labels["edit"]}{hidden}</a>\n'
            f'<form method="post" action="{uuid.join(self.move_url)}" '
            f'class="d-inline-flex gap-1 action-move">{self.csrf}\n{up}\n{down}</form>\n'
            f'<form method="post" action="{uuid.join(self.delete_url)}" class="d-inline">'
            f'{self.csrf}<button class="btn btn-outline-danger btn-sm" type="submit">'
            f"{self.labels['remove']}{hidden}</button></form>\n</td>"
        )
