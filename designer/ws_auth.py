"""WebSocket authentication: the Origin check, then the browser's session cookie or `?token=` for scripts."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from .consumers import CLOSE_FORBIDDEN_ORIGIN, Refusal


class OriginCheck(OriginValidator):
    """Channels' check of the Origin header against ALLOWED_HOSTS (as AllowedHostsOriginValidator),
    refusing with close code 4403 instead of an HTTP 403 on the handshake."""

    def __init__(self, application) -> None:
        allowed = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed:
            allowed = ["localhost", "127.0.0.1", "[::1]"]
        super().__init__(application, allowed)
        self.refusal = Refusal.as_asgi(code=CLOSE_FORBIDDEN_ORIGIN)

    async def __call__(self, scope, receive, send):
        if self._allowed(scope):
            return await self.application(scope, receive, send)
        return await self.refusal(scope, receive, send)

    def _allowed(self, scope) -> bool:
        origin = next((value for name, value in scope.get("headers", []) if name == b"origin"), None)
        try:
            return self.valid_origin(urlparse(origin.decode("latin1")) if origin is not None else None)
        except ValueError:  # a malformed Origin (bad port, bad IPv6 literal) is no allowed one
            return False


@database_sync_to_async
def _user_for_token(key: str):
    from rest_framework.authtoken.models import Token

    if len(key) > 40 or not key.isascii() or not key.isalnum():
        return AnonymousUser()  # no key looks like that: no query (PostgreSQL refuses a NUL in text)
    token = Token.objects.select_related("user").filter(key=key).first()
    return token.user if token and token.user.is_active else AnonymousUser()


class _TokenMiddleware:
    def __init__(self, inner) -> None:
        self.inner = inner

    async def __call__(self, scope, receive, send):
        token = parse_qs(scope.get("query_string", b"").decode()).get("token", [None])[0]
        if token:
            scope = dict(scope, user=await _user_for_token(token))
        return await self.inner(scope, receive, send)


def TokenOrSessionAuthMiddleware(inner):  # noqa: N802 - reads like the Channels stacks it wraps
    return AuthMiddlewareStack(_TokenMiddleware(inner))
