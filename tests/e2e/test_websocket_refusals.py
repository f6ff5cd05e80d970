"""Against a live daphne: a refused WebSocket completes its handshake (101) and then closes with the
documented code, which a client can read (a close before accept would be a bare HTTP 403)."""
from __future__ import annotations

import base64
import os
import socket
import struct
from urllib.parse import urlparse

import pytest

from designer.consumers import CLOSE_FORBIDDEN_ORIGIN, CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED


def close_code(server_url: str, path: str, origin: str | None) -> int:
    """Open a WebSocket by hand, expect the 101, and return the code of the server's close frame."""
    url = urlparse(server_url)
    host = url.netloc
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"] + ([f"Origin: {origin}"] if origin else [])
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(4096)
            assert chunk, f"connection closed during the handshake: {received!r}"
            received += chunk
        head, _, rest = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head.decode(errors="replace")
        while len(rest) < 4:
            rest += sock.recv(4096)
        opcode, length = rest[0] & 0x0F, rest[1] & 0x7F
        assert opcode == 0x8 and length >= 2, f"expected a close frame, got {rest[:20]!r}"
        return struct.unpack("!H", rest[2:4])[0]


def test_an_anonymous_websocket_is_closed_with_4401(designer_server):
    assert close_code(designer_server.url, "/ws/runs/1/", designer_server.url) == CLOSE_UNAUTHENTICATED


def test_an_unknown_run_is_closed_with_4404(designer_server):
    token = designer_server.admin_token()
    assert close_code(designer_server.url, f"/ws/runs/987654/?token={token}", designer_server.url) == CLOSE_NOT_FOUND


@pytest.mark.parametrize("origin", ["http://evil.example", None])
def test_a_foreign_or_missing_origin_is_closed_with_4403(designer_server, origin):
    token = designer_server.admin_token()
    assert close_code(designer_server.url, f"/ws/runs/1/?token={token}", origin) == CLOSE_FORBIDDEN_ORIGIN
