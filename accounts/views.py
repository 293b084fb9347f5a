"""Setting up and entering the second factor (TOTP)."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from .forms import TokenForm
from .middleware import two_factor_required

DEVICE_NAME = "Authenticator app"


def _safe_next(request: HttpRequest) -> str:
    """The page to return to, if it is one of ours; else ""."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _next_url(request: HttpRequest) -> str:
    return _safe_next(request) or reverse("home")


def _throttled_error(device: TOTPDevice) -> str | None:
    """django-otp slows down guessing: after n wrong codes, the next try waits 2^(n-1) s."""
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (info or {}).get("locked_until")
    seconds = 1
    if locked_until is not None:
        seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
    return ngettext(
        "Too many wrong codes. Wait %(seconds)d second, then enter the code your app shows.",
        "Too many wrong codes. Wait %(seconds)d seconds, then enter the code your app shows.",
        seconds,
    ) % {"seconds": seconds}


def _qr_svg(uri: str) -> str:
    """The set-up URI as a QR code in inline SVG: drawn here, no script, no other origin."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4,
        title=_("QR code of the set-up key"),
        svgclass="qr-code",
        lineclass=None,
        dark="#000",
        light="#fff",
    )
    # segno escapes the title; the rest is numbers and path data it generated itself.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))


@never_cache
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app, or see that it is on."""
    user = request.user
    context: dict[str, object] = {
        "required": two_factor_required(user),
        "next": _safe_next(request),
    }
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if confirmed is not None:
        return render(request, "accounts/two_factor.html", context | {"device": confirmed})

    # One unconfirmed device per user, kept until confirmed, so reloading the page does not
    # change the key the person may already have scanned.
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)

    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        error = _throttled_error(device)
        if error is None:
            with transaction.atomic():
                device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
                if device.verify_token(form.cleaned_data["token"]):
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
                    confirmed = device
            if confirmed is not None:
                otp_login(request, confirmed)
                request.session.cycle_key()
                return HttpResponseRedirect(_next_url(request))
            error = _(
                "That code is not right. Check that the clock of your device is correct, "
                "then enter the code your app shows now."
            )
        form.add_error("token", error)

    secret = b32encode(device.bin_key).decode("ascii")
    return render(
        request,
        "accounts/two_factor.html",
        context
        | {
            "form": form,
            "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "config_url": device.config_url,
            "qr_svg": _qr_svg(device.config_url),
        },
    )


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second sign-in step: a code from the confirmed authenticator app."""
    user = request.user
    if user.is_verified():  # type: ignore[union-attr]
        return HttpResponseRedirect(_next_url(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        return redirect("accounts:two_factor")

    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        error = _throttled_error(device)
        if error is None:
            verified = verify_token(user, device.persistent_id, form.cleaned_data["token"])
            if verified is not None:
                otp_login(request, verified)
                request.session.cycle_key()
                return HttpResponseRedirect(_next_url(request))
            error = _("That code is not right. Enter the code your app shows now.")
        form.add_error("token", error)

    return render(request, "accounts/verify.html", {"form": form, "next": _safe_next(request)})


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The language switcher: Django's set_language (cookie, safe redirect), and for a signed-in
    person the choice remembered on their account, so every device and email uses it."""
    from django.conf import settings
    from django.views.i18n import set_language

    from .people import language_set

    response = set_language(request)
    chosen = request.POST.get("language", "")
    if request.user.is_authenticated and chosen in dict(settings.LANGUAGES):
        language_set(request.user, chosen)
    return response
