"""Against a live daphne: a refused WebSocket completes its handshake (101) and then closes with the
documented code, which a client can read (a close before accept would be a bare HTTP 403); a script
with a token and no Origin (Python's `websockets`, curl) is let in."""
from __future__ import annotations

import base64
import json
import os
import socket
import struct
import urllib.request
from urllib.parse import urlparse

import pytest

from designer.consumers import CLOSE_FORBIDDEN_ORIGIN, CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED


def first_frame(server_url: str, path: str, origin: str | None) -> tuple[int, bytes]:
    """Open a WebSocket by hand, expect the 101, and return the opcode and payload of the server's
    first frame."""
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

        def take(n: int) -> bytes:
            nonlocal rest
            while len(rest) < n:
                chunk = sock.recv(65536)
                assert chunk, "the server closed the socket"
                rest += chunk
            data, rest = rest[:n], rest[n:]
            return data

        b0, b1 = take(2)
        length = b1 & 0x7F
        if length == 126:
            length = struct.unpack("!H", take(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", take(8))[0]
        return b0 & 0x0F, take(length)


def close_code(server_url: str, path: str, origin: str | None) -> int:
    """The code of the close frame the server answers a WebSocket with."""
    opcode, payload = first_frame(server_url, path, origin)
    assert opcode == 0x8 and len(payload) >= 2, f"expected a close frame, got {opcode}: {payload[:40]!r}"
    return struct.unpack("!H", payload[:2])[0]


def api(server, method: str, path: str, token: str, body=None) -> dict:
    request = urllib.request.Request(f"{server.url}/api/v1{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", "Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def test_an_anonymous_websocket_is_closed_with_4401(designer_server):
    assert close_code(designer_server.url, "/ws/runs/1/", designer_server.url) == CLOSE_UNAUTHENTICATED


def test_an_unknown_run_is_closed_with_4404(designer_server):
    token = designer_server.admin_token()
    assert close_code(designer_server.url, f"/ws/runs/987654/?token={token}", designer_server.url) == CLOSE_NOT_FOUND


def test_a_foreign_origin_is_closed_with_4403_even_with_a_token(designer_server):
    token = designer_server.admin_token()
    assert close_code(designer_server.url, f"/ws/runs/1/?token={token}", "http://evil.example") == CLOSE_FORBIDDEN_ORIGIN


def test_a_script_with_a_token_and_no_origin_gets_the_runs_snapshot(designer_server):
    token = designer_server.admin_token()
    drafts = api(designer_server, "GET", "/drafts/", token)["results"]
    run = api(designer_server, "POST", f"/drafts/{drafts[0]['id']}/submit/", token, body={})["run"]
    opcode, payload = first_frame(designer_server.url, f"/ws/runs/{run['id']}/?token={token}", None)
    assert opcode == 0x1, f"expected the snapshot, got opcode {opcode}: {payload[:40]!r}"
    snapshot = json.loads(payload)
    assert snapshot["type"] == "snapshot" and snapshot["run"]["id"] == run["id"]


def test_no_origin_says_what_is_wrong_unauthenticated_4401_or_unknown_run_4404(designer_server):
    token = designer_server.admin_token()
    assert close_code(designer_server.url, "/ws/runs/1/", None) == CLOSE_UNAUTHENTICATED
    assert close_code(designer_server.url, "/ws/runs/1/?token=not-a-token", None) == CLOSE_UNAUTHENTICATED
    assert close_code(designer_server.url, f"/ws/runs/987654/?token={token}", None) == CLOSE_NOT_FOUND
