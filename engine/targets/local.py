"""The `local` compute target: built-in steps in a pool of warm reusable workers, user code in a
fresh child each, all forked from one warm zygote process (engine/targets/zygote.py)."""
from __future__ import annotations

import atexit
import logging
import math
import os
import selectors
import shutil
import signal
import socket
import subprocess
import threading
import time
import weakref
from collections import deque
from dataclasses import replace
from typing import Any

from engine import envbuild
from engine.stepspec import StepResult, StepSpec
from engine.targets import isolation, limits
from engine.targets.base import EventSink, Target
from engine.targets.local_procs import ZygoteHost
from engine.targets.local_steps import LocalHandle, _Proc, drain, file_tail, kill_message, killpg, send_ctl
from engine.targets.wire import send_msg

log = logging.getLogger(__name__)

EXTRA_MODULES_ENV = "GRAPHWRIGHT_EXTRA_MODULES"  # comma-separated modules the zygote also imports
TAIL_INTERVAL = 0.2
KILL_GRACE = 2.0  # how long a killed step may take to be reported dead before we report it anyway
MAX_WAIT = 60.0  # the loop wakes at least this often, whatever deadline a step has


class LocalTarget(ZygoteHost, Target):
    def __init__(self, *, concurrency: int = 4, pool_size: int = 2, name: str = "local",
                 extra_modules: tuple[str, ...] | list[str] = (), frame_cache_mb: int = 1024,
                 frame_cache_idle_seconds: float = 30.0) -> None:
        self.name = name
        self.concurrency = concurrency
        self.frame_cache_mb = frame_cache_mb
        self.frame_cache_idle_seconds = frame_cache_idle_seconds
        env_modules = [m.strip() for m in os.environ.get(EXTRA_MODULES_ENV, "").split(",") if m.strip()]
        super().__init__(pool_size=pool_size, max_pool=max(pool_size, concurrency, 1),
                         modules=list(extra_modules) + env_modules)
        self._lock = threading.RLock()
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._pending: list[tuple[EventSink, dict[str, Any]]] = []
        self._queue: deque[LocalHandle] = deque()
        self._live: set[LocalHandle] = set()
        self._launches = 0
        self._closed = False
        self._next_tail: float | None = None
        self._oom_kills = limits.oom_kill_count()  # the kernel OOM killer's count when we last looked
        self._thread = threading.Thread(target=self._loop, name=f"{name}-target", daemon=True)
        self._thread.start()
        atexit.register(_close_at_exit, weakref.ref(self))
        isolation.warn_if_disabled()
        try:
            isolation.harden_server_files()  # var/ and the datastore unreadable to script children
        except OSError:
            log.exception("local target: could not restrict the server's files")
        with self._lock:
            try:  # start warming now so the first step does not pay for the imports
                self._start_zygote()
                self._ensure_workers()
            except OSError:
                log.exception("local target: could not start the zygote; will retry on launch")

    # -- public API --------------------------------------------------------------------------
    def launch(self, spec: StepSpec, on_event: EventSink) -> LocalHandle:
        remote = "://" in spec.datastore  # a remote store's URL (engine/datastore.py): no path to fix
        if not (os.path.isabs(spec.workdir) and (remote or os.path.isabs(spec.datastore))):
            # children run elsewhere (their cwd is the work folder): relative paths would drift
            spec = replace(spec, workdir=os.path.abspath(spec.workdir),
                           datastore=spec.datastore if remote else os.path.abspath(spec.datastore))
        if spec.user_code and not remote:
            isolation.harden_datastore(spec.datastore)  # once per root: 0700, out of a script's reach
        handle = LocalHandle(spec, on_event)  # the step's process creates its folder and log
        if spec.environment and not envbuild.is_ready(spec.environment):
            with self._lock:
                self._live.add(handle)
            threading.Thread(target=self._after_build, args=(handle,), name=f"{self.name}-env-wait", daemon=True).start()
            return handle
        self._enqueue(handle)
        return handle

    def _after_build(self, handle: LocalHandle) -> None:
        """Wait for (or make) the step's environment on this machine, then queue the step; a build
        that failed fails the step at launch with the build's message."""
        try:
            envbuild.ensure(handle.spec.environment)
        except Exception as exc:  # BuildFailed, or a database that cannot be read
            with self._lock:
                if not handle.done:
                    self._fail(handle, "launch", f"the step's environment cannot be used: {exc}")
            self._wake()
            return
        finally:
            from django.db import close_old_connections

            close_old_connections()
        if not handle.done:
            self._enqueue(handle)

    def _enqueue(self, handle: LocalHandle) -> None:
        with self._lock:
            if self._closed:
                self._fail(handle, "launch", "the local target is closed")
            else:
                self._live.add(handle)
                try:
                    if self._ctl is None:
                        self._start_zygote()
                        self._ensure_workers()
                    self._queue.append(handle)
                    self._dispatch()
                except OSError as exc:
                    if handle in self._queue:
                        self._queue.remove(handle)
                    self._fail(handle, "launch", f"could not start a step process: {exc}")
        self._wake()

    def check(self, handle: LocalHandle) -> bool:
        return not handle.done

    def terminate(self, handle: LocalHandle, reason: str = "cancelled") -> None:
        with self._lock:
            if handle.done:
                return
            if handle in self._queue:
                self._queue.remove(handle)
                self._fail(handle, reason, kill_message(handle, reason))
            elif handle.proc is None and not handle.started:  # still waiting for its environment
                self._fail(handle, reason, kill_message(handle, reason))
            else:
                self._kill(handle, reason)
        self._wake()

    def launches(self) -> int:
        return self._launches

    def drop_frames(self) -> None:
        """Idle pool workers forget the DataFrames they keep for the next step (benchmarks start
        cold with it; a busy worker keeps its frames)."""
        with self._lock:
            for proc in self._pool:
                if proc.step is None and not proc.dead and proc.frames:
                    try:
                        send_msg(proc.sock, {"op": "drop_frames"})
                        proc.frames = set()
                    except OSError:
                        pass

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for handle in list(self._live):
                if handle.proc is not None and not handle.done:
                    self._complete_failed(handle, "lost", "the local target was closed while the step ran")
            while self._queue:
                self._fail(self._queue.popleft(), "lost", "the local target was closed before the step started")
            for proc in list(self._procs):
                killpg(proc.pid)
            zygote, ctl = self._zygote, self._ctl
            if ctl is not None:
                send_ctl(ctl, {"op": "shutdown"})
        self._wake()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=10)
        if zygote is not None:
            try:
                zygote.wait(timeout=5)
            except subprocess.TimeoutExpired:
                zygote.kill()
                zygote.wait()
        if ctl is not None:
            ctl.close()
        for proc in list(self._procs):
            proc.sock.close()
        shutil.rmtree(self._scratch, ignore_errors=True)

    # -- placing steps -----------------------------------------------------------------------
    def _start_user(self, handle: LocalHandle) -> None:
        proc, self._spare = self._spare, None
        if proc is None or proc.dead:
            proc = self._fork("user")
        try:
            self._send_run(proc, handle)
        except OSError:  # the spare died unseen: fork a fresh one
            self._drop(proc)
            self._send_run(self._fork("user"), handle)
        self._ensure_workers()  # fork the next spare now, off the next step's critical path

    def _dispatch(self) -> None:
        """Start queued steps, oldest first, while fewer than `concurrency` run."""
        while self._queue:
            if sum(1 for h in self._live if h.proc is not None) >= self.concurrency:
                return
            handle = self._queue[0]
            if handle.user_code or handle.spec.environment:  # an environment's Python is a fresh process
                self._queue.popleft()
                try:
                    self._start_user(handle)
                except OSError as exc:
                    self._fail(handle, "launch", f"could not start a step process: {exc}")
                continue
            proc = self._idle_worker_for(handle)
            if proc is None:
                if len(self._pool) >= self._max_pool:
                    return
                try:
                    proc = self._fork("pool")
                except OSError as exc:
                    self._fail(self._queue.popleft(), "launch", f"could not start a pool worker: {exc}")
                    continue
                self._pool.append(proc)
            self._queue.popleft()
            try:
                self._send_run(proc, handle)
            except OSError:  # it died unseen; the next round picks or forks another
                self._queue.appendleft(handle)
                self._drop(proc)

    def _idle_worker_for(self, handle: LocalHandle) -> _Proc | None:
        """The idle pool worker holding most of the step's input frames (the first idle one when none does)."""
        idle = [p for p in self._pool if p.step is None and not p.dead]
        if len(idle) < 2:
            return idle[0] if idle else None
        wanted = {ref.get("digest") for ref in handle.spec.inputs.values()}
        return max(idle, key=lambda p: len(wanted & p.frames))

    def _send_run(self, proc: _Proc, handle: LocalHandle) -> None:
        message: dict[str, Any] = {"op": "run", "spec": handle.spec.as_json()}
        if handle.spec.environment:
            message["python"] = envbuild.python_of(handle.spec.environment)
        if proc.role == "pool":
            message["frame_cache_mb"] = self.frame_cache_mb
            message["frame_cache_idle_seconds"] = self.frame_cache_idle_seconds
        send_msg(proc.sock, message)
        self._launches += 1
        proc.step, handle.proc, handle.pid = handle, proc, proc.pid
        handle.started = time.monotonic()
        timeout = handle.spec.timeout
        # the engine gives a finite positive timeout; anything else (a direct caller) is not trusted
        valid = isinstance(timeout, (int, float)) and timeout > 0 and math.isfinite(timeout)
        handle.deadline = handle.started + timeout if valid else None
        if self._next_tail is None:
            self._next_tail = handle.started + TAIL_INTERVAL

    # -- the loop thread ---------------------------------------------------------------------
    def _loop(self) -> None:
        try:
            while True:
                with self._lock:
                    timeout = self._timeout()
                try:
                    ready = self._sel.select(timeout)
                except (OSError, ValueError, OverflowError):  # never let a bad wait end the loop
                    log.exception("local target: select failed")
                    ready = []
                with self._lock:
                    try:
                        for key, _ in ready:
                            if key.data == "wake":
                                drain(self._wake_r)
                            elif key.data == "ctl":
                                self._on_ctl()
                            elif isinstance(key.data, _Proc) and not key.data.dead:
                                self._on_proc(key.data)
                        self._tick(time.monotonic())
                        if not self._closed:  # replace what died, start what waits (cheap when idle)
                            self._ensure_workers()
                            self._dispatch()
                    except Exception:  # one bad message must not stop every step's reporting
                        log.exception("local target: event loop error")
                    out, self._pending = self._pending, []
                    stop = self._closed
                for sink, event in out:
                    try:
                        sink(event)
                    except Exception:
                        log.exception("local target: on_event raised")
                if stop:
                    return
        finally:
            self._sel.close()
            os.close(self._wake_r)
            os.close(self._wake_w)

    def _timeout(self) -> float | None:
        if self._pending or self._closed:
            return 0
        times = [t for h in self._live for t in (h.deadline, h.kill_deadline) if t is not None]
        if self._next_tail is not None:
            times.append(self._next_tail)
        return min(MAX_WAIT, max(0.0, min(times) - time.monotonic())) if times else MAX_WAIT

    def _tick(self, now: float) -> None:
        running = False
        for handle in list(self._live):
            if handle.done or handle.proc is None:
                continue
            running = True
            if handle.kill_deadline is not None and now >= handle.kill_deadline:
                reason = handle.kill_reason or "lost"
                self._complete_failed(handle, reason, kill_message(handle, reason))
            elif handle.deadline is not None and not handle.kill_reason and now >= handle.deadline:
                self._kill(handle, "timeout")
        if self._next_tail is not None and now >= self._next_tail:
            for handle in self._live:
                if handle.proc is not None and not handle.done:
                    self._tail(handle)
            self._next_tail = now + TAIL_INTERVAL if running else None

    def _on_proc(self, proc: _Proc) -> bool:
        """Handle what the process sent; False when nothing was waiting."""
        try:
            chunk = proc.sock.recv(1 << 20, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return False
        except OSError:
            chunk = b""
        if not chunk:
            self._proc_gone(proc)
            return False
        try:
            messages = proc.framer.feed(chunk)
        except ValueError as exc:  # not our protocol: whatever runs there is not trustworthy
            log.warning("local target: %s; killing it", exc)
            handle = proc.step
            killpg(proc.pid)
            if handle is not None and not handle.done:
                self._kill(handle, "lost")
            self._drop(proc)
            return False
        for msg in messages:
            if not proc.dead:
                self._on_message(proc, msg)
        return True

    def _on_message(self, proc: _Proc, msg: dict[str, Any]) -> None:
        op = msg.get("op")
        handle = proc.step
        if op == "hello":
            proc.pid = msg["pid"]
            self._by_pid[proc.pid] = proc
            if handle is not None:
                handle.pid = proc.pid
                if handle.kill_reason:  # killed before we knew whom to kill
                    killpg(proc.pid)
        elif op == "event" and handle is not None and not handle.done:
            self._pending.append((handle.on_event, msg["event"]))
        elif op == "result":
            proc.step = None
            proc.frames = set(msg.get("frames") or ())
            killed = handle is not None and bool(handle.kill_reason)
            if handle is not None and not handle.done:
                result = StepResult.from_json(msg["result"])
                if msg.get("staged") and result.status == "succeeded" and result.outputs:
                    result = self._import_staged(handle, result)
                self._complete(handle, result)
            if proc.role == "user" or killed or msg.get("retire"):
                killpg(proc.pid)  # whatever a script left running goes with it
                self._drop(proc)

    def _import_staged(self, handle: LocalHandle, result: StepResult) -> StepResult:
        """A user-code step that dropped its privileges left its outputs in its work folder: the
        server copies them into the datastore itself (engine/targets/isolation.py)."""
        try:
            result.outputs = isolation.import_outputs(handle.spec, result.outputs)
        except Exception as exc:  # noqa: BLE001 - a missing or unreadable staged output fails the step
            from engine.datastore import is_disk_full

            return StepResult(status="failed", reason="disk" if is_disk_full(exc) else "launch",
                              error=f"could not store the step's outputs: {type(exc).__name__}: {exc}",
                              metrics=result.metrics, duration=result.duration)
        return result

    def _proc_exited(self, proc: _Proc, code: int | None, sig: int | None) -> None:
        # the result may still sit unread in the socket: it was sent before the exit
        while not proc.dead and proc.step is not None and self._on_proc(proc):
            pass
        handle = proc.step
        self._drop(proc)
        if handle is not None and not handle.done:
            if handle.kill_reason:
                reason, error = handle.kill_reason, kill_message(handle, handle.kill_reason)
            else:
                oom_killed = False
                if sig == signal.SIGKILL:  # the OOM killer's count went up meanwhile: it was memory
                    kills = limits.oom_kill_count()
                    oom_killed = kills is not None and self._oom_kills is not None and kills > self._oom_kills
                    self._oom_kills = kills
                reason, error = limits.explain_death(code, sig, self._log_tail(handle), oom_killed)
                if sig == signal.SIGXCPU and handle.spec.cpu_seconds:
                    error = f"step exceeded its CPU-time limit of {handle.spec.cpu_seconds} s"
            self._complete_failed(handle, reason, error)

    def _proc_gone(self, proc: _Proc) -> None:
        """Our socket to a process closed; its exit report (with the status) follows shortly."""
        handle = proc.step
        pid_known = proc.pid is not None
        self._drop(proc)
        if handle is not None and not handle.done:
            if pid_known:  # wait for the zygote's exit report (it says why), but not forever
                handle.kill_deadline = handle.kill_deadline or time.monotonic() + KILL_GRACE
            else:
                self._complete_failed(handle, "lost", "step process died before it started")

    def _processes_lost(self, ready: bool, reason: str, error: str, orphans: list[LocalHandle]) -> None:
        for handle in orphans:
            if not handle.done:
                self._complete_failed(handle, handle.kill_reason or reason,
                                      kill_message(handle, handle.kill_reason) if handle.kill_reason else error)
        if self._queue and not self._closed:
            if ready:  # it ran before, so a restart is worth it
                try:
                    self._start_zygote()
                    self._ensure_workers()
                    self._dispatch()
                    return
                except OSError:
                    pass
            while self._queue:
                self._fail(self._queue.popleft(), reason, error)

    # -- ending a step -----------------------------------------------------------------------
    def _kill(self, handle: LocalHandle, reason: str) -> None:
        if handle.kill_reason:
            return
        handle.kill_reason = reason
        handle.kill_deadline = time.monotonic() + KILL_GRACE
        if handle.proc is not None:
            killpg(handle.proc.pid)  # pid unknown yet: killed on its hello

    def _fail(self, handle: LocalHandle, reason: str, error: str) -> None:
        self._complete(handle, StepResult(status="failed", reason=reason, error=error))  # type: ignore[arg-type]

    def _complete_failed(self, handle: LocalHandle, reason: str, error: str) -> None:
        duration = time.monotonic() - handle.started if handle.started else 0.0
        self._complete(handle, StepResult(status="failed", reason=reason, error=error, duration=duration))  # type: ignore[arg-type]

    def _complete(self, handle: LocalHandle, result: StepResult) -> None:
        """Report the step's last output, then its one `done` event."""
        handle.done = True
        self._live.discard(handle)
        proc, handle.proc = handle.proc, None
        try:
            result.host = result.host or socket.gethostname()  # where it ran (no worker, no container)
            result.log = self._tail(handle, final=True)
            if proc is not None and proc.step is handle:
                proc.step = None
                if proc.role == "user" or handle.kill_reason:
                    killpg(proc.pid)
                    self._drop(proc)
        finally:  # whatever failed above, the step's one `done` is reported and its slot freed
            self._pending.append((handle.on_event, {"kind": "done", "attempt_id": handle.attempt_id, "result": result}))

    def _tail(self, handle: LocalHandle, final: bool = False) -> str:
        """Report the step's new output as a `log` event; when final, return its last LOG_KEEP bytes."""
        new, whole = handle.read_log(final)
        if new:
            text = new.decode("utf-8", "replace")
            self._pending.append((handle.on_event, {"kind": "log", "attempt_id": handle.attempt_id, "text": text}))
        return whole

    def _log_tail(self, handle: LocalHandle) -> str:
        return file_tail(handle.log_path, 4096)

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except (BlockingIOError, OSError):
            pass


def _close_at_exit(ref: "weakref.ref[LocalTarget]") -> None:
    target = ref()
    if target is not None:
        target.close()
