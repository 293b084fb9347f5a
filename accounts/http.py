"""The request a signed-in view receives, as the type checker should see it.

`HttpRequest.user` is typed `User | AnonymousUser`, but behind `login_required` (or
`secretariat_required`) it is always an account; and `request.htmx` is set by django-htmx's
middleware, which the stubs cannot know. Views that sign-in guards annotate their request with
this class (django-stubs' and django-htmx's documented recipe) instead of casting at every use.
"""

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    user: User
