"""One error shape for every API failure: {"errors": [{"code", "message", ...pointer fields}]}."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from designer.services import ServiceError
from engine.compiler import CompileError


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "the request body is too large"
    default_code = "too_large"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, CompileError):
        return Response({"errors": list(exc.errors)}, status=400)
    if isinstance(exc, ServiceError):
        return Response({"errors": [exc.as_json()]}, status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE, = REQUEST_BODY_MAX_BYTES
        exc = PayloadTooLarge(f"the request body is larger than the limit of {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} "
                              "bytes, set by REQUEST_BODY_MAX_BYTES")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = {"errors": flatten(exc.detail) if isinstance(exc, exceptions.APIException) else []}
    return response


def flatten(detail: Any, field: str | None = None) -> list[dict[str, Any]]:
    """DRF's nested error detail as a flat list, each entry naming the field it is about."""
    if isinstance(detail, dict):
        out: list[dict[str, Any]] = []
        for key, value in detail.items():
            if field is None and key in ("non_field_errors", "detail"):
                out += flatten(value, None)
            else:
                out += flatten(value, str(key) if field is None else f"{field}.{key}")
        return out
    if isinstance(detail, list):
        out = []
        for i, item in enumerate(detail):
            nested = isinstance(item, (dict, list))
            out += flatten(item, (f"{field}.{i}" if field else str(i)) if nested else field)
        return out
    message = str(detail)
    entry: dict[str, Any] = {"code": getattr(detail, "code", None) or "invalid",
                             "message": f"{field}: {message}" if field else message}
    if field is not None:
        entry["field"] = field
    return [entry]
