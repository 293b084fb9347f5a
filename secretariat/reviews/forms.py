"""Choosing a published review and the geographic filters of its pages; the import form."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from secretariat.forms import FilterForm
from secretariat.models import LegislativeReview

from . import importer as li
from .tables import ReviewFilters


class ReviewChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: LegislativeReview) -> str:
        return str(obj)


class ReviewFilterForm(FilterForm):
    """The matrix's region, sub-region and North/South filters (a review has no cycle or
    status), and the review to read (the most recent one when none is chosen)."""

    review = ReviewChoiceField(
        label=_("Published review"),
        queryset=LegislativeReview.objects.order_by("-year", "source"),
        required=False,
        empty_label=None,
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        del self.fields["cycle"], self.fields["status"]
        self.order_fields(["review", "region", "subregion", "hemisphere"])

    def chosen(self) -> tuple[LegislativeReview | None, ReviewFilters]:
        data = self.cleaned_data
        review = data.get("review") or LegislativeReview.objects.order_by("-year", "-pk").first()
        return review, ReviewFilters(
            region=data.get("region") or None,
            subregion=data.get("subregion") or None,
            hemisphere=data.get("hemisphere") or "",
        )


class EditionsForm(ReviewFilterForm):
    """Two editions to compare; by default the two most recent reviews."""

    before = ReviewChoiceField(
        label=_("Earlier edition"),
        queryset=LegislativeReview.objects.order_by("-year", "source"),
        required=False,
        empty_label=None,
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["review"].label = _("Later edition")
        self.order_fields(["before", "review", "region", "subregion", "hemisphere"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data  # None means: cleaned_data as it is
        before, after = cleaned.get("before"), cleaned.get("review")
        if before and after and before.year >= after.year:
            raise forms.ValidationError(_("The earlier edition must be older than the later one."))
        return cleaned

    def pair(self) -> tuple[LegislativeReview | None, LegislativeReview | None]:
        latest = list(LegislativeReview.objects.order_by("-year", "-pk")[:2])
        after = self.cleaned_data.get("review") or (latest[0] if latest else None)
        before = self.cleaned_data.get("before")
        if before is None and after is not None:
            before = (
                LegislativeReview.objects.filter(year__lt=after.year)
                .order_by("-year", "-pk")
                .first()
            )
        # The selects show the pair compared, so that the heading, the selects and what
        # "Apply" sends agree (issue 24: "Earlier edition" showed the later one).
        shown = dict(self.data.items())
        for name, review in (("before", before), ("review", after)):
            if review is not None:
                shown[name] = str(review.pk)
        self.data = shown
        return before, after


class MapForm(ReviewFilterForm):
    VIEWS = (
        ("review", _("Criteria met in the review")),
        ("shared", _("Self-assessments shared by name")),
    )
    view = forms.ChoiceField(label=_("Show"), choices=VIEWS, required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.order_fields(["view", "review", "region", "subregion", "hemisphere"])


# --- importing a published review (upload.py) ------------------------------------------------

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
