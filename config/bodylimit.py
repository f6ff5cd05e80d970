"""Bounded request bodies: one limit (REQUEST_BODY_MAX_BYTES), one 413 answer, and the pure-ASGI
layer that enforces it for any server. daphne also refuses before buffering: config/daphne_limits.py."""
from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable

logger = logging.getLogger("graphwright.bodylimit")

DEFAULT_LIMIT = 16 * 1024 * 1024
Scope = dict[str, Any]
Message = dict[str, Any]


def body_limit() -> int:
    from django.conf import settings

    return int(getattr(settings, "REQUEST_BODY_MAX_BYTES", DEFAULT_LIMIT))


def refusal(path: str, limit: int) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Headers and body of the 413: the API's JSON error list under /api/, a short page elsewhere."""
    size = f"{limit / 1024 ** 2:.1f} MB ({limit} bytes)" if limit >= 1024 ** 2 else f"{limit} bytes"
    message = f"the request body is larger than the limit of {size}, set by REQUEST_BODY_MAX_BYTES"
    if path.startswith("/api/"):
        message += "; upload large datasets in chunks through /api/v1/uploads/"
        body = json.dumps({"errors": [{"code": "too_large", "message": message}]}).encode()
        content_type = b"application/json"
    else:
        body = (f"<!doctype html><title>413 Content Too Large</title><h1>Content Too Large</h1><p>{message}.</p>"
                ).encode()
        content_type = b"text/html; charset=utf-8"
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    return headers, body


def declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The Content-Length header as a number; None when absent (or not a plain number: the server
    refuses those itself, and the counting below still holds)."""
    for name, value in headers:
        if name.lower() == b"content-length":
            return int(value) if value.strip().isdigit() else None
    return None


class BodyLimitMiddleware:
    """Refuses an HTTP body over the limit, whether announced by Content-Length or streamed
    without one, before the application reads more than the limit. The application then sees a
    client disconnect (Django stops with RequestAborted) and whatever it sends is dropped."""

    def __init__(self, app: Callable[..., Awaitable[None]], *, limit: int | None = None) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit if self.limit is not None else body_limit()
        length = declared_length(scope.get("headers") or [])
        if length is not None and length > limit:
            await _send_refusal(send, scope, limit, length)
            return
        received = 0
        refused = started = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _send_refusal(send, scope, limit, received)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the refusal has answered already
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


async def _send_refusal(send: Callable[[Message], Awaitable[None]], scope: Scope, limit: int, seen: int) -> None:
    logger.info("refused a request body of at least %d bytes for %s (limit %d)", seen, scope.get("path"), limit)
    headers, body = refusal(scope.get("path") or "/", limit)
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
