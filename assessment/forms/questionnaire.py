"""The questionnaire's forms, built from the framework rows of the assessment's pinned
version: a capability, the legislation, a comment, an evidence file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.utils import render_crispy_form
from django import forms
from django.forms.fields import InvalidJSONInput
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from frameworks.i18n import lang_attribute
from frameworks.models import Capability, Criterion, Indicator

from ..answering import CriterionInput
from ..models import (
    CapabilityAnswer,
    CriterionAnswer,
    IndicatorAnswer,
)

INDICATOR_PREFIX = "ind_"
CRITERION_PREFIX = "crit_"
CITATION_PREFIX = "cite_"
VERSION_PREFIX = "ver_"
WAS_PREFIX = "was_"
CONFIRM_PREFIX = "confirm_"
MAX_VERSION = 2**31 - 1  # an answer's version is a PositiveIntegerField
# Limits on what users type (issue 12): long enough for any real answer, short enough that a
# pasted megabyte cannot bloat the database and run off the PDF report's page.
MAX_CITATION = 2000
MAX_WAS_LENGTH = 2 * MAX_CITATION + 100  # the JSON of [value, citation]
MAX_ACTION_DESCRIPTION = 5000


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
        # Drawn by `level_choices`, never by its widget (see `indicator_questions`).
        label=_("Maturity level"),
        required=False,
        widget=forms.TextInput,
    )
    version = forms.IntegerField(min_value=0, max_value=MAX_VERSION, widget=forms.HiddenInput)
    share_with_peers = forms.BooleanField(
        label=_("Other countries may ask us to share our experience of this capability"),
        required=False,
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
        cast(forms.ChoiceField, self.fields["response"]).choices = [
            (str(s["level"]), f"{s['level']} — {s['name']}") for s in scale
        ] + [
            (CapabilityAnswer.Response.DONT_KNOW, _("Don't know")),
            (CapabilityAnswer.Response.NOT_APPLICABLE, _("Not applicable in our country")),
        ]
        self.levels = [(str(s["level"]), s["name"], descriptors[i]) for i, s in enumerate(scale)]
        self.indicators = indicators
        for indicator in indicators:
            self.fields[INDICATOR_PREFIX + indicator.code] = forms.ChoiceField(
                label=indicator.text,
                required=False,
                choices=IndicatorAnswer.Value.choices,
                # Drawn by `indicator_questions`, never by its widget: one without choices
                # spares normalizing them a second time for each field (issue 27).
                widget=forms.TextInput,
            )

    def level_choices(self) -> SafeString:
        """The maturity levels as radios, each with its number, name and descriptor, then
        "don't know" and "not applicable". Written here for the reason given below."""
        current = self["response"].value() or ""
        options = [
            (value, f'<span class="level-number">{value}</span> ', name, descriptor)
            for value, name, descriptor in self.levels
        ] + [
            (
                CapabilityAnswer.Response.DONT_KNOW.value,
                "",
                gettext("Don't know"),
                gettext("Counted as level 0 and listed as a data gap until someone finds out."),
            ),
            (
                CapabilityAnswer.Response.NOT_APPLICABLE.value,
                "",
                gettext("Not applicable in our country"),
                gettext("Left out of the domain's score. Say why in the evidence."),
            ),
        ]
        radios = "".join(
            f'<div class="level-option"><input class="form-check-input" type="radio" '
            f'name="response" id="response_{escape(value)}" value="{escape(value)}"'
            f'{" checked" if value == current else ""}> <label for="response_{escape(value)}">'
            f'{number}<strong class="level-name"{lang_attribute(name)}>{escape(name)}</strong> '
            f'<span class="level-descriptor"{lang_attribute(descriptor)}>{escape(descriptor)}'
            "</span></label></div>"
            for value, number, name, descriptor in options
        )
        return mark_safe(f'<div class="level-scale">{radios}</div>')  # noqa: S308 (escaped)

    def indicator_questions(self) -> SafeString:
        """Each indicator as a fieldset of radios. Written here rather than in a template:
        through Django's widget templates, or a template loop over the ~25 radios, they cost
        more than the rest of the page (issue 7). Every text from the data is escaped."""
        # str() first: `escape` of a lazy label stays lazy, translated again at every radio.
        choices = [(escape(str(v)), escape(str(n))) for v, n in IndicatorAnswer.Value.choices]
        parts = []
        for indicator in self.indicators:
            field = self[INDICATOR_PREFIX + indicator.code]
            name, auto_id = escape(field.html_name), escape(field.auto_id)
            current = escape(field.value() or "")
            said = " ".join(str(e) for e in field.errors)
            errors = (
                f'<div class="text-danger" role="alert">{escape(said)}</div>'
                if field.errors
                else ""
            )
            radios = _radios(name, auto_id, current, choices)
            parts.append(
                '<fieldset class="indicator py-2 border-bottom">'
                f'<legend class="fs-6 fw-normal mb-1"{lang_attribute(indicator.text)}>'
                f"{escape(field.label)}</legend>"
                f"{errors}{radios}</fieldset>"
            )
        return mark_safe("\n".join(parts))  # noqa: S308 (every value above is escaped)

    def indicator_values(self) -> dict[Indicator, str]:
        return {i: self.cleaned_data[INDICATOR_PREFIX + i.code] for i in self.indicators}


class WasField(forms.JSONField):
    """The [value, citation] a legislation row was built from: a list of two strings, or
    nothing (no stored answer). Anything else is a forged or broken page, refused."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) > MAX_WAS_LENGTH:
            raise forms.ValidationError(_("This page is out of date; reload it."), code="invalid")
        try:
            was = super().to_python(value)
        except RecursionError:  # deeply nested JSON
            raise forms.ValidationError(
                _("This page is out of date; reload it."), code="invalid"
            ) from None
        if was is None:
            return None
        if not (isinstance(was, list) and len(was) == 2 and all(isinstance(w, str) for w in was)):
            raise forms.ValidationError(_("This page is out of date; reload it."), code="invalid")
        return was

    def bound_data(self, data: Any, initial: Any) -> Any:
        # Re-rendering the page decodes the submitted text again; a forged one must not
        # raise there either (RecursionError) nor be sent back.
        if isinstance(data, str) and len(data) > MAX_WAS_LENGTH:
            return InvalidJSONInput("")
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput("")


def _radios(name: str, auto_id: str, current: str, choices: Sequence[tuple[str, str]]) -> str:
    """One radio per choice, in a line; every argument already escaped."""
    return "".join(
        f'<div class="form-check form-check-inline">'
        f'<input class="form-check-input" type="radio" name="{name}" id="{auto_id}_{n}" '
        f'value="{value}"{" checked" if value == current else ""}> '
        f'<label class="form-check-label" for="{auto_id}_{n}">{label}</label></div>'
        for n, (value, label) in enumerate(choices)
    )


def _hidden_inputs(*fields: forms.BoundField) -> SafeString:
    """Hidden inputs as Django's widget would draw them, written here: through the widget
    templates, the 32 of the legislation page were a third of its time (issue 27)."""
    inputs = []
    for field in fields:
        value = field.field.widget.format_value(field.value())
        shown = "" if value is None else f' value="{escape(value)}"'
        inputs.append(
            f'<input type="hidden" name="{escape(field.html_name)}"{shown}'
            f' id="{escape(field.auto_id)}">'
        )
    return mark_safe("".join(inputs))  # noqa: S308 (every value escaped)


class LegislationForm(ForgedFieldsMixin, forms.Form):
    """All criteria on one page. Each row carries the version and the values it was built
    from, so only rows the user changed are saved and only those can conflict."""

    prefixes = (CRITERION_PREFIX, CITATION_PREFIX, VERSION_PREFIX, WAS_PREFIX, CONFIRM_PREFIX)

    def __init__(self, *args: Any, criteria: list[Criterion], to_confirm: set[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.to_confirm = to_confirm
        self.choices: dict[str, list[tuple[str, Any]]] = {}  # code -> (value, label)
        for c in criteria:
            # Missing means the page knew no stored answer (version 0).
            self.fields[VERSION_PREFIX + c.code] = forms.IntegerField(
                min_value=0, max_value=MAX_VERSION, widget=forms.HiddenInput, required=False
            )
            self.fields[WAS_PREFIX + c.code] = WasField(widget=forms.HiddenInput, required=False)
            if c.code in to_confirm:
                self.fields[CONFIRM_PREFIX + c.code] = forms.BooleanField(
                    label=_("Still true: confirm the answer copied from the previous cycle"),
                    required=False,
                )
            choices = CriterionAnswer.Value.choices
            if not c.scored:
                choices = [
                    (CriterionAnswer.Value.MET, _("Yes")),
                    (CriterionAnswer.Value.NOT_MET, _("No")),
                    (CriterionAnswer.Value.DONT_KNOW, _("Don't know")),
                ]
            self.choices[c.code] = list(choices)
            self.fields[CRITERION_PREFIX + c.code] = forms.ChoiceField(
                # Drawn by `fieldsets`, never by its widget (see `indicator_questions`).
                label=c.question,
                required=False,
                choices=choices,
                widget=forms.TextInput,
            )
            self.fields[CITATION_PREFIX + c.code] = forms.CharField(
                label=_("Statute, article or reference"),
                required=False,
                max_length=MAX_CITATION,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # The hidden fields are not shown next to a row: say it once, above the form.
        hidden = [p + c.code for c in self.criteria for p in (VERSION_PREFIX, WAS_PREFIX)]
        if any(self.has_error(name) for name in hidden):
            raise forms.ValidationError(
                _("This page is out of date or was altered; reload it. Nothing was saved."),
                code="stale_page",
            )
        return cleaned

    def fieldsets(self, may_edit: bool) -> SafeString:
        """Each criterion as a fieldset (its question, guidance, radios, citation and, for an
        answer copied from the previous cycle, the box to confirm it), under a heading for the
        scored five and one for the further questions. Written here rather than in a template,
        as the radios are: a template loop over the 16 rows' fields cost a third of the
        page (issue 27). Every text from the data or the user is escaped."""
        citation_label = escape(gettext("Statute, article or reference"))
        confirm_label = escape(
            gettext("Still true: confirm the answer copied from the previous cycle")
        )
        disabled = "" if may_edit else " disabled"
        parts: list[str] = []
        scored = None
        for c in self.criteria:
            if c.scored != scored:
                scored = c.scored
                parts.append(self._heading(c.scored))
            value = self[CRITERION_PREFIX + c.code]
            name, auto_id = escape(value.html_name), escape(value.auto_id)
            choices = [(escape(str(v)), escape(str(label))) for v, label in self.choices[c.code]]
            numbered = f"{c.order}. {c.name}: " if c.scored else ""
            guidance = f'<p class="form-text mb-1">{escape(c.guidance)}</p>\n' if c.guidance else ""
            errors = (
                f'<div class="text-danger" role="alert">'
                f"{escape(' '.join(str(e) for e in value.errors))}</div>\n"
                if value.errors
                else ""
            )
            citation = self[CITATION_PREFIX + c.code]
            cite_name, cite_id = escape(citation.html_name), escape(citation.auto_id)
            typed = citation.value()
            confirm = ""
            if c.code in self.to_confirm:
                box = self[CONFIRM_PREFIX + c.code]
                box_name, box_id = escape(box.html_name), escape(box.auto_id)
                confirm = (
                    '<div class="form-check mt-2"><input class="form-check-input" '
                    f'type="checkbox" name="{box_name}" id="{box_id}"'
                    f'{" checked" if box.value() else ""}><label class="form-check-label" '
                    f'for="{box_id}">{confirm_label}</label></div>'
                )
            radios = _radios(name, auto_id, escape(value.value() or ""), choices)
            parts.append(
                f'<fieldset class="indicator py-3 border-bottom" id="crit-{escape(c.code)}"'
                f"{disabled}>\n"
                # The legend comes first: HTML allows nothing before it in a fieldset (issue 25).
                f'<legend class="fs-6 fw-semibold mb-1">{escape(numbered)}'
                f"{escape(c.question)}</legend>\n"
                f"{_hidden_inputs(self[VERSION_PREFIX + c.code], self[WAS_PREFIX + c.code])}\n"
                f"{guidance}{errors}{radios}\n"
                f'<div class="mt-2">\n<label class="form-label small" for="{cite_id}">'
                f"{citation_label}</label>\n"
                f'<textarea class="form-control form-control-sm" dir="auto" rows="2" '
                f'name="{cite_name}" id="{cite_id}">\n{escape("" if typed is None else typed)}'
                f"</textarea>\n</div>\n{confirm}</fieldset>"
            )
        return mark_safe("\n".join(parts))  # noqa: S308 (every value above is escaped)

    @staticmethod
    def _heading(scored: bool) -> str:
        # Each text outside the f-strings, where makemessages finds it (inside one it does not,
        # and a catalogue update would drop its translations).
        if scored:
            title = gettext("The five criteria")
            return f'<h2 class="h4 mt-4">{escape(title)}</h2>'
        title = gettext("Further questions (not scored)")
        note = gettext(
            "Gaps in the law that the Global Threat Assessment 2019 names beyond ICMEC's "
            "criteria. They do not change the score."
        )
        return f'<h2 class="h4 mt-4">{escape(title)}</h2>\n<p class="form-text">{escape(note)}</p>'

    def answers(self) -> dict[Criterion, CriterionInput]:
        result = {}
        for c in self.criteria:
            value = self.cleaned_data[CRITERION_PREFIX + c.code]
            citation = self.cleaned_data[CITATION_PREFIX + c.code].strip()
            was = self.cleaned_data[WAS_PREFIX + c.code] or ["", ""]
            confirmed = bool(self.cleaned_data.get(CONFIRM_PREFIX + c.code))
            result[c] = CriterionInput(
                value=value,
                citation=citation,
                version=self.cleaned_data[VERSION_PREFIX + c.code] or 0,
                changed=confirmed or [value, citation] != list(was),
            )
        return result


def legislation_initial(criteria: list[Criterion], answers: dict[str, Any]) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for c in criteria:
        a = answers.get(c.code)
        value, citation = (a.value, a.citation) if a else ("", "")
        initial[CRITERION_PREFIX + c.code] = value
        initial[CITATION_PREFIX + c.code] = citation
        initial[VERSION_PREFIX + c.code] = a.version if a else 0
        initial[WAS_PREFIX + c.code] = [value, citation]
    return initial


def fields_helper(form: forms.BaseForm) -> FormHelper:
    """Crispy renders the fields (labels, required marks, errors and help texts the same on
    every page); the template keeps the <form> tag, its CSRF token and the buttons, whose
    translated labels are written there."""
    helper = FormHelper(form)
    helper.form_tag = False
    helper.disable_csrf = True  # the template's own {% csrf_token %} is the one sent
    return helper


_BLANK_FIELDS: dict[tuple[type[forms.Form], str | None], SafeString] = {}


def blank_fields(form_class: type[forms.Form]) -> SafeString:
    """The fields of a blank `form_class` as crispy draws them (`fields_helper`). A blank form
    is the same HTML on every page in one language, so it is drawn once per process and
    language: crispy's walk through its templates for the capability page's comment and file
    forms cost a fifth of that page's time (issue 27)."""
    key = (form_class, get_language())
    html = _BLANK_FIELDS.get(key)
    if html is None:
        html = _BLANK_FIELDS[key] = mark_safe(render_crispy_form(form_class()))  # noqa: S308
    return html


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Add a comment"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = fields_helper(self)


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("Attach an evidence file"),
        help_text=_("PDF, DOCX, XLSX, ODT, PNG or JPEG."),
        # The picker offers what the upload accepts; the server still checks the content.
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.odt,.png,.jpg,.jpeg"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = fields_helper(self)
