"""The process side of the `local` target: one warm zygote (engine/targets/zygote.py) and the
processes it forks on request: pool workers for built-in steps and a spare child, forked ahead of
need, for the next user-code step. Which step runs where, and how it ends, is LocalTarget's."""
from __future__ import annotations

import json
import os
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from engine.targets import limits
from engine.targets.local_steps import LocalHandle, _Proc, file_tail, killpg

PROJECT_ROOT = str(Path(__file__).resolve().parents[2])


def _datastore_env() -> dict[str, str]:
    """What a step's process needs to open the settings' datastore (engine/datastore.step_env):
    nothing for a folder, or outside a configured Django project."""
    try:
        from django.conf import settings

        if not settings.configured:
            return {}
    except ImportError:
        return {}
    from engine.datastore import step_env

    return step_env()


class ZygoteHost:
    """Starts the zygote, asks it for processes, keeps the pool and the spare, and notices deaths.
    Its subclass holds `_lock` around every call and provides `_closed` and the two hooks below."""

    _closed: bool
    _lock: threading.RLock
    _sel: selectors.BaseSelector

    def __init__(self, *, pool_size: int, max_pool: int, modules: list[str]) -> None:
        self.pool_size = pool_size
        self._max_pool = max_pool
        self._modules = modules
        self._procs: set[_Proc] = set()
        self._pool: list[_Proc] = []
        self._spare: _Proc | None = None
        self._by_pid: dict[int, _Proc] = {}
        self._zygote: subprocess.Popen | None = None
        self._ctl: socket.socket | None = None
        self._zygote_ready = False
        self._gen = 0
        self._scratch = tempfile.mkdtemp(prefix="graphwright-local-")
        # each step's OpenMP and BLAS threads: its share of the cores among the steps running side by side
        self._env = limits.scrubbed_env(PROJECT_ROOT, self._scratch,
                                        threads=limits.thread_share(getattr(self, "concurrency", max_pool)))
        self._env.update(_datastore_env())  # a remote datastore's endpoint and keys (none for a folder)

    # -- hooks -------------------------------------------------------------------------------
    def _proc_exited(self, proc: _Proc, code: int | None, sig: int | None) -> None:
        """The zygote reported `proc`'s exit status."""
        raise NotImplementedError

    def _processes_lost(self, ready: bool, reason: str, error: str, orphans: list[LocalHandle]) -> None:
        """The zygote died and took every process with it; `orphans` were running steps."""
        raise NotImplementedError

    # -- state -------------------------------------------------------------------------------
    def spare_pid(self) -> int | None:
        """The pid of the pre-forked child waiting for the next user-code step, once it is up."""
        with self._lock:
            spare = self._spare
            return spare.pid if spare is not None and not spare.dead else None

    @property
    def zygote_pid(self) -> int | None:
        zygote = self._zygote
        return zygote.pid if zygote is not None else None

    def warm(self, timeout: float = 60.0) -> bool:
        """Block until the zygote, the pool and the spare child are up (tests, benchmarks)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                procs = self._pool + ([self._spare] if self._spare else [])
                if self._zygote_ready and len(self._pool) >= self.pool_size and self._spare \
                        and all(p.pid for p in procs):
                    return True
            time.sleep(0.01)
        return False

    # -- processes ---------------------------------------------------------------------------
    def _start_zygote(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        args = [sys.executable, "-m", "engine.targets.zygote", "--fd", str(theirs.fileno())]
        for module in self._modules:
            args += ["--module", module]
        try:
            with open(os.path.join(self._scratch, "zygote.log"), "ab") as errlog:
                self._zygote = subprocess.Popen(
                    args, env=self._env, cwd=PROJECT_ROOT, pass_fds=(theirs.fileno(),),
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errlog,
                    start_new_session=True,  # a Ctrl-C at the terminal is the server's, not the steps'
                )
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        self._ctl = ours
        self._gen += 1
        self._zygote_ready = False
        self._sel.register(ours.fileno(), selectors.EVENT_READ, "ctl")

    def _fork(self, role: str) -> _Proc:
        request = json.dumps({"op": "fork", "role": role}).encode()
        for attempt in (1, 2):
            if self._ctl is None:
                self._start_zygote()
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                socket.send_fds(self._ctl, [request], [theirs.fileno()])
                break
            except OSError:
                ours.close()
                if attempt == 2:
                    raise
                self._zygote_died()  # died before the loop noticed: restart it once
            finally:
                theirs.close()
        proc = _Proc(role, ours, self._gen)
        self._procs.add(proc)
        self._sel.register(ours.fileno(), selectors.EVENT_READ, proc)
        return proc

    def _ensure_workers(self) -> None:
        if self._closed or self._ctl is None:
            return
        while len(self._pool) < self.pool_size:
            self._pool.append(self._fork("pool"))
        if self._spare is None:
            self._spare = self._fork("user")

    def _drop(self, proc: _Proc) -> None:
        """Forget a process that is gone (or must go) and stop listening to it."""
        if proc.dead:
            return
        proc.dead = True
        try:
            self._sel.unregister(proc.sock)
        except (KeyError, ValueError, OSError):
            pass
        proc.sock.close()
        self._procs.discard(proc)
        if proc in self._pool:
            self._pool.remove(proc)
        if self._spare is proc:
            self._spare = None

    def _on_ctl(self) -> None:
        while self._ctl is not None:
            try:
                data = self._ctl.recv(1 << 16, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._zygote_died()
                return
            msg = json.loads(data)
            if msg.get("op") == "ready":
                self._zygote_ready = True
            elif msg.get("op") == "exit":
                proc = self._by_pid.pop(msg["pid"], None)
                if proc is not None:
                    self._proc_exited(proc, msg.get("code"), msg.get("signal"))

    def _zygote_died(self) -> None:
        ready = self._zygote_ready
        if self._ctl is not None:
            try:
                self._sel.unregister(self._ctl.fileno())
            except (KeyError, ValueError):
                pass
            self._ctl.close()
            self._ctl = None
        if self._zygote is not None:
            self._zygote.kill()
            self._zygote.wait()
            self._zygote = None
        if ready:
            reason, error = "lost", "the local worker process pool (zygote) died"
        else:
            reason, error = "launch", "the local worker process pool failed to start:\n" + file_tail(
                os.path.join(self._scratch, "zygote.log"), 4000)
        orphans = []
        for proc in list(self._procs):
            killpg(proc.pid)
            if proc.step is not None:
                orphans.append(proc.step)
            self._drop(proc)
        self._by_pid.clear()
        self._processes_lost(ready, reason, error, orphans)
