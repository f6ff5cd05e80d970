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


class DatabaseUnavailableMiddleware:
    """A view that fails because the database cannot be reached (restarting, network) answers 503
    with a JSON body (plain text outside the API) and Retry-After, not a 500: the client is told to
    try again, and the broken connection is closed at the request's end (Django's
    close_old_connections sees the error) so the next request connects afresh."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.db import InterfaceError, OperationalError, connection

        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        try:
            if connection.connection is not None and connection.is_usable():
                return None  # the database answers: this is another error (a 500 stays a 500)
        except Exception:
            pass
        response = _refusal(request, 503, "database_unavailable",
                            "the database cannot be reached just now (it may be restarting); try again in a few seconds")
        response["Retry-After"] = "5"
        return response
