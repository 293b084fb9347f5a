"""Choosing a published review and the geographic filters of its pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import FilterForm
from .models import LegislativeReview
from .reviews import ReviewFilters


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
