"""NUL characters in a request's URL, credentials or cookies are refused (or dropped) before any view
or database lookup sees them: PostgreSQL cannot compare text holding one (a 500), and no name, id,
token or session key of ours contains one."""
from __future__ import annotations

from typing import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

NUL = "\x00"


def _refusal(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": [{"code": code, "message": message}]}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path:
            # no object or endpoint has such a name: the answer a missing one gets
            return _refusal(request, 404, "not_found", "no such endpoint or object (the URL holds a NUL character)")
        if any(NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()):
            return _refusal(request, 400, "invalid", "a query parameter holds a NUL character (%00)")
        if NUL in request.META.get("HTTP_AUTHORIZATION", ""):
            response = _refusal(request, 401, "authentication_failed", "Invalid token.")
            response["WWW-Authenticate"] = "Token"
            return response
        for name in [name for name, value in request.COOKIES.items() if NUL in name or NUL in value]:
            del request.COOKIES[name]  # as if not sent: the session and CSRF checks see no cookie
        return self.get_response(request)
