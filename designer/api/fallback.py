"""A JSON 404 for any unknown path under /api/v1/, with a hint when only the trailing slash is missing."""
from __future__ import annotations

from django.urls import Resolver404, resolve
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView


@extend_schema(exclude=True)
class NotFoundApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def initial(self, request: Request, *args, **kwargs) -> None:
        raise NotFound(_message(request.path))


def _message(path: str) -> str:
    if not path.endswith("/"):
        try:
            match = resolve(path + "/")
        except Resolver404:
            match = None
        if match is not None and getattr(match.func, "view_class", None) is not NotFoundApi:
            return f"no such endpoint {path!r}; did you mean {path + '/'!r} (with a trailing slash)?"
    return f"no such endpoint {path!r}"
