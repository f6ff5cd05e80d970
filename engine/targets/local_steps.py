"""What the local target keeps per step and per process, and the small process helpers it uses:
a step's handle (with its log reader) and the forked processes it talks to."""
from __future__ import annotations

import json
import os
import signal
import socket
from typing import Any

from engine.stepspec import StepSpec
from engine.targets.base import EventSink
from engine.targets.wire import Framer
from engine.targets.zygote import LOG_NAME

LOG_KEEP = 1 << 20  # the done event carries at most the last 1 MB of output


class LocalHandle:
    """What launch() returns. `pid` is the process the step runs in, once known."""

    def __init__(self, spec: StepSpec, on_event: EventSink) -> None:
        self.spec = spec
        self.attempt_id = spec.attempt_id
        self.user_code = spec.user_code
        self.on_event = on_event
        self.pid: int | None = None
        self.done = False
        self.proc: _Proc | None = None
        self.started = 0.0
        self.deadline: float | None = None
        self.kill_reason = ""
        self.kill_deadline: float | None = None
        self.log_path = os.path.join(spec.workdir, LOG_NAME)
        self.log_pos = 0

    def __repr__(self) -> str:
        state = "done" if self.done else ("running" if self.started else "queued")
        return f"<LocalHandle attempt={self.attempt_id} pid={self.pid} {state}>"

    def read_log(self, final: bool = False) -> tuple[bytes, str]:
        """(new complete lines of output since the last call, and when `final` everything left
        plus the last LOG_KEEP bytes of the whole log as text). A step far ahead of the reader is
        skipped with a notice rather than flooding the events."""
        notice = b""
        try:
            with open(self.log_path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                start = min(self.log_pos, max(0, size - LOG_KEEP)) if final else self.log_pos
                if size - start > LOG_KEEP:
                    notice = f"[... {size - LOG_KEEP - start} bytes of output skipped ...]\n".encode()
                    start = self.log_pos = size - LOG_KEEP
                fh.seek(start)
                data = fh.read(size - start)
        except (OSError, ValueError):  # ValueError: a path no file can have (the step reports why)
            return b"", ""
        new = data[max(0, self.log_pos - start):]
        if not final:
            new = new[: new.rfind(b"\n") + 1]
        self.log_pos += len(new)
        return notice + new, data.decode("utf-8", "replace") if final else ""


class _Proc:
    """A forked process: a pool worker or a user-code child, and our socket to it."""

    def __init__(self, role: str, sock: socket.socket, gen: int) -> None:
        self.role = role
        self.sock = sock
        self.framer = Framer()
        self.gen = gen
        self.pid: int | None = None
        self.step: LocalHandle | None = None
        self.dead = False
        self.frames: set[str] = set()  # digests of the DataFrames a pool worker holds (its last report)


def kill_message(handle: LocalHandle, reason: str) -> str:
    if reason == "timeout":
        return f"step exceeded its timeout of {handle.spec.timeout:g} s"
    if reason == "cancelled":
        return "step was cancelled"
    if reason == "lost":
        return "step process disappeared without reporting a result"
    return f"step was terminated ({reason})"


def killpg(pid: int | None) -> None:
    if not pid:
        return
    try:
        os.killpg(pid, signal.SIGKILL)  # each step process leads its own group (setsid)
    except (ProcessLookupError, PermissionError):
        pass


def send_ctl(ctl: socket.socket, msg: dict[str, Any]) -> None:
    try:
        ctl.send(json.dumps(msg).encode())
    except OSError:
        pass


def drain(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


def file_tail(path: str, limit: int) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - limit))
            return fh.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""
