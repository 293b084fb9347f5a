from django import template
from django.contrib.auth.models import User

from accounts.people import display_name

register = template.Library()


@register.filter
def person(user: User | None) -> str:
    """A user's display name, else full name, else username; "—" when the user is unknown or
    was deleted. Returned as plain text, so the template escapes it."""
    if user is None:
        return "—"
    return display_name(user)
