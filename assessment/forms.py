"""Questionnaire forms, built from the framework rows of the assessment's pinned version."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from frameworks.models import Capability, Criterion, Indicator

from .models import CapabilityAnswer, CriterionAnswer, IndicatorAnswer

INDICATOR_PREFIX = "ind_"
CRITERION_PREFIX = "crit_"
CITATION_PREFIX = "cite_"


class ForgedFieldsMixin:
    """Refuse a submission that names questions this page does not ask.

    Django forms silently ignore unknown fields; for a questionnaire that would hide a forged
    or stale question id, so the whole submission is refused instead.
    """

    prefixes: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        unknown = sorted(
            key
            for key in self.data  # type: ignore[attr-defined]
            if key.startswith(self.prefixes) and key not in self.fields  # type: ignore[attr-defined]
        )
        if unknown:
            raise forms.ValidationError(
                _("This page does not ask the question(s) %(codes)s. Nothing was saved."),
                code="unknown_question",
                params={"codes": ", ".join(unknown)},
            )
        return cleaned


class CapabilityForm(ForgedFieldsMixin, forms.Form):
    prefixes = (INDICATOR_PREFIX,)

    response = forms.ChoiceField(
        label=_("Maturity level"), required=False, widget=forms.RadioSelect
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What shows this level: laws, plans, reports, figures, with their dates."),
    )

    def __init__(
        self,
        *args: Any,
        capability: Capability,
        indicators: list[Indicator],
        scale: list[dict[str, Any]],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        descriptors = capability.level_descriptors
        self.fields["response"].choices = [
            (str(s["level"]), f"{s['level']} — {s['name']}") for s in scale
        ] + [
            (CapabilityAnswer.Response.DONT_KNOW, _("Don't know")),
            (CapabilityAnswer.Response.NOT_APPLICABLE, _("Not applicable in our country")),
        ]
        self.level_options = [
            {
                "value": str(s["level"]),
                "level": s["level"],
                "name": s["name"],
                "descriptor": descriptors[i],
            }
            for i, s in enumerate(scale)
        ]
        self.indicators = indicators
        for indicator in indicators:
            self.fields[INDICATOR_PREFIX + indicator.code] = forms.ChoiceField(
                label=indicator.text,
                required=False,
                choices=IndicatorAnswer.Value.choices,
                widget=forms.RadioSelect,
            )

    def indicator_fields(self) -> list[forms.BoundField]:
        return [self[INDICATOR_PREFIX + i.code] for i in self.indicators]

    def indicator_values(self) -> dict[Indicator, str]:
        return {i: self.cleaned_data[INDICATOR_PREFIX + i.code] for i in self.indicators}


class LegislationForm(ForgedFieldsMixin, forms.Form):
    prefixes = (CRITERION_PREFIX, CITATION_PREFIX)

    def __init__(self, *args: Any, criteria: list[Criterion], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for c in criteria:
            choices = CriterionAnswer.Value.choices
            if not c.scored:
                choices = [
                    (CriterionAnswer.Value.MET, _("Yes")),
                    (CriterionAnswer.Value.NOT_MET, _("No")),
                    (CriterionAnswer.Value.DONT_KNOW, _("Don't know")),
                ]
            self.fields[CRITERION_PREFIX + c.code] = forms.ChoiceField(
                label=c.question, required=False, choices=choices, widget=forms.RadioSelect
            )
            self.fields[CITATION_PREFIX + c.code] = forms.CharField(
                label=_("Statute, article or reference"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "criterion": c,
                "value": self[CRITERION_PREFIX + c.code],
                "citation": self[CITATION_PREFIX + c.code],
            }
            for c in self.criteria
        ]

    def answers(self) -> dict[Criterion, tuple[str, str]]:
        return {
            c: (
                self.cleaned_data[CRITERION_PREFIX + c.code],
                self.cleaned_data[CITATION_PREFIX + c.code].strip(),
            )
            for c in self.criteria
        }


class StartAssessmentForm(forms.Form):
    cycle = forms.IntegerField(
        label=_("Cycle (year)"),
        min_value=2000,
        max_value=2100,
        help_text=_("The year whose situation this assessment describes."),
    )
