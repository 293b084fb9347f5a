from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from assessment import stamp
from assessment.countries import m49_name
from assessment.models import Assessment, Country

from . import comparison as cmp
from . import kept


def _choices(pairs: Any) -> list[tuple[Any, str]]:
    return [("", _("All"))] + [(code, name) for code, name in pairs if code]


class FilterForm(forms.Form):
    cycle = forms.TypedChoiceField(label=_("Cycle"), required=False, coerce=int, empty_value=None)
    region = forms.TypedChoiceField(
        label=_("UN region"), required=False, coerce=int, empty_value=None
    )
    subregion = forms.TypedChoiceField(
        label=_("Sub-region"), required=False, coerce=int, empty_value=None
    )
    hemisphere = forms.ChoiceField(
        label=_("North / South"),
        required=False,
        choices=_choices(Country.Hemisphere.choices),
        # The report's definition names some countries in neither group (issue 23): say where
        # they are, so that a filter on North or South does not leave them out unnoticed.
        help_text=_(
            "The report places some countries in neither group (Norway, Switzerland and the "
            "Pacific island states, for example): choose “Not classified by the report” to see "
            "them."
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=_choices(
            [
                (Assessment.Status.SUBMITTED, Assessment.Status.SUBMITTED.label),
                (Assessment.Status.VALIDATED, Assessment.Status.VALIDATED.label),
            ]
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cycles, regions, subregions = _filter_choices()
        for name, choices in (("cycle", cycles), ("region", regions), ("subregion", subregions)):
            cast(forms.ChoiceField, self.fields[name]).choices = _choices(choices)


Choices = list[tuple[int, str]]
# The cycles, regions and sub-regions to filter by, in the reader's language, kept per process,
# database and language under the write stamp (`assessment.stamp`): cycles come from the
# assessments and regions from the countries, both of which replace it.
_CHOICES: kept.Store[tuple[int, tuple[Choices, Choices, Choices]]] = kept.Store(16)


def _filter_choices() -> tuple[Choices, Choices, Choices]:
    return stamp.read_kept(_CHOICES, get_language(), _read_choices)


def _read_choices(using: str) -> tuple[Choices, Choices, Choices]:
    cycles = Assessment.objects.using(using).values_list("cycle", flat=True)
    # Regions and sub-regions in one query; order_by(): Country's default ordering (code)
    # would make every row distinct.
    rows = list(
        Country.objects.using(using)
        .values_list("region_code", "region_name", "subregion_code", "subregion_name")
        .order_by()
        .distinct()
    )
    regions = dict.fromkeys((c, n) for c, n, _sc, _sn in rows if c is not None)
    subregions = dict.fromkeys((c, n) for _rc, _rn, c, n in rows if c is not None)

    def named(pairs: dict[tuple[int, str], None]) -> Choices:
        return sorted(((c, m49_name(c, n)) for c, n in pairs), key=lambda p: p[1])

    cycle_choices = [(c, str(c)) for c in cycles.distinct().order_by("-cycle")]
    return cycle_choices, named(regions), named(subregions)


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
