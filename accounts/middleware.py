"""Who still owes a second factor, where a request really comes from, how many failed sign-ins
an address may make, and that browsers keep no copy of what the app answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django_otp import user_has_device

from assessment.access import is_secretariat_admin
from assessment.models import Membership


def two_factor_required(user: User | AnonymousUser) -> bool:
    """Secretariat admins and superusers may not work without a second factor."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    try:
        membership = user.membership
    except Membership.DoesNotExist:
        return False
    return is_secretariat_admin(membership)


# Usernames are at most 150 characters (Django's user model); axes stores the one typed in a
# column of 255, which PostgreSQL enforces: a 1 MB "username" must not become a 500.
USERNAME_MAX_LENGTH = 150


def client_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The username a sign-in attempt is counted under (axes' AXES_USERNAME_CALLABLE): the one
    typed, cut to the longest a username can be."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")  # axes' default
    source = credentials if credentials else getattr(request, "data", request.POST)
    typed = source.get(field) if source else None
    return None if typed is None else str(typed)[:USERNAME_MAX_LENGTH]


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


def address_failures(request: HttpRequest) -> int:
    """Failed sign-ins from the request's address within the cool-off time, whatever the
    username (django-axes keeps one row per username, address and browser)."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=address)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class AddressLimitedAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler plus a second, higher limit per address across usernames.

    Axes itself has one AXES_FAILURE_LIMIT for all its lockout parameter sets, and adding
    "ip_address" to AXES_LOCKOUT_PARAMETERS would also make a successful sign-in from an
    address wipe every count of that address (AXES_RESET_ON_SUCCESS deletes the attempts of
    each set), so anyone with one valid account could unlock the others. Here the
    username + address pair keeps axes' own count and reset, and the address as a whole is
    locked once AXES_IP_FAILURE_LIMIT failures from it (any usernames) fall in the cool-off.
    """

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        return super().is_locked(request, credentials) or self.address_locked(request)

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if self.is_whitelisted(request, credentials) or not self.address_locked(request):
            return
        # As axes does when the pair reaches its limit: AxesMiddleware then answers with the
        # lockout page.
        request.axes_locked_out = True  # type: ignore[attr-defined]
        request.axes_credentials = credentials  # type: ignore[attr-defined]
        user_locked_out.send(
            "axes",
            request=request,
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        )

    @staticmethod
    def address_locked(request: HttpRequest) -> bool:
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        return address_failures(request) >= settings.AXES_IP_FAILURE_LIMIT


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
        # is_verified() is bound onto the user by django_otp's OTPMiddleware, which no stub knows.
        if not user.is_authenticated or user.is_verified():  # type: ignore[attr-defined]
            return None
        path = request.path
        if path.startswith(settings.STATIC_URL) or path in (
            reverse("logout"),
            reverse("set_language"),
            reverse("accounts:language"),
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


class NoStoreMiddleware:
    """Tells the browser (and any proxy) to keep no copy of anything the app answers.

    Country answers, exports, evidence files and API data sit behind sign-in, and the sign-in,
    two-factor and invitation pages hold CSRF tokens, codes and addresses: on a shared computer
    a copy in the browser's cache (or its back button) outlives the sign-out. Nothing the app
    serves is public and worth caching, so this covers every response rather than guessing
    which ones are private. Static files never get here (WhiteNoise answers them first, with
    its own long-lived caching); /health/ keeps the headers its view sets.

    Comes right after WhiteNoiseMiddleware, so that the responses of the middleware further in
    (two-factor redirects, the lockout page, CSRF failures) are covered too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is None or match.view_name != "health":
            # Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private.
            add_never_cache_headers(response)
        return response


class PersonalLanguageMiddleware:
    """After sign-in, the interface speaks the language the person chose (remembered on their
    account by the switcher, accounts.views.language), whatever the browser asks for. Must come
    after LocaleMiddleware and AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from .people import language_of

        chosen = language_of(getattr(request, "user", None))
        if chosen and chosen != getattr(request, "LANGUAGE_CODE", ""):
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)
