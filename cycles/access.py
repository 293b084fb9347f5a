"""Who may run a cycle: secretariat admins open cycles, keep members and focal points, extend
deadlines and build exports; analysts may read the board; country users never see it (403)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _

from assessment.access import is_secretariat_admin, membership_of
from secretariat.access import is_secretariat


def may_run_cycles(request: HttpRequest) -> bool:
    return is_secretariat_admin(membership_of(request.user))


def secretariat_admin_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_secretariat(request):
            raise PermissionDenied(_("These pages are for the alliance secretariat."))
        if not may_run_cycles(request):
            raise PermissionDenied(_("Only a secretariat admin may do this."))
        return view(request, *args, **kwargs)

    return wrapped
