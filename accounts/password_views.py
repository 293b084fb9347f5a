"""Changing and resetting a password: Django's own views, with our templates and an audit
record of each change. The reset form answers the same whether or not the address belongs to
an account (Django's behaviour), so it cannot be used to find out who has one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.template import loader
from django.urls import reverse, reverse_lazy
from django.utils import translation

from assessment import audit
from assessment.models import Country, Membership
from config.site import absolute_url
from outbox.mail import email_queue
from outbox.models import OutgoingEmail

from .people import language_of


def _country_of(user: User) -> Country | None:
    """The member's country, so the coordinator sees the event in the team's log; None for
    the secretariat and for users without a membership."""
    membership = Membership.objects.filter(user=user).select_related("country").first()
    return membership.country if membership else None


def record_password_event(user: User, action: str) -> None:
    audit.record(actor=user, action=action, country=_country_of(user), subject=user.get_username())


class PersonalLanguageResetForm(PasswordResetForm):
    """Django's reset form, writing each email in its recipient's own language, with its link
    under SITE_URL (config/site.py; Django's builds it from the request's Host header), and
    queueing it in the outbox (the worker sends it; an SMTP outage delays it, never loses it)."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Nothing in the email's context comes from the request: domain and protocol included.
        site = urlsplit(settings.SITE_URL)
        kwargs |= {"domain_override": site.netloc, "use_https": site.scheme == "https"}
        super().save(*args, **kwargs)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        context["reset_url"] = absolute_url(
            reverse(
                "accounts:password_reset_confirm",
                kwargs={"uidb64": context["uid"], "token": context["token"]},
            )
        )
        user = context.get("user")
        language = language_of(user) or translation.get_language() or settings.LANGUAGE_CODE
        with translation.override(language):
            subject = loader.render_to_string(subject_template_name, context)
            body = loader.render_to_string(email_template_name, context)
        email_queue(
            to=to_email,
            subject=subject,
            body=body,
            kind=OutgoingEmail.Kind.PASSWORD_RESET,
            language=language,
        )


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record_password_event(form.user, "password.changed")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    success_url = reverse_lazy("accounts:password_reset_done")
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    form_class = PersonalLanguageResetForm


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record_password_event(form.user, "password.reset")
        return response
