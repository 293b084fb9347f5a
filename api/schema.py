"""The OpenAPI schema's error responses (issue 25 §10).

drf-spectacular documents only each operation's 200; a client generated from such a schema
raises on any other status (openapi-python-client's `UnexpectedStatus` on the coordinator's 403).
This AutoSchema adds the errors each operation can answer, with DRF's bodies:

- 401 on every operation (no token or a wrong one: TokenAuthentication sends WWW-Authenticate);
- 403 where a permission beyond "signed in" applies (the secretariat's endpoints);
- 404 where the path names an object, and on paged lists (a page past the end);
- 400 where query parameters are validated (the filters);
- 429 on every operation (throttling), with Retry-After;
- 503 on every operation: the throttle counts' store (Redis) is out of reach.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated

DETAIL = inline_serializer(
    name="Error", fields={"detail": serializers.CharField(help_text="What went wrong, in words.")}
)
# A refused filter: each refused parameter with its messages ({"cycle": ["A valid integer…"]}).
INVALID = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "description": "Each refused query parameter, with its messages.",
}


def _error(description: str, body: Any = DETAIL) -> OpenApiResponse:
    return OpenApiResponse(response=body, description=description)


class AutoSchema(BaseAutoSchema):
    # Added to the bodies rather than to get_response_serializers: @extend_schema(responses=…)
    # replaces that method on the views that use it.
    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        found = self.get_response_serializers()
        errors: dict[int, tuple[str, Any]] = {
            401: (
                english("No token, or an unknown or revoked one (`Authorization: Token <key>`)."),
                DETAIL,
            ),
            429: (english("Too many requests: wait the seconds `Retry-After` gives."), DETAIL),
            503: (english("The service is briefly unavailable; try again later."), DETAIL),
        }
        if any(not isinstance(p, IsAuthenticated) for p in self.view.get_permissions()):
            errors[403] = (
                english("The token's user may not read this (the secretariat only)."),
                DETAIL,
            )
        if "{" in self.path or self._paged(found):
            errors[404] = (
                english("No such object, or the token's user may not read it; or no such page."),
                DETAIL,
            )
        if self._filtered():
            errors[400] = (english("A query parameter is not valid."), INVALID)
        for code, (description, body) in sorted(errors.items()):
            responses.setdefault(
                str(code), self._get_response_for_code(_error(description, body), str(code))
            )
        return responses

    def _paged(self, found: Any) -> bool:
        return getattr(self.view, "pagination_class", None) is not None and self._is_list_view(
            found
        )

    def _filtered(self) -> bool:
        """Query parameters checked by a serializer (the filters), as `extend_schema` names them."""
        return any(
            not isinstance(p, OpenApiParameter) or p.location == OpenApiParameter.QUERY
            for p in self.get_override_parameters()
        )


def english(text: str) -> str:
    # The schema is read by programs and their developers: its texts stay in English (and the
    # name is not `_`, so that makemessages does not offer them to translators).
    return text
