"""daphne refuses a request body over REQUEST_BODY_MAX_BYTES before buffering it, and caps
WebSocket messages at the same size. Installed by config/asgi.py, so any daphne serving
config.asgi:application (`make run`, `manage.py runserver`, the browser tests) gets it.

Why here and not only in the ASGI layer: daphne (through Twisted) stores the whole body in a
temporary file and only then hands it to the application in one burst, so a 2 GB body costs
gigabytes of memory before any application code can say no. Twisted calls `gotLength` as soon as
the headers are in and `handleContentChunk` for every piece of body; refusing there answers 413
at once and keeps at most the limit."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from daphne import server as daphne_server
from daphne.http_protocol import HTTPFactory, WebRequest
from twisted.web import http

from .bodylimit import DEFAULT_LIMIT, refusal

logger = logging.getLogger("graphwright.bodylimit")

# After a refusal the connection reads and drops what the client still sends for this long, then
# closes: closing at once would reset the connection and could destroy the 413 before the client
# reads it (the "lingering close" of nginx and Apache). Nothing read in that time is kept.
LINGER_SECONDS = 2.0


class BoundedWebRequest(WebRequest):
    """daphne's request with a body limit: a Content-Length over it is refused when the headers
    arrive, a body without one (chunked) when the bytes counted pass it."""

    body_limit = DEFAULT_LIMIT
    _refused = False
    _received = 0
    _linger = None

    def gotLength(self, length: int | None) -> None:
        if length is not None and length > self.body_limit:
            self._refuse(length)
            return
        super().gotLength(length)

    def handleContentChunk(self, data: bytes) -> None:
        if self._refused:
            return
        self._received += len(data)
        if self._received > self.body_limit:
            self._refuse(self._received)
            return
        super().handleContentChunk(data)

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
        if self._refused:
            return  # a refused body that ended within the same read: there is nothing to run
        super().requestReceived(command, path, version)

    def connectionLost(self, reason) -> None:
        if self._linger is not None and self._linger.active():
            self._linger.cancel()
        super().connectionLost(reason)

    def _refuse(self, seen: int) -> None:
        self._refused = True
        channel = self.channel
        if not isinstance(channel, http.HTTPChannel):  # an HTTP/2 stream: end it without an answer
            channel.loseConnection()
            return
        if self.content is not None:
            self.content.close()  # what was counted so far (at most the limit) is dropped
            self.content = None
        # Twisted would otherwise answer "100 Continue" right after this call
        self.requestHeaders.removeHeader(b"expect")
        raw_path = getattr(channel, "_path", b"/") or b"/"
        path = urlsplit(raw_path.decode("latin-1")).path or "/"
        logger.info("refused a request body of at least %d bytes for %s (limit %d)", seen, path, self.body_limit)
        headers, body = refusal(path, self.body_limit)
        head = b"HTTP/1.1 413 Content Too Large\r\n" + b"".join(k + b": " + v + b"\r\n" for k, v in headers)
        transport = channel.transport
        transport.write(head + b"\r\n" + body)
        # read and drop whatever still comes, end the response side now, close for good soon
        channel.dataReceived = _discard
        getattr(transport, "loseWriteConnection", transport.loseConnection)()
        self._linger = channel.callLater(LINGER_SECONDS, transport.abortConnection)


def _discard(data: bytes) -> None:
    return None


class BoundedHTTPFactory(HTTPFactory):
    """daphne's HTTP factory building bounded requests; it also caps WebSocket messages once the
    server has made its WebSocket factory (daphne makes it right after this one)."""

    def buildProtocol(self, addr):
        protocol = super().buildProtocol(addr)
        protocol.requestFactory = BoundedWebRequest
        cap_websocket_messages(self.server, BoundedWebRequest.body_limit)
        return protocol


# daphne's own default WebSocket message and frame size, not a choice of whoever runs it: autobahn
# applies it to what the server sends too, and the first frame of a large run's stream (its
# snapshot: 2 MB at 10,000 nodes) must fit
DAPHNE_DEFAULT_WEBSOCKET_MAX = 1024 * 1024


def cap_websocket_messages(server, limit: int) -> None:
    """Set the server's WebSocket message and frame limits to `limit` where they are unset (0 in
    autobahn), above it or daphne's default; a smaller limit chosen for the server stays."""
    factory = getattr(server, "ws_factory", None)
    if factory is None or getattr(factory, "_graphwright_capped", False):
        return
    options = {}
    for name in ("maxMessagePayloadSize", "maxFramePayloadSize"):
        current = getattr(factory, name, 0)
        options[name] = limit if current in (0, DAPHNE_DEFAULT_WEBSOCKET_MAX) or current > limit else current
    factory.setProtocolOptions(**options)
    factory._graphwright_capped = True


def install(limit: int) -> None:
    """Make every daphne Server created from now on use the bounded factory."""
    BoundedWebRequest.body_limit = limit
    daphne_server.HTTPFactory = BoundedHTTPFactory
    if http.H2_ENABLED:  # TLS endpoints with Twisted's http2 extra (not installed by default)
        logger.warning("HTTP/2 is enabled: an HTTP/2 request over the body limit is cut off without a 413")
