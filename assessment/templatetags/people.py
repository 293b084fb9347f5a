from django import template
from django.contrib.auth.models import AbstractBaseUser

register = template.Library()


@register.filter
def person(user: AbstractBaseUser | None) -> str:
    """A user's full name, else username; "—" when the user is unknown or was deleted."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()  # type: ignore[attr-defined]
