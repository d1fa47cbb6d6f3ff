"""The OpenAPI schema lists every answer an operation can give.

drf-spectacular documents the success answer of each operation; this AutoSchema adds
the error answers that the project's exception handler (core/api.py) produces, in
its one format `{"detail": ..., "errors": {...}}`, wherever they can occur: 400 for
input (a body, query parameters or a page number), 401/403 for authentication and
permission, 404 for an object named in the path or the body or a page past the end,
429 for throttles.
An operation's own `@extend_schema(responses=...)` entry for a code wins.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(required=False, child=serializers.JSONField())
    code = serializers.CharField(required=False)


_DESCRIPTIONS = {
    "400": _("Invalid input"),
    "401": _("Not signed in"),
    "403": _("Not allowed"),
    "404": _("Not found"),
    "429": _("Too many requests"),
}


class AutoSchema(openapi.AutoSchema):
    def _error_codes(self) -> list[str]:
        codes = []
        view = self.view
        takes_input = self.method in ("POST", "PUT", "PATCH") or (
            self._is_list_view() and self._get_paginator() is not None
        )
        if takes_input or self.get_filter_backends() or self.get_override_parameters():
            codes.append("400")
        permissions = getattr(view, "permission_classes", [])
        if not all(permission is AllowAny for permission in permissions):
            codes += ["401", "403"]
        # 404: an object named in the path or the body (a unit, a candidate) that does
        # not exist or is out of the user's scope (one answer for both), or a page
        # past the end of a list.
        if (
            "{" in self.path
            or self.method in ("POST", "PUT", "PATCH")
            or (self._is_list_view() and self._get_paginator() is not None)
        ):
            codes.append("404")
        if view.get_throttles():
            codes.append("429")
        return codes

    def map_parsers(self):
        """Document one request encoding: JSON where the view reads JSON (form
        encodings cannot carry null, numbers or booleans as the schema types them, so
        a schema-valid form could be refused), multipart for uploads. The form parsers
        stay enabled for clients that use them."""
        media_types = super().map_parsers()
        for preferred in ("application/json", "multipart/form-data"):
            if preferred in media_types:
                return [preferred]
        return media_types

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(response=ErrorSerializer, description=_DESCRIPTIONS[code]),
                    code,
                    direction=direction,
                )
        return responses
