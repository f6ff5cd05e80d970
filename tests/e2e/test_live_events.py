"""Against a live daphne whose channels hold 2 messages (tests/e2e/conftest.py): clients on real
sockets get every event of a 10,000-node cached burst once, in order, with the final status —
one joining mid-run and one that reads nothing for seconds alike."""
from __future__ import annotations

import base64
import json
import os
import socket
import struct
import threading
import time
import urllib.request
from urllib.parse import urlparse

from tests.engine.graphs import passthrough_broom
from tests.event_stream import EventStream



def api(server, method: str, path: str, body=None, token: str = "") -> dict:
    request = urllib.request.Request(f"{server.url}/api/v1{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", "Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


class Socket:
    """A minimal WebSocket client (text frames in, nothing out but the handshake)."""

    def __init__(self, server_url: str, path: str) -> None:
        url = urlparse(server_url)
        self.sock = socket.create_connection((url.hostname, url.port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: {url.netloc}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13", f"Origin: {server_url}"]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buffer = b""
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
            if opcode in (0x9, 0xA):
                continue
            message += payload
            if b0 & 0x80:
                return json.loads(message)

    def close(self) -> None:
        self.sock.close()


def follow(ws: Socket) -> tuple[int, list[int], str]:
    stream = EventStream(ws.receive())
    while stream.final is None:
        stream.take(ws.receive())
    return stream.start, stream.seqs, stream.final


def test_a_10000_node_burst_reaches_a_prompt_a_stalled_and_a_late_client_whole(designer_server):
    token = designer_server.admin_token()
    workspaces = api(designer_server, "GET", "/workspaces/", token=token)
    workspace = (workspaces["results"] if isinstance(workspaces, dict) else workspaces)[0]["slug"]
    draft = api(designer_server, "POST", "/drafts/",
                {"workspace": workspace, "name": "broom", "document": passthrough_broom(10_000)}, token)
    run = api(designer_server, "POST", f"/drafts/{draft['id']}/submit/", {}, token)["run"]
    assert set(run) == {"id", "status", "links"}
    path = f"/ws/runs/{run['id']}/?token={token}"
    prompt, stalled = Socket(designer_server.url, path), Socket(designer_server.url, path)
    results: dict[str, tuple] = {}
    reader = threading.Thread(target=lambda: results.update(prompt=follow(prompt)))
    reader.start()
    time.sleep(3)  # `stalled` reads nothing meanwhile
    late = Socket(designer_server.url, path)
    results["stalled"], results["late"] = follow(stalled), follow(late)
    reader.join(60)
    for ws in (prompt, stalled, late):
        ws.close()
    events = []
    url = f"/runs/{run['id']}/events/?after=0"
    while url:
        page = api(designer_server, "GET", url, token=token)
        events += page["results"]
        url = page["next"] and page["next"].split("/api/v1", 1)[1]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert sum(e["type"] == "step.status" and e["status"] == "cached" for e in events) == 9_998
    assert events[-1]["type"] == "run.status" and events[-1]["status"] == "succeeded"
    for name, (start, seqs, final) in results.items():
        assert final == "succeeded", name
        assert seqs == list(range(start + 1, len(events) + 1)), name
