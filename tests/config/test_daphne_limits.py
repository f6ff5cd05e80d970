"""daphne's bounded request: Twisted's HTTP channel fed by hand (no network) shows that an
over-limit body is refused as soon as it is announced or counted, before it is stored, and that the
connection then lingers briefly and closes. The live server is tested in tests/e2e/."""
from __future__ import annotations

import json

import pytest
from autobahn.twisted.websocket import WebSocketServerFactory
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from config.daphne_limits import (DAPHNE_DEFAULT_WEBSOCKET_MAX, LINGER_SECONDS, BoundedHTTPFactory, BoundedWebRequest,
                                  cap_websocket_messages)

LIMIT = 1000


class FakeServer:
    """What daphne's request asks of its server before the application is involved."""

    root_path = ""
    server_name = None
    ws_factory = None

    def __init__(self) -> None:
        self.connections: dict = {}
        self.applications = 0

    def protocol_connected(self, protocol) -> None:
        self.connections[protocol] = {}

    def protocol_disconnected(self, protocol) -> None:
        self.connections[protocol]["disconnected"] = True

    def create_application(self, protocol, scope):
        self.applications += 1
        raise AssertionError("a refused request must never reach the application")


class HalfClosingTransport(StringTransport):
    def loseWriteConnection(self) -> None:
        self.write_closed = True


@pytest.fixture
def connect(monkeypatch):
    monkeypatch.setattr(BoundedWebRequest, "body_limit", LIMIT)
    server = FakeServer()

    def make():
        protocol = BoundedHTTPFactory(server).buildProtocol(None)._channel  # the HTTP/1.1 channel inside
        clock = Clock()
        protocol.callLater = clock.callLater
        transport = HalfClosingTransport()
        protocol.makeConnection(transport)
        return protocol, transport, clock, server

    return make


def response(transport) -> tuple[bytes, dict[bytes, bytes], bytes]:
    head, _, body = transport.value().partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    return status, dict(line.split(b": ", 1) for line in lines), body


def test_a_huge_content_length_is_refused_when_the_headers_arrive(connect):
    protocol, transport, clock, server = connect()
    protocol.dataReceived(b"POST /api/v1/datasets/?x=1 HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                          b"Content-Length: 2000000000\r\n\r\n")
    status, headers, body = response(transport)
    assert status == b"HTTP/1.1 413 Content Too Large"  # and no "100 Continue" before it
    assert headers[b"content-type"] == b"application/json" and headers[b"connection"] == b"close"
    assert json.loads(body)["errors"][0]["code"] == "too_large"
    assert transport.write_closed and not transport.disconnecting
    request = protocol.requests[0]
    assert request.content is None  # nothing of the body is stored

    written = transport.value()
    protocol.dataReceived(b"x" * 5_000_000)  # what the client still sends is read and dropped
    assert transport.value() == written and request.content is None and server.applications == 0
    clock.advance(LINGER_SECONDS)
    assert transport.disconnecting  # and after the linger the connection is closed


def test_a_chunked_body_is_refused_once_the_counted_bytes_pass_the_limit(connect):
    protocol, transport, clock, server = connect()
    protocol.dataReceived(b"POST /healthz HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"200\r\n" + b"z" * 512 + b"\r\n"
    protocol.dataReceived(chunk)
    assert transport.value() == b"" and protocol.requests[0].content.tell() == 512
    protocol.dataReceived(chunk + chunk + b"0\r\n\r\n")  # passes the limit, and even ends
    status, headers, body = response(transport)
    assert status.startswith(b"HTTP/1.1 413") and headers[b"content-type"].startswith(b"text/html")
    assert b"1000 bytes" in body and server.applications == 0


def test_a_body_within_the_limit_is_stored_for_the_application(connect):
    protocol, transport, _, _ = connect()
    protocol.dataReceived(b"POST /api/v1/drafts/ HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n" + b"a" * 999)
    request = protocol.requests[0]
    assert transport.value() == b"" and request.content.tell() == 999 and not request._refused


@pytest.mark.parametrize("configured, expected", [(0, LIMIT), (10 * LIMIT, LIMIT), (LIMIT // 2, LIMIT // 2),
                                                  (DAPHNE_DEFAULT_WEBSOCKET_MAX, LIMIT)])
def test_websocket_messages_are_capped_at_the_body_limit(configured, expected):
    server = FakeServer()
    server.ws_factory = WebSocketServerFactory()
    server.ws_factory.setProtocolOptions(maxMessagePayloadSize=configured, maxFramePayloadSize=configured)
    cap_websocket_messages(server, LIMIT)
    assert server.ws_factory.maxMessagePayloadSize == expected
    assert server.ws_factory.maxFramePayloadSize == expected
