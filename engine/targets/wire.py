"""The messages between the local target and the processes the zygote forks: a 4-byte length,
then JSON. The child side reads blocking; the target side cuts a stream without ever waiting."""
from __future__ import annotations

import json
import socket
import struct
from typing import Any

from engine.targets.limits import MB

HEADER = struct.Struct("!I")
MAX_MESSAGE = 256 * MB


def send_msg(sock: socket.socket, msg: dict[str, Any]) -> None:
    data = json.dumps(msg).encode()
    if len(data) > MAX_MESSAGE:
        raise ValueError(f"message of {len(data)} bytes is over the {MAX_MESSAGE}-byte limit")
    sock.sendall(HEADER.pack(len(data)) + data)


def recv_msg(sock: socket.socket) -> dict[str, Any] | None:
    """Blocking read of one message (child side); None at end of stream."""
    header = _recv_exact(sock, HEADER.size)
    if header is None:
        return None
    data = _recv_exact(sock, HEADER.unpack(header)[0])
    return None if data is None else json.loads(data)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < size:
        chunk = sock.recv(size - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


class Framer:
    """Cuts a byte stream into messages without ever waiting for the rest of one (target side),
    so a step process that writes garbage to its socket cannot stall the target."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        self.buf += chunk
        out = []
        while len(self.buf) >= HEADER.size:
            size = HEADER.unpack_from(self.buf)[0]
            if size > MAX_MESSAGE:
                raise ValueError(f"a step process sent a {size}-byte message")
            if len(self.buf) < HEADER.size + size:
                break
            out.append(json.loads(bytes(self.buf[HEADER.size:HEADER.size + size])))
            del self.buf[:HEADER.size + size]
        return out
