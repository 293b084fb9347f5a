from __future__ import annotations

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from secretariat.access import is_secretariat


class IsSecretariat(BasePermission):
    """The rule of the secretariat pages (secretariat.access.is_secretariat), asked of the
    token's user: analysts and admins; country teams and users without a membership get 403."""

    message = "Only the alliance secretariat may compare countries."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_secretariat(request)
