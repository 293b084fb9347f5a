"""Starting, submitting, reviewing and waiving; the team's invitations and assignments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.layout import Layout
from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from accounts.people import display_name, validate_display_name, validate_username

from ..models import (
    Assessment,
    Country,
    Membership,
)
from .questionnaire import fields_helper


class StartAssessmentForm(forms.Form):
    cycle = forms.IntegerField(
        label=_("Cycle (year)"),
        min_value=2000,
        max_value=2100,
        help_text=_("The year whose situation this assessment describes."),
    )
    language = forms.ChoiceField(
        label=_("Working language"),
        choices=settings.LANGUAGES,
        required=False,  # left out: the language of the person starting it
        help_text=_(
            "The language of its PDF, spreadsheet and CSV exports. Everyone still reads the pages "
            "in their own language; the coordinator can change this later."
        ),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Working language"), choices=settings.LANGUAGES)


class SubmitForm(forms.Form):
    sharing = forms.ChoiceField(
        label=_("How may the secretariat use these results?"),
        choices=Assessment.Sharing.choices,
        widget=forms.RadioSelect,
    )


class WaiverForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this section not assessed?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("validate", _("Validate")), ("return", _("Return to the country"))]
    )
    comment = forms.CharField(
        label=_("Comments to the country"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices[:2], initial=Membership.Role.CONTRIBUTOR
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = fields_helper(self)


class AcceptInvitationForm(forms.Form):
    """The invitee chooses how they sign in (username, password) and how others see them
    (display name). `country` is the invitation's: usernames that look like a team member's
    are refused."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("For signing in. Letters, digits and . - _ @ + only."),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    display_name = forms.CharField(
        label=_("Your name as colleagues will see it"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name", "dir": "auto"}),
    )
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, country: Country | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.country = country
        self.helper = fields_helper(self)

    def clean_username(self) -> str:
        return validate_username(self.cleaned_data["username"], self.country)

    def clean_display_name(self) -> str:
        return validate_display_name(self.cleaned_data["display_name"])

    def clean(self) -> dict[str, Any]:
        from django.contrib.auth import get_user_model, password_validation

        cleaned = super().clean() or self.cleaned_data  # None means: cleaned_data as it is
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            # The validators compare the password with the chosen names too.
            candidate = get_user_model()(
                username=cleaned.get("username", ""), first_name=cleaned.get("display_name", "")
            )
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class AssignmentForm(forms.Form):
    """One contributor's sections; the page shows one such form per contributor, its legend
    the contributor's name (escaped like every label). `user` comes back as the User."""

    user = forms.TypedChoiceField(widget=forms.HiddenInput)
    sections = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(
        self,
        *args: Any,
        contributors: Sequence[User],
        sections: Sequence[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        by_id = {str(u.pk): u for u in contributors}
        user = cast(forms.TypedChoiceField, self.fields["user"])
        user.choices = [(pk, pk) for pk in by_id]
        user.coerce = by_id.__getitem__
        chosen = cast(forms.MultipleChoiceField, self.fields["sections"])
        chosen.choices = list(sections)
        member = by_id.get(str(self.initial.get("user")))
        if member is not None:
            chosen.label = display_name(member)
        self.helper = fields_helper(self)
        self.helper.layout = Layout("user", InlineCheckboxes("sections"))
