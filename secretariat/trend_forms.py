"""The trend page's choice of two cycles: the cycles that exist, the latest two by default."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.models import Assessment

from . import comparison as cmp


def visible_cycles() -> list[int]:
    """Cycles with at least one assessment the secretariat sees, newest first."""
    return list(
        Assessment.objects.filter(status__in=cmp.VISIBLE)
        .values_list("cycle", flat=True)
        .distinct()
        .order_by("-cycle")
    )


class CyclePairForm(forms.Form):
    since = forms.TypedChoiceField(label=_("From cycle"), coerce=int)
    until = forms.TypedChoiceField(label=_("To cycle"), coerce=int)

    def __init__(self, data: Any = None, **kwargs: Any):
        cycles = visible_cycles()
        self.cycles = cycles
        if not (data or {}).get("since") and not (data or {}).get("until") and len(cycles) >= 2:
            # Opens on the latest two cycles rather than empty.
            data = data.copy() if data is not None else {}
            data["since"], data["until"] = str(cycles[1]), str(cycles[0])
        super().__init__(data if data and data.get("since") else None, **kwargs)
        choices = [(c, str(c)) for c in cycles]
        cast(forms.ChoiceField, self.fields["since"]).choices = choices
        cast(forms.ChoiceField, self.fields["until"]).choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data  # None means: cleaned_data as it is
        if cleaned.get("since") and cleaned.get("until") and cleaned["since"] >= cleaned["until"]:
            raise forms.ValidationError(_("The first cycle must be earlier than the second."))
        return cleaned
