"""What a step's process may see and use: the scrubbed environment, resource limits, and how a
process that died without reporting is explained."""
from __future__ import annotations

import os
import resource
import signal
import sys
from typing import Mapping

MB = 1024 * 1024
# OpenMP and BLAS use the step's share of the cores (steps run side by side: two OpenMP threads
# per step on two cores made a boosted-tree fit 7x slower); Arrow keeps its own pool for Parquet I/O
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
STEP_THREADS_VAR = "GRAPHWRIGHT_STEP_THREADS"  # the share itself, read by pin_threads() in the step
# give freed memory back between steps: Arrow on the system allocator, large blocks mmapped
ALLOCATOR_VARS = {"ARROW_DEFAULT_MEMORY_POOL": "system"}
# headroom above a user step's memory limit, so its result can still be serialised and sent
REPORT_HEADROOM_MB = 64


def available_cpus() -> int:
    """The cores this process may run on (its affinity mask, which a container's cpuset narrows)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def thread_share(processes: int, cpus: int | None = None) -> int:
    """Threads each of `processes` steps running side by side may use: its share of the cores, at least 1."""
    return max(1, (cpus or available_cpus()) // max(1, int(processes)))


def scrubbed_env(project_root: str, scratch: str, parent: Mapping[str, str] | None = None,
                 threads: int = 1) -> dict[str, str]:
    """The only variables a step's process gets: nothing from the parent except PATH and locale;
    OpenMP and BLAS pools of `threads` threads (the step's share of the cores)."""
    parent = os.environ if parent is None else parent
    venv_bin = os.path.dirname(sys.executable)
    path = parent.get("PATH") or "/usr/local/bin:/usr/bin:/bin"
    if venv_bin not in path.split(os.pathsep):
        path = venv_bin + os.pathsep + path  # `python` in a user script means the engine's python
    env = {
        "PATH": path,
        "LANG": parent.get("LANG") or "C.UTF-8",
        "HOME": scratch,
        "TMPDIR": scratch,
        "PYTHONPATH": project_root,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if parent.get("LC_ALL"):
        env["LC_ALL"] = parent["LC_ALL"]
    threads = max(1, int(threads))
    env.update({name: str(threads) for name in THREAD_VARS})
    env[STEP_THREADS_VAR] = str(threads)
    env.update(ALLOCATOR_VARS)
    return env


_controller: list = []  # the process's threadpoolctl controller, made once (a fork inherits it)


def pin_threads(threads: int | None = None) -> int:
    """Limit the OpenMP and BLAS pools already loaded in this process to `threads` (default: the
    step's share, from the environment). The variables alone do not do it: a library reads them
    when it loads, and pool workers are forked from a zygote that loaded them before; a pool a
    step loads later reads the variables. Inspecting the libraries costs ~30 ms, so it happens once
    per process (in the zygote, whose children inherit it); each call after costs microseconds."""
    if threads is None:
        try:
            threads = int(os.environ.get(STEP_THREADS_VAR) or 1)
        except ValueError:
            threads = 1
    threads = max(1, threads)
    try:
        if not _controller:
            from threadpoolctl import ThreadpoolController

            _controller.append(ThreadpoolController())
        _controller[0].limit(limits=threads)
    except Exception:  # noqa: BLE001 - no threadpoolctl, or a library it cannot drive: the variables still hold
        pass
    return threads


def address_space_mb() -> float:
    """Virtual size of this process now; limits are counted on top of it."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE") / MB


def limit_memory(memory_mb: int, *, locked: bool) -> None:
    """Cap the address space at what is mapped now + `memory_mb`.

    A warm child inherits ~0.5-1 GB of mappings (pandas, sklearn, pyarrow), so an absolute cap
    would either starve it or allow little; memory_mb is what the step itself may add. `locked`
    (user code) also lowers the hard limit, leaving a little headroom to report the result."""
    soft = int((address_space_mb() + memory_mb) * MB)
    hard = soft + REPORT_HEADROOM_MB * MB if locked else resource.getrlimit(resource.RLIMIT_AS)[1]
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def release_memory_limit() -> None:
    """Raise the soft limit back to the hard one (pool workers between steps, user code when done)."""
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def limit_cpu(cpu_seconds: int | None, *, locked: bool) -> None:
    """SIGXCPU (which kills) once the step has used `cpu_seconds` more CPU time than now."""
    if not cpu_seconds:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime) + int(cpu_seconds)
    hard = soft + 2 if locked else resource.getrlimit(resource.RLIMIT_CPU)[1]
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def release_cpu_limit() -> None:
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))


def trim_heap() -> None:
    """Return freed heap memory to the system (glibc keeps it otherwise), so what a step measures
    and holds is its data, not the leftovers of loading it or of the step before."""
    global _libc
    try:
        if _libc is None:
            import ctypes

            _libc = ctypes.CDLL("libc.so.6")
        _libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


_libc = None


def release_freed_memory() -> None:
    """After a pool step: collect its garbage, then hand the freed memory back, so a reused worker
    starts the next step small."""
    import gc

    gc.collect()
    trim_heap()


def no_core_dumps() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def reset_peak_rss() -> None:
    """Make ru_maxrss measure from now on (a reused pool worker would report its lifetime peak)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


_MEMORY_HINTS = ("MemoryError", "Cannot allocate memory", "std::bad_alloc", "out of memory")


def _cgroup_events_path() -> str | None:
    """The file whose `oom_kill` line counts the kernel OOM killer's kills in this process's
    cgroup: `memory.events` (v2) or `memory.oom_control` (v1); a container sees its own group at
    the mount's root. None when there is none to read."""
    candidates = []
    try:
        with open("/proc/self/cgroup") as fh:
            for line in fh:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                path = path.lstrip("/")
                if controllers == "":
                    candidates += [os.path.join("/sys/fs/cgroup", path, "memory.events"), "/sys/fs/cgroup/memory.events"]
                elif "memory" in controllers.split(","):
                    candidates += [os.path.join("/sys/fs/cgroup/memory", path, "memory.oom_control"),
                                   "/sys/fs/cgroup/memory/memory.oom_control"]
    except (OSError, ValueError):
        return None
    return next((c for c in candidates if os.path.exists(c)), None)


_EVENTS_PATH: list[str | None] = []  # looked up once per process


def oom_kill_count() -> int | None:
    """How many processes the kernel's OOM killer has killed in our cgroup, or None when unknown."""
    if not _EVENTS_PATH:
        _EVENTS_PATH.append(_cgroup_events_path())
    path = _EVENTS_PATH[0]
    if path is None:
        return None
    try:
        with open(path) as fh:
            for line in fh:
                name, _, value = line.partition(" ")
                if name == "oom_kill":
                    return int(value)
    except (OSError, ValueError):
        pass
    return None


def explain_death(code: int | None, sig: int | None, log_tail: str = "", oom_killed: bool = False) -> tuple[str, str]:
    """(reason, error) for a step process that ended without reporting a result. Over memory only
    when known (`oom_killed`: the kernel's OOM killer counted a kill meanwhile; or the step said
    so before it died); a SIGKILL otherwise says just that: anyone may have sent it."""
    if sig:
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        if sig == signal.SIGKILL and oom_killed:
            return "memory", "step process was killed by the kernel's out-of-memory killer (SIGKILL)"
        if sig == signal.SIGXCPU:
            return "timeout", "step exceeded its CPU-time limit"
        if sig != signal.SIGKILL and any(hint in log_tail for hint in _MEMORY_HINTS):
            return "memory", f"step process died from {name} while out of memory"
        return "signal", f"step process was killed by {name}"
    if code is None:
        return "lost", "step process vanished without reporting a result"
    if any(hint in log_tail for hint in _MEMORY_HINTS):
        return "memory", f"step process exited with code {code} while out of memory"
    return "lost", f"step process exited with code {code} without reporting a result"
