"""Secretariat pages are for secretariat staff only; country users get 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from assessment.access import membership_of


def is_secretariat(request: HttpRequest) -> bool:
    m = membership_of(request.user)
    return m is not None and m.is_secretariat


def secretariat_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_secretariat(request):
            raise PermissionDenied(_("These pages are for the alliance secretariat."))
        return view(request, *args, **kwargs)

    return wrapped
