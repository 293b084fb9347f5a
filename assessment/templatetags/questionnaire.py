"""Small pieces of questionnaire markup, as filters rather than `{% include %}`: an include per
row cost more than the row itself on the overview page (issue 7)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from assessment.scoring import Progress

register = template.Library()


@register.filter
def status_tag(progress: Progress) -> SafeString:
    """A section's progress as a tag: Not started, In progress, Complete."""
    return format_html('<span class="status-tag {}">{}</span>', progress.css, progress.label)


@register.filter
def level_label(level: int) -> str:
    """ "Level 3": one gettext call, cheaper than a {% blocktranslate %} node in a loop."""
    return _("Level %(level)s") % {"level": level}
