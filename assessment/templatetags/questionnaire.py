"""Small pieces of questionnaire markup, as filters rather than `{% include %}` or template
loops: an include per row, or a loop's conditions per row, cost more than the rest of the
overview page (issue 7)."""

from collections.abc import Iterable

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

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


@register.filter
def capability_tasks(capabilities: Iterable[CapabilityScore]) -> SafeString:
    """One domain's capabilities as task list items: a link to each (relative to the
    overview's URL, `assessments/<uuid>/`), then its level or state, and whether it needs
    review."""
    states = {
        State.NOT_ANSWERED: format_html(
            '<span class="text-body-secondary">{}</span>', _("Not answered")
        ),
        State.DONT_KNOW: format_html('<span class="flag">{}</span>', _("Don't know")),
        State.NOT_APPLICABLE: escape(_("Not applicable")),
    }
    needs_review = format_html(' <span class="flag">{}</span>', _("Needs review"))
    items = []
    for c in capabilities:
        state = states.get(c.state) or (
            f'<span class="level-badge level-{int(c.level)}">{escape(level_label(c.level))}</span>'
        )
        items.append(
            '<li class="d-flex justify-content-between gap-3 py-1 border-bottom">'
            f'<a href="capability/{escape(c.code)}/">{int(c.number)}. {escape(c.name)}</a>'
            f"<span>{state}{needs_review if c.flags else ''}</span></li>"
        )
    return mark_safe("\n".join(items))  # noqa: S308 (every value above is escaped)


@register.filter
def count_for(counts: dict[str, int], key: str) -> int:
    """`counts[key]`, 0 when missing (template lookups cannot index by a variable)."""
    return counts.get(key, 0) if counts else 0
