"""The OpenAPI schema documents every error answer an operation can give, in the one error shape
({"errors": [...]}, designer/api/errors.py), so clients and the fuzz tests know them all."""
from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework.permissions import SAFE_METHODS

from .common import ErrorListSerializer

_MEANING = {
    "400": "Malformed request: each error names the field, node, edge, port or parameter it is about.",
    "401": "No credentials, or a token that is not valid.",
    "403": "Your role in the workspace does not allow this (viewers only read), or the CSRF check failed.",
    "404": "No such object among your workspaces' (another workspace's object looks the same).",
    "413": "The request body is larger than the server accepts.",
    "415": "The request body's media type is not one the operation reads.",
}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code in _error_codes(operation, method=self.method):
            if code not in responses:
                response = self._get_response_for_code(ErrorListSerializer, code, ("application/json",))
                responses[code] = {**response, "description": _MEANING[code]}
        return operation


def _error_codes(operation: dict, *, method: str) -> list[str]:
    located = {p.get("in") for p in operation.get("parameters", [])}
    names = {p.get("name") for p in operation.get("parameters", [])}
    has_body = "requestBody" in operation
    # drf-spectacular writes `{}` into `security` when a caller may also come without credentials
    security = operation.get("security") or []
    needs_login = bool(security) and {} not in security
    codes = []
    if has_body or "query" in located:
        codes.append("400")
    if needs_login:
        codes.append("401")
        if method not in SAFE_METHODS:
            codes.append("403")
    if "path" in located or "workspace" in names:
        codes.append("404")
    if has_body:
        codes += ["413", "415"]
    return codes
