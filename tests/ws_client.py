"""A minimal WebSocket client on a plain socket (text frames in; out only the handshake and pongs)
and a JSON call of the REST API, for the live-server tests and bench/scale.py."""
from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
import urllib.request
from typing import Any
from urllib.parse import urlparse


def api(server_url: str, method: str, path: str, body: Any = None, token: str = "") -> Any:
    """Call `/api/v1<path>` with a token; the decoded JSON answer."""
    return json.loads(api_raw(server_url, method, path, body, token))


def api_raw(server_url: str, method: str, path: str, body: Any = None, token: str = "") -> bytes:
    """Call `/api/v1<path>` with a token; the answer's bytes."""
    request = urllib.request.Request(f"{server_url}/api/v1{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", "Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return response.read()


class Socket:
    """A WebSocket client: `receive()` is the next text message, decoded (pings are answered);
    `received_at` the wall clock (time.time()) when its last byte arrived."""

    def __init__(self, server_url: str, path: str) -> None:
        url = urlparse(server_url)
        self.sock = socket.create_connection((url.hostname, url.port), timeout=600)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: {url.netloc}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13", f"Origin: {server_url}"]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buffer = b""
        self.received_at = 0.0
        self.bytes = 0  # payload bytes of the messages received so far
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            assert chunk, "closed during the handshake"
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 20)
            assert chunk, "the server closed the socket"
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def receive(self) -> dict:
        message = b""
        while True:
            b0, b1 = self._take(2)
            length = b1 & 0x7F
            if length == 126:
                length = struct.unpack("!H", self._take(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self._take(8))[0]
            payload = self._take(length)
            opcode = b0 & 0x0F
            assert opcode in (0x0, 0x1, 0x9, 0xA), f"opcode {opcode}: {payload[:40]!r}"
            if opcode == 0x9:  # the server's ping: a client that never answers is dropped (daphne: 50 s)
                self._send(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            message += payload
            if b0 & 0x80:
                self.received_at = time.time()
                self.bytes += len(message)
                return json.loads(message)

    def _send(self, opcode: int, payload: bytes) -> None:
        """One final frame, masked as a client's must be (payloads under 126 bytes: pongs)."""
        assert len(payload) < 126
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def close(self) -> None:
        self.sock.close()
