"""Small pieces of questionnaire markup, as filters rather than `{% include %}` or template
loops: an include per row, or a loop's conditions per row, cost more than the rest of the
overview page (issue 7)."""

import functools
from collections.abc import Iterable

from django import template
from django.template.defaultfilters import date
from django.urls import reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assessment.audit import HistoryLine
from assessment.rounding import number
from assessment.scoring import CapabilityScore, Progress, State

register = template.Library()


@register.filter
def status_tag(progress: Progress) -> SafeString:
    """A section's progress as a tag: Not started, In progress, Complete."""
    return format_html('<span class="status-tag {}">{}</span>', progress.css, progress.label)


@register.filter
def level_label(level: int) -> str:
    """ "Level 3": one gettext call, cheaper than a {% blocktranslate %} node in a loop."""
    return _("Level %(level)s") % {"level": level}


def copied_label(cycle: int | None) -> str:
    """ "Copied from 2024 — to confirm": an answer copied from the previous cycle, which
    counts only once someone confirms it."""
    if cycle is None:
        return _("Copied from the previous cycle — to confirm")
    return _("Copied from %(cycle)s — to confirm") % {"cycle": cycle}


def _confirm_form(context: template.Context, section: str, c: CapabilityScore) -> str:
    """A button confirming one copied answer as it is, where the reader sees it."""
    url = reverse("assessment:section_confirm", args=[context["assessment"].uuid, section])
    return format_html(
        '<form method="post" action="{}" class="d-inline confirm-one">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="code" value="{}">'
        '<button class="btn btn-sm btn-outline-primary" type="submit">{}'
        '<span class="visually-hidden"> {}. {}</span></button></form>',
        url,
        context.get("csrf_token", ""),
        c.code,
        _("Confirm as it is"),
        c.number,
        c.name,
    )


MAX_BADGE_LEVEL = 9  # levels are 0-4 in the MNR; a framework file may define a few more


@functools.lru_cache(maxsize=16)
def _task_labels(language: str | None) -> dict[object, str]:
    """The task list's fixed pieces in one language, drawn once per process (six domains a
    page each drew them anew): the states, "needs review" and each level's badge."""
    labels: dict[object, str] = {
        State.NOT_ANSWERED: format_html(
            '<span class="text-body-secondary">{}</span>', _("Not answered")
        ),
        State.DONT_KNOW: format_html('<span class="flag">{}</span>', _("Don't know")),
        State.NOT_APPLICABLE: escape(_("Not applicable")),
        "needs review": format_html(' <span class="flag">{}</span>', _("Needs review")),
    }
    for level in range(MAX_BADGE_LEVEL + 1):
        labels[level] = (
            f'<span class="level-badge level-{level}">{escape(level_label(level))}</span>'
        )
    return labels


@register.simple_tag(takes_context=True)
def capability_tasks(
    context: template.Context, capabilities: Iterable[CapabilityScore], section: str = ""
) -> SafeString:
    """One domain's capabilities as task list items: a link to each (relative to the
    overview's URL, `assessments/<uuid>/`), then its level or state, and whether it needs
    review. An answer copied from the previous cycle says so, with a button to confirm it
    when the reader may edit the section (issue 24: it read "Not answered")."""
    labels = _task_labels(get_language())
    to_confirm = context.get("to_confirm_codes") or frozenset()
    may_confirm = section in (context.get("editable") or ())
    needs_review = labels["needs review"]
    items = []
    for c in capabilities:
        if not c.answered and c.code in to_confirm:
            state = format_html(
                '<span class="status-tag in-progress">{}</span>',
                copied_label(getattr(context.get("progress"), "copied_from", None)),
            ) + (" " + _confirm_form(context, section, c) if may_confirm else "")
        else:
            state = (
                labels.get(c.state)
                or labels.get(c.level)
                or (
                    f'<span class="level-badge level-{int(c.level)}">'
                    f"{escape(level_label(c.level))}</span>"
                )
            )
        items.append(
            '<li class="d-flex justify-content-between flex-wrap column-gap-3 py-1 border-bottom">'
            f'<a href="capability/{escape(c.code)}/">{int(c.number)}. {escape(c.name)}</a>'
            f"<span>{state}{needs_review if c.flags else ''}</span></li>"
        )
    return mark_safe("\n".join(items))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def capability_score_rows(capabilities: Iterable[CapabilityScore], max_level: int) -> SafeString:
    """The results table's row for each capability of a domain: its level, percent and state
    (21 rows of a dozen template nodes each were a third of the results page)."""
    level, percent, state = escape(_("Level")), escape(_("Percent")), escape(_("State"))
    states = {
        State.DONT_KNOW: escape(_("Don't know (counted as 0)")),
        State.NOT_APPLICABLE: escape(_("Not applicable")),
        State.NOT_ANSWERED: escape(_("Not answered")),
    }
    answered = escape(_("Answered"))
    rows = []
    for c in capabilities:
        counted = c.counts
        rows.append(
            f'<tr><th scope="row" class="fw-normal ps-4">{int(c.number)}. {escape(c.name)}</th>'
            f'<td data-label="{level}">{int(c.level) if counted else "—"}</td>'
            f'<td data-label="{percent}">'
            f"{number(c.level / max_level * 100, 0) + '%' if counted else '—'}</td>"
            f'<td data-label="{state}">{states.get(c.state, answered)}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value above is escaped)


@register.filter
def count_for(counts: dict[str, int], key: str) -> int:
    """`counts[key]`, 0 when missing (template lookups cannot index by a variable)."""
    return counts.get(key, 0) if counts else 0


register.filter("copied_label", copied_label)


_MACHINE_TIME = "Y-m-d\\TH:i:sO"  # as a <time> element's datetime wants it


@register.simple_tag
def history_lines(lines: Iterable[HistoryLine]) -> SafeString:
    """A history's lines (when, who, what, and how many saves a line stands for), as
    `_history_lines.html` wrote them in a loop of two date filters and a translation per line
    (0.8 ms of a capability page, issue 27). The dates are the `date` filter's own, in the
    current time zone as a template shows them; who and what are escaped."""
    items = []
    for e in lines:
        at = localtime(e.at)
        saves = (
            ' <span class="text-body-secondary">' + _("(%(n)s saves)") % {"n": e.count} + "</span>"
            if e.count > 1
            else ""
        )
        items.append(
            f'<li class="border-bottom py-1"><time datetime="{date(at, _MACHINE_TIME)}">'
            f"{date(at, 'j M Y H:i')}</time> — {conditional_escape(e.who)} — "
            f"{conditional_escape(e.what)}{saves}</li>"
        )
    return mark_safe(  # noqa: S308 (every value is escaped)
        '<ol class="list-unstyled small history-lines">' + "".join(items) + "</ol>"
    )
