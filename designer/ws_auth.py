"""WebSocket authentication: the browser's session cookie or `?token=` for scripts, then the Origin check
(a browser always sends an Origin; a script with a token may send none)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from .consumers import CLOSE_FORBIDDEN_ORIGIN, Refusal

# the scope key saying how the socket is authenticated: "token" (`?token=`, valid or not),
# "session" (the session cookie names an active user) or "none"; set by _TokenMiddleware
AUTH_METHOD = "graphwright.auth"


class OriginCheck(OriginValidator):
    """Channels' check of the Origin header against ALLOWED_HOSTS (as AllowedHostsOriginValidator),
    refusing with close code 4403 instead of an HTTP 403 on the handshake.

    Runs after authentication: a socket without an Origin is no browser's, so no page of another
    site can have made it, and one authenticated by `?token=` passes (Python's `websockets`, curl;
    a bad token is refused with 4401 further on). A socket that would be authenticated by the
    session cookie needs a matching Origin: the cookie is what a page of another site would ride on."""

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
        # a script's socket: by token, or anonymous (refused with 4401 further on); without the
        # authentication in front (no AUTH_METHOD) the Origin is required, as for a session
        if origin is None and scope.get(AUTH_METHOD, "session") in ("token", "none"):
            return True
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


def query_token(scope) -> str | None:
    """The `?token=` of the socket's URL; None when absent or empty (the session decides then)."""
    return parse_qs(scope.get("query_string", b"").decode()).get("token", [None])[0] or None


class _TokenMiddleware:
    """Inside Channels' session authentication: a `?token=` replaces the session's user (an
    unknown token makes the socket anonymous), and AUTH_METHOD records which one decided."""

    def __init__(self, inner) -> None:
        self.inner = inner

    async def __call__(self, scope, receive, send):
        token = query_token(scope)
        if token:
            scope = dict(scope, user=await _user_for_token(token), **{AUTH_METHOD: "token"})
        else:
            user = scope.get("user")
            scope = dict(scope, **{AUTH_METHOD: "session" if user is not None and user.is_authenticated else "none"})
        return await self.inner(scope, receive, send)


def TokenOrSessionAuthMiddleware(inner):  # noqa: N802 - reads like the Channels stacks it wraps
    return AuthMiddlewareStack(_TokenMiddleware(inner))
