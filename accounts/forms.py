from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _


class TokenField(forms.CharField):
    """Six digits; the spaces some apps show between groups are ignored."""

    def to_python(self, value: Any) -> str:
        return "".join(str(super().to_python(value)).split())


class TokenForm(forms.Form):
    """One code from an authenticator app, to confirm a new device or to sign in."""

    token = TokenField(
        label=_("Six-digit code from your authenticator app"),
        max_length=12,
        validators=[RegexValidator(r"^\d{6}$", _("Enter the six digits your app shows."))],
        error_messages={"required": _("Enter the six digits your app shows.")},
    )
