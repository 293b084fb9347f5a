"""The action plan's forms: an action, a target level."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from crispy_forms.utils import render_crispy_form
from django import forms
from django.core.validators import MinValueValidator
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from frameworks.models import Capability, Criterion

from ..models import (
    Action,
    Assessment,
)
from ..plan import ACTION_FIELDS
from .questionnaire import MAX_ACTION_DESCRIPTION, fields_helper


class ActionForm(forms.ModelForm):
    # Declared here: the model's TextField has no limit, and a ModelForm field's max_length
    # set after __init__ would not add a validator.
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=MAX_ACTION_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    recommendations = forms.MultipleChoiceField(
        label=_("Recommendations it answers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Action
        fields = list(ACTION_FIELDS)  # the same fields the change log records
        labels = {
            "title": _("Action"),
            "description": _("Description"),
            "capability": _("Capability"),
            "criterion": _("Legislative criterion"),
            "lead_agency": _("Lead agency"),
            "supporting_agencies": _("Supporting agencies"),
            "start_date": _("Start date"),
            "due_date": _("Due date"),
            "status": _("Status"),
            "priority": _("Priority (1 = first)"),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, assessment: Assessment, **kwargs: Any):
        super().__init__(*args, **kwargs)
        from frameworks.models import Capability, Recommendation

        capability = cast(forms.ModelChoiceField, self.fields["capability"])
        capability.queryset = Capability.objects.filter(version=assessment.mnr_version)
        criterion = cast(forms.ModelChoiceField, self.fields["criterion"])
        criterion.queryset = Criterion.objects.filter(
            version=assessment.legislation_version, scored=True
        )
        # The recommendation's words, grouped by the actor it is addressed to (issue 16): a
        # code and an actor alone do not say what the action answers.
        groups: dict[str, list[tuple[str, str]]] = {}
        for r in Recommendation.objects.filter(version=assessment.recommendations_version):
            groups.setdefault(r.actor, []).append((r.code, f"{r.code}: {r.text}"))
        cast(forms.ChoiceField, self.fields["recommendations"]).choices = list(groups.items())
        # Setting min_value after __init__ changes nothing; the validator does the refusing.
        priority = cast(forms.IntegerField, self.fields["priority"])
        priority.min_value = 1
        priority.validators.append(MinValueValidator(1))
        priority.widget.attrs["min"] = 1
        # What people type keeps its own direction (an Arabic title in an English page).
        for name in ("title", "description", "lead_agency", "supporting_agencies"):
            self.fields[name].widget.attrs["dir"] = "auto"
        # Rendered by crispy (labels, required marks, errors as every other form); the
        # recommendations keep one fieldset per actor, which crispy's own template lacks.
        self.helper = FormHelper(self)
        self.helper.form_tag = False  # the template holds the form, its buttons and CSRF
        self.helper.layout = Layout(
            *(
                Field(name, template="assessment/crispy/recommendations.html")
                if name == "recommendations"
                else name
                for name in self.fields
            )
        )
        for name, field in self.fields.items():
            if name != "recommendations":
                css = (
                    "form-select"
                    if name in ("capability", "criterion", "status")
                    else ("form-control")
                )
                field.widget.attrs.setdefault("class", css)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data  # None means: cleaned_data as it is
        start, due = cleaned.get("start_date"), cleaned.get("due_date")
        if start and due and due < start:
            self.add_error("due_date", _("The due date must be on or after the start date."))
        if cleaned.get("capability") and cleaned.get("criterion"):
            self.add_error(
                "criterion", _("Link the action to a capability or to a criterion, not both.")
            )
        return cleaned


class TargetForm(forms.Form):
    """Raise one capability's target. The level is offered from the default up to the top of
    the scale; plan.target_set still checks the range and asks for a reason above the
    default (a forged level gets its message there)."""

    capability = forms.ChoiceField(label=_("Capability"))
    level = forms.IntegerField(label=_("Target level"), min_value=0, max_value=10)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        help_text=_("Needed when the target is above the default."),
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )

    def __init__(
        self,
        *args: Any,
        capabilities: Sequence[Capability],
        levels: Sequence[int],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "target-%s")
        super().__init__(*args, **kwargs)
        capability = cast(forms.ChoiceField, self.fields["capability"])
        capability.choices = capability_choices(capabilities)
        self.fields["level"].widget = forms.Select(choices=[(n, str(n)) for n in levels])
        self.helper = fields_helper(self)
        self.helper.layout = Layout(
            Row(
                Column("capability", css_class="col-md-5"),
                Column("level", css_class="col-md-2"),
                Column("reason", css_class="col-md-5"),
            )
        )


def capability_choices(capabilities: Sequence[Capability]) -> list[tuple[str, str]]:
    return [(c.code, f"{c.number}. {c.name}") for c in capabilities]


_BlankKey = tuple[str | None, tuple[tuple[str, str], ...], tuple[int, ...]]
_BLANK_TARGET_FIELDS: dict[_BlankKey, SafeString] = {}


def blank_target_fields(capabilities: Sequence[Capability], levels: Sequence[int]) -> SafeString:
    """The blank `TargetForm`'s fields as crispy draws them, drawn once per process and key:
    crispy's walk through its templates for the form's two selects was a tenth of the plan
    page (issue 27). The key is everything a blank form is drawn from: the active language
    (labels, help text), the capability choices (codes, numbers and names as read in that
    language: another framework version or a renamed capability is another key) and the
    levels offered. A blank form shows nothing else, so nothing else invalidates it; a bound
    form (a refused target, with its errors) is drawn each time."""
    key = (get_language(), tuple(capability_choices(capabilities)), tuple(levels))
    html = _BLANK_TARGET_FIELDS.get(key)
    if html is None:
        form = TargetForm(capabilities=capabilities, levels=levels)
        html = _BLANK_TARGET_FIELDS[key] = mark_safe(render_crispy_form(form))  # noqa: S308
    return html
