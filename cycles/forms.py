from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from assessment.forms import fields_helper
from assessment.models import Country
from frameworks.models import FrameworkVersion

from .board import ASSESSMENT_LABELS, SORTS
from .models import AllianceMember, Cycle

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _version_label(version: FrameworkVersion) -> str:
    return f"{version.title} v{version.number}"


def _country_label(country: Country) -> str:
    return str(country.name)


class CycleForm(forms.ModelForm):
    reminder_days_text = forms.CharField(
        label=_("Reminders, days before the deadline"),
        initial="14, 7, 1",
        max_length=60,
        required=False,
        help_text=_("Whole numbers separated by commas, e.g. 14, 7, 1. Once overdue: weekly."),
    )

    class Meta:
        model = Cycle
        fields = [
            "year",
            "opens_on",
            "deadline",
            "mnr_version",
            "legislation_version",
            "recommendations_version",
            "message",
        ]
        widgets = {
            "opens_on": DATE,
            "deadline": DATE,
            "message": forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, kind in (
            ("mnr_version", "mnr"),
            ("legislation_version", "legislation"),
            ("recommendations_version", "recommendations"),
        ):
            field = cast(forms.ModelChoiceField, self.fields[name])
            field.queryset = FrameworkVersion.objects.filter(framework__kind=kind).select_related(
                "framework"
            )
            field.label_from_instance = _version_label  # type: ignore[method-assign,assignment]
            latest = FrameworkVersion.objects.latest_of_kind(kind)
            if latest is not None and not self.is_bound:
                field.initial = latest.pk
        self.fields["year"].widget.attrs.update(min=2000, max=2100)
        self.helper = fields_helper(self)

    def clean_reminder_days_text(self) -> list[int]:
        raw = self.cleaned_data["reminder_days_text"]
        try:
            days = sorted({int(p) for p in raw.replace(";", ",").split(",") if p.strip()})
        except ValueError:
            raise forms.ValidationError(_("Write whole numbers separated by commas.")) from None
        if any(d < 1 or d > 365 for d in days) or len(days) > 10:
            raise forms.ValidationError(_("Up to ten numbers of days, each from 1 to 365."))
        return sorted(days, reverse=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, deadline = data.get("opens_on"), data.get("deadline")
        if opens and deadline and deadline < opens:
            self.add_error("deadline", _("The deadline must be on or after the opening date."))
        return data

    def save(self, commit: bool = True) -> Cycle:
        self.instance.reminder_days = self.cleaned_data["reminder_days_text"]
        return super().save(commit)


class MemberForm(forms.Form):
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.none())
    member_since = forms.DateField(label=_("Member since"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = AllianceMember.objects.current().values_list("country", flat=True)
        field = cast(forms.ModelChoiceField, self.fields["country"])
        field.queryset = Country.objects.exclude(pk__in=members)
        field.label_from_instance = _country_label  # type: ignore[method-assign,assignment]
        self.helper = fields_helper(self)


class FocalPointForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=150, widget=forms.TextInput(attrs={"dir": "auto"})
    )
    email = forms.EmailField(label=_("Email address"), max_length=254)
    language = forms.ChoiceField(label=_("Language of their emails"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = fields_helper(self)


class ExtensionForm(forms.Form):
    deadline = forms.DateField(label=_("New deadline"), widget=DATE)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"})
    )

    def __init__(self, *args: Any, cycle: Cycle, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cycle = cycle
        self.helper = fields_helper(self)

    def clean_deadline(self) -> Any:
        deadline = self.cleaned_data["deadline"]
        if deadline < self.cycle.opens_on:
            raise forms.ValidationError(_("The deadline must be on or after the opening date."))
        return deadline


class BoardFilterForm(forms.Form):
    region = forms.TypedChoiceField(
        label=_("UN region"), required=False, coerce=int, empty_value=None
    )
    hemisphere = forms.ChoiceField(
        label=_("North / South"),
        required=False,
        choices=[("", _("All")), *Country.Hemisphere.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *ASSESSMENT_LABELS.items(), ("overdue", _("Overdue"))],
    )

    def __init__(
        self, *args: Any, regions: list[tuple[int, str]] | None = None, **kwargs: Any
    ) -> None:
        """`regions`: (code, name) of the members' UN regions if already read (the board's
        page reads them with the members, board.members_read); else one query here."""
        super().__init__(*args, **kwargs)
        if regions is None:
            regions = self._regions()
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", _("All")), *regions]

    @staticmethod
    def _regions() -> list[tuple[int, str]]:
        from assessment.countries import m49_name

        pairs = (
            Country.objects.filter(alliance__left_on__isnull=True, alliance__isnull=False)
            .exclude(region_code=None)
            .values_list("region_code", "region_name")
            .order_by()
            .distinct()
        )
        named = [(c, m49_name(c, n)) for c, n in pairs if c is not None]  # None: for mypy
        return sorted(named, key=lambda p: p[1])


def sort_of(params: Any) -> tuple[str, bool]:
    sort = params.get("sort", "")
    return (sort if sort in SORTS else "country"), params.get("dir") == "desc"
