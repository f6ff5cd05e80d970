"""The warm parent of every local step process: imports pandas, sklearn, pyarrow and the module
catalogue once, then forks pool workers and fresh user-code children on request (`python -m`)."""
from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys
import tempfile
import threading
import traceback

from engine.targets import isolation, limits
from engine.targets.reaping import kill_adoptees, kill_descendants
from engine.targets.wire import recv_msg, send_msg

# the scrubbed environment exactly as the target gave it, before imports add their own (main())
BASE_ENV: dict[str, str] = {}

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
# a pool worker whose peak RSS passes this is replaced after its step, so leaks cannot pile up
POOL_RETIRE_RSS_MB = 2048
# a pool worker idle this long drops the frames it holds (engine/framecache.py) and gives the memory
# back, unless the target says otherwise (FRAME_CACHE_IDLE_SECONDS of its settings)
FRAME_CACHE_IDLE_SECONDS = 30.0
# how often the zygote looks for processes it adopted (a step's leftovers) even when nothing exits
ADOPTEE_SWEEP_SECONDS = 5.0
# a pool worker collects garbage and trims its heap after a step that grew it by more than this
TRIM_AFTER_GROWTH_MB = 32
LOG_NAME = "step.log"


def _prctl(option: int, value: int) -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except Exception:  # not Linux: children are still killed by close()/shutdown
        pass


def warm_up(modules: list[str]) -> None:
    """Import everything a step may need and exercise the datastore once, so lazy imports inside
    pandas/pyarrow are paid here and not in every forked child."""
    import numpy  # noqa: F401
    import pandas as pd
    import pyarrow  # noqa: F401
    import pyarrow.parquet  # noqa: F401
    import sklearn  # noqa: F401

    for name in ("linear_model", "ensemble", "tree", "model_selection", "metrics", "preprocessing"):
        try:
            __import__(f"sklearn.{name}")
        except Exception:
            traceback.print_exc()
    import engine.runner  # noqa: F401
    from engine.datastore import Datastore, warm_remote

    warm_remote()  # a remote datastore's client library (s3fs), imported once for every forked step
    from modules_catalog.registry import load_builtins

    for loader in [load_builtins] + [lambda m=m: __import__(m) for m in modules]:
        try:
            loader()
        except Exception:  # the step that needs it reports the error; other steps still run
            traceback.print_exc()
    try:
        with tempfile.TemporaryDirectory() as root:
            ds = Datastore(root)
            art = ds.put(pd.DataFrame({"a": [1, 2], "b": [0.5, None], "c": ["x", "y"]}), "DataFrame")
            ds.load(art.digest, "DataFrame")
            ds.put({"accuracy": 1.0}, "Metrics")
            ds.load(ds.put([1, 2], "Model").digest, "Model")
    except Exception:
        traceback.print_exc()
    limits.pin_threads()  # inspect the thread pools once, here: every forked step inherits it


# -- the zygote's own loop -----------------------------------------------------------------------

def serve(ctl: socket.socket) -> None:
    """Fork on request; report every child that exits. Single-threaded, so forking is safe."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    children: set[int] = set()
    me = os.getpid()
    _send_ctl(ctl, {"op": "ready", "pid": me})
    while True:
        readable, _, _ = select.select([ctl, wake_r], [], [], ADOPTEE_SWEEP_SECONDS)
        if wake_r in readable:
            try:
                while os.read(wake_r, 4096):
                    pass
            except BlockingIOError:
                pass
        _reap(ctl, children)
        if wake_r in readable or not readable:
            kill_adoptees(children)
        if ctl not in readable:
            continue
        try:
            data, fds, _, _ = socket.recv_fds(ctl, 1 << 16, 4)
        except OSError:
            data, fds = b"", []
        if not data:  # the target is gone (even killed): take everything down with us
            _shutdown(children, scratch=BASE_ENV.get("TMPDIR"))
        msg = json.loads(data)
        if msg.get("op") == "shutdown":
            break
        if msg.get("op") == "fork" and fds:
            pid = os.fork()
            if pid == 0:
                code = 70
                try:
                    for fd in fds[1:]:
                        os.close(fd)
                    _child(msg.get("role", "user"), fds[0], me, ctl, (wake_r, wake_w))
                    code = 0
                except BaseException:
                    traceback.print_exc()
                finally:
                    os._exit(code)
            children.add(pid)
        for fd in fds:
            os.close(fd)
    _shutdown(children)


def _send_ctl(ctl: socket.socket, msg: dict) -> None:
    try:
        ctl.send(json.dumps(msg).encode())
    except OSError:
        pass


def _reap(ctl: socket.socket, children: set[int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid not in children:
            continue  # an adoptee (see reaping.kill_adoptees): nobody asked for it
        children.discard(pid)
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        _send_ctl(ctl, {"op": "exit", "pid": pid, "code": code, "signal": sig})


def _shutdown(children: set[int], scratch: str | None = None) -> None:
    for pid in children:
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except OSError:
                pass
    kill_descendants()  # and whatever steps left running in other sessions
    for pid in children:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    if scratch and os.path.basename(scratch).startswith("graphwright-local-"):
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)  # nobody else will: the target died without close()
    os._exit(0)


# -- inside a forked child -------------------------------------------------------------------------

def _child(role: str, fd: int, zygote_pid: int, ctl: socket.socket, wake: tuple[int, int]) -> None:
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    ctl.close()
    for w in wake:
        os.close(w)
    os.setsid()  # its own process group: a timeout kills the step and everything it started
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if role == "user":  # what user code starts in a new session stays below it, to die with it
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
    if os.getppid() != zygote_pid:
        return  # the zygote died between fork and prctl
    conn = socket.socket(fileno=fd)
    conn.set_inheritable(False)  # a shell the script starts must not hold our socket open
    send_msg(conn, {"op": "hello", "pid": os.getpid()})
    # a log file is block-buffered; line buffering lets the target tail output as it happens
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)
        except (AttributeError, ValueError):
            pass
    if role == "pool":
        _pool_loop(conn)
    else:
        _user_once(conn)


def _emitter(conn: socket.socket):
    lock = threading.Lock()  # a module may report from several threads; frames must not interleave

    def emit(event: dict) -> None:
        if event.get("kind") == "log":
            return  # stdout already goes to the log file, which the target tails
        try:
            with lock:
                send_msg(conn, {"op": "event", "event": event})
        except (OSError, ValueError):
            pass

    return emit


def _redirect_output(log_path: str) -> tuple[int, int]:
    """Send stdout/stderr to the step's log, creating its work folder (the engine thread leaves
    that to the step's own process: a mkdir costs this VM's disk ~0.5 ms)."""
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    return saved


def _restore_output(saved: tuple[int, int]) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os.dup2(saved[0], 1)
    os.dup2(saved[1], 2)
    os.close(saved[0])
    os.close(saved[1])


def _pool_loop(conn: socket.socket) -> None:
    """Run trusted built-in steps one after another, in this warm process, keeping the frames they
    wrote or read for the next step (each result names them, so the target can send that step here)."""
    from engine.framecache import FrameCache
    from engine.stepspec import StepSpec

    home = os.getcwd()
    emit = _emitter(conn)
    frames = FrameCache()
    idle = FRAME_CACHE_IDLE_SECONDS
    while True:
        if len(frames) and not select.select([conn], [], [], idle)[0]:
            frames.clear()  # idle: nobody is about to need them
            limits.release_freed_memory()
            continue
        try:
            msg = recv_msg(conn)
        except OSError:
            return
        if msg is None:
            return
        if msg.get("op") == "drop_frames":
            frames.clear()
            limits.release_freed_memory()
            continue
        if msg.get("op") != "run":
            continue
        frames.resize(float(msg.get("frame_cache_mb") or 0))
        idle = float(msg.get("frame_cache_idle_seconds") or FRAME_CACHE_IDLE_SECONDS)
        result = _pool_step(StepSpec.from_json(msg["spec"]), emit, home, frames)
        retire = result.reason == "memory" or result.peak_rss_mb > POOL_RETIRE_RSS_MB
        if result.status != "succeeded":
            frames.clear()  # a failed step may have left anything half-done: start clean
        send_msg(conn, {"op": "result", "result": result.as_json(), "retire": retire, "frames": frames.digests()})
        if retire:
            return
        if result.peak_rss_mb - result.base_rss_mb > TRIM_AFTER_GROWTH_MB:
            # after the reply, but a chained step sent here waits for it: only worth it after a big step
            limits.release_freed_memory()


def _pool_step(spec, emit, home: str, frames=None):
    from engine.runner import run_step
    from engine.stepspec import StepResult
    from modules_catalog.registry import UnknownModule, registry

    try:
        user_code = registry.get(spec.module, spec.version).user_code
    except UnknownModule:
        user_code = False  # run_step reports the unknown module
    if user_code:
        # defence in depth: user code never runs in a shared, reused process
        return StepResult(status="failed", reason="launch",
                          error=f"{spec.module}@{spec.version} runs user code and cannot use the pool")
    try:
        saved = _redirect_output(os.path.join(spec.workdir, LOG_NAME))
    except (OSError, ValueError, TypeError) as exc:
        return _folder_failure(exc)
    try:
        os.chdir(spec.workdir)
        limits.reset_peak_rss()
        limits.limit_memory(spec.memory_mb, locked=False)
        limits.limit_cpu(spec.cpu_seconds, locked=False)
        return run_step(spec, emit, frames)
    except (OSError, ValueError, OverflowError) as exc:  # limits or folder the step cannot run with
        return StepResult(status="failed", reason="launch", error=f"{type(exc).__name__}: {exc}")
    finally:
        limits.release_memory_limit()
        limits.release_cpu_limit()
        os.chdir(home)
        _restore_output(saved)


def _folder_failure(exc: BaseException):
    from engine.datastore import is_disk_full
    from engine.stepspec import StepResult

    if is_disk_full(exc):
        return StepResult(status="failed", reason="disk", error=f"no space left on device for the step's work folder: {exc}")
    return StepResult(status="failed", reason="launch", error=f"cannot prepare the step's work folder: {exc}")


def _user_once(conn: socket.socket) -> None:
    """Wait (pre-forked) for one spec, run it under hard limits, report, exit."""
    from engine.runner import run_step
    from engine.stepspec import StepResult, StepSpec

    try:
        msg = recv_msg(conn)
    except OSError:
        return
    if msg is None:
        return
    spec = StepSpec.from_json(msg["spec"])
    os.environ.clear()
    tempfile.tempdir = None
    try:
        os.environ.update(BASE_ENV, HOME=spec.workdir, TMPDIR=spec.workdir)
        _redirect_output(os.path.join(spec.workdir, LOG_NAME))
        os.chdir(spec.workdir)
    except (OSError, ValueError, TypeError) as exc:
        send_msg(conn, {"op": "result", "retire": True, "result": _folder_failure(exc).as_json()})
        return
    if msg.get("python"):  # a step in an environment: that Python runs it, in this very process
        _exec_environment(conn, msg["python"], msg["spec"])
        return
    run_user(conn, spec)


PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV_CHILD = ("import sys; sys.path.insert(0, sys.argv[1]); from engine.targets import zygote; "
             "zygote.environment_child(sys.argv[2:])")


def _exec_environment(conn: socket.socket, python: str, spec_json: dict) -> None:
    """Become the environment's Python (exec: same pid, process group, limits, log and folder), which
    reads the spec from the work folder and runs the step as run_user does. Only an exec that fails
    returns: the step then fails at launch."""
    from engine.stepspec import StepResult

    try:
        path = os.path.join(os.getcwd(), ".spec.json")
        with open(path, "w") as fh:
            json.dump(spec_json, fh)
        os.set_inheritable(conn.fileno(), True)
        os.execv(python, [python, "-I", "-c", ENV_CHILD, PROJECT_ROOT, str(conn.fileno()), path])
    except OSError as exc:
        result = StepResult(status="failed", reason="launch", error=f"cannot start the environment's Python: {exc}")
        send_msg(conn, {"op": "result", "result": result.as_json(), "retire": True})


def environment_child(argv: list[str]) -> None:
    """Inside the environment's Python (after _exec_environment): run the step, report, exit."""
    from engine.stepspec import StepSpec

    conn = socket.socket(fileno=int(argv[0]))
    conn.set_inheritable(False)  # a shell the script starts must not hold our socket open
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    with open(argv[1]) as fh:
        spec = StepSpec.from_json(json.load(fh))
    os.unlink(argv[1])
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    run_user(conn, spec)
    os._exit(0)


def run_user(conn: socket.socket, spec) -> None:
    """Run a user-code step in this process under hard limits, report its result."""
    from engine.runner import run_step
    from engine.stepspec import StepResult

    try:
        limits.no_core_dumps()  # a crashing script must not fill its folder with a core file
        limits.limit_memory(spec.memory_mb, locked=True)
        limits.limit_cpu(spec.cpu_seconds, locked=True)
        result = run_step(spec, _emitter(conn), isolate=_isolator(spec))
    except BaseException as exc:  # limits could not be applied: never run unlimited
        result = StepResult(status="failed", reason="launch", error=f"{type(exc).__name__}: {exc}")
    limits.release_memory_limit()  # the headroom left above the limit is for this report
    kill_descendants()  # every process the step started ends with it, daemons included
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    staged = os.geteuid() != 0 and os.getuid() >= isolation.STEP_UID_BASE  # its outputs are in its work folder
    try:
        send_msg(conn, {"op": "result", "result": result.as_json(), "retire": True, "staged": staged})
    except ValueError:  # too big to send: keep what explains the outcome
        result.metrics, result.traceback = result.metrics[-1000:], result.traceback[-100_000:]
        send_msg(conn, {"op": "result", "result": result.as_json(), "retire": True, "staged": staged})



def _isolator(spec):
    """When the zygote is root: the step drops to a uid of its own once its inputs are read, and
    stores its outputs in its work folder for the target to import (engine/targets/isolation.py)."""
    if not isolation.enabled():
        return None

    def isolate():
        from engine.datastore import OPTIONS_ENV, Datastore

        staging = Datastore(isolation.staging_root(spec.workdir))  # created while still root
        isolation.drop_privileges(spec.workdir)
        os.environ.pop(OPTIONS_ENV, None)  # a remote store's keys: its inputs are read, it stores locally
        return staging

    return isolate


def main(argv: list[str]) -> None:
    BASE_ENV.update(os.environ)
    fd = int(argv[argv.index("--fd") + 1])
    modules = [argv[i + 1] for i, a in enumerate(argv) if a == "--module"]
    ctl = socket.socket(fileno=fd)
    # orphans of user code (a script's own children) are reparented here and reaped, not leaked
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    warm_up(modules)
    import gc

    gc.collect()
    gc.freeze()  # keep the warm heap out of the collector, so forked children share its pages
    serve(ctl)


if __name__ == "__main__":
    main(sys.argv[1:])
