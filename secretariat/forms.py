from __future__ import annotations

from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.models import Assessment, Country

from . import legislation_import as li


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
        cycles = Assessment.objects.values_list("cycle", flat=True).distinct().order_by("-cycle")
        cycle = cast(forms.ChoiceField, self.fields["cycle"])
        cycle.choices = _choices((c, str(c)) for c in cycles)
        from assessment.countries import m49_name

        for field, code, name in (
            ("region", "region_code", "region_name"),
            ("subregion", "subregion_code", "subregion_name"),
        ):
            # order_by(): Country's default ordering (code) would make every row distinct.
            pairs = (
                Country.objects.exclude(**{code: None})
                .values_list(code, name)
                .order_by()
                .distinct()
            )
            named = sorted(((c, m49_name(c, n)) for c, n in pairs), key=lambda p: p[1])
            cast(forms.ChoiceField, self.fields[field]).choices = _choices(named)


class TrendForm(forms.Form):
    since = forms.IntegerField(label=_("From cycle"), min_value=2000, max_value=2100)
    until = forms.IntegerField(label=_("To cycle"), min_value=2000, max_value=2100)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data  # None means: cleaned_data as it is
        if cleaned.get("since") and cleaned.get("until") and cleaned["since"] >= cleaned["until"]:
            raise forms.ValidationError(_("The first cycle must be earlier than the second."))
        return cleaned


# --- published legislative reviews (secretariat.import_views) -------------------------------

MAX_REVIEW_FILE_BYTES = 2 * 1024 * 1024


class LegislationImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        # 300 is li.MAX_ROWS (a lazy translation cannot be formatted here).
        help_text=_(
            "UTF-8 CSV, at most 2 MB and 300 rows, one row per country: a column “country” "
            "(or “iso” or “code”) with an ISO code or English name, and the columns "
            "“legislation”, “definition”, “technology”, “possession” and “isp_reporting” with "
            "yes/no, true/false or 1/0, empty when not known. Other columns are ignored. "
            "Columns may be separated by commas, semicolons or tabs."
        ),
        # The picker offers CSV files; the server still reads and checks the content.
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=li.MAX_SOURCE_LENGTH,
        help_text=_(
            "Who published the review, e.g. ICMEC. The same source and year replaces "
            "an earlier import."
        ),
    )
    year = forms.IntegerField(
        label=_("Year of the edition"),
        min_value=1990,
        max_value=2100,
        help_text=_(
            "Decides the sufficiency rule: editions from 2012 count any four of the "
            "five criteria; earlier editions require the first four."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Rendered by crispy like every other form; the template holds the <form> tag, its
        # CSRF token and the button. Source and year share a row on wide screens.
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "file",
            Row(
                Column("source", css_class="col-md-8"),
                Column("year", css_class="col-md-4"),
                css_class="g-3",
            ),
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_REVIEW_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB."),
                code="too_large",
                params={"mb": MAX_REVIEW_FILE_BYTES // (1024 * 1024)},
            )
        return upload

    def clean_source(self) -> str:
        source = " ".join(self.cleaned_data["source"].split())
        if not source:
            raise forms.ValidationError(_("Name the source of the review."), code="required")
        return source
