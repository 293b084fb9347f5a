"""Who still owes a second factor, and where a request really comes from."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp import user_has_device

from assessment.access import is_secretariat_admin
from assessment.models import Membership


def two_factor_required(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Secretariat admins and superusers may not work without a second factor."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    try:
        membership = user.membership  # type: ignore[union-attr]
    except Membership.DoesNotExist:
        return False
    return is_secretariat_admin(membership)


def client_ip(request: HttpRequest) -> str | None:
    """The address django-axes counts failed sign-ins against.

    REMOTE_ADDR, unless settings.TRUSTED_PROXY_COUNT says how many reverse proxies of ours
    stand in front of the app: then the entry the outermost of them appended to
    X-Forwarded-For. Entries further left are written by the client and never trusted.
    """
    remote_addr = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote_addr
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < count:
        return remote_addr
    return forwarded[-count]


def is_token_api_request(request: HttpRequest) -> bool:
    """A request to the JSON API carrying a token. The API authenticates by token only and
    ignores the session, so the session's second-factor state says nothing about its caller;
    holding it would answer a JSON client with a redirect to an HTML page. Whether the token
    is valid is the API's to decide (401 if not)."""
    authorization = request.headers.get("Authorization", "")
    return request.path.startswith("/api/") and authorization.startswith("Token ")


class TwoFactorMiddleware:
    """Holds signed-in users at the second-factor step until they have passed it.

    - A user with a confirmed device who has not entered a code in this session may open only
      the verify page (plus sign-out, language switch and static files).
    - A secretariat admin or superuser without a confirmed device may open only the set-up page
      (plus the same exemptions).

    Must come after django_otp's OTPMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.hold(request) or self.get_response(request)

    def hold(self, request: HttpRequest) -> HttpResponse | None:
        if is_token_api_request(request):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():  # type: ignore[union-attr]
            return None
        path = request.path
        if path.startswith(settings.STATIC_URL) or path in (
            reverse("logout"),
            reverse("set_language"),
        ):
            return None

        if user_has_device(user, confirmed=True):
            verify = reverse("accounts:verify")
            if path == verify:
                return None
            return self.redirect(request, verify)

        if two_factor_required(user):
            setup = reverse("accounts:two_factor")
            if path == setup:
                return None
            # The set-up page itself says why (no flash message: repeated background requests
            # would pile copies of it up).
            return self.redirect(request, setup)
        return None

    @staticmethod
    def redirect(request: HttpRequest, to: str) -> HttpResponse:
        if request.method == "GET":
            to = f"{to}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):
            # htmx would follow a redirect in the background and swap the page into a
            # fragment; ask it to load the whole page instead.
            response = HttpResponse()
            response["HX-Redirect"] = to
            return response
        return HttpResponseRedirect(to)
