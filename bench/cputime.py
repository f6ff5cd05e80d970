"""CPU seconds (user + system) of whole process trees, for figures that mean something on a shared
machine: wall time there depends on what else runs, CPU time much less."""
from __future__ import annotations

import os
import subprocess
from typing import Sequence

import psutil


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds so far of process `pid` and every process below it: the live ones' own time plus
    what each has collected from children it reaped (a finished step process counts in its
    parent's). The difference of two readings is what the tree spent in between."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for proc in procs:
        try:
            t = proc.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):  # ended meanwhile: its parent counts it
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def run_counting_cpu(args: Sequence[str], **popen) -> tuple[str, float]:
    """Run a command to its end; (its stdout, CPU seconds of it and every process it waited for),
    from the kernel's accounting of that one child (wait4), whatever else this process runs."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, **popen)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, list(args), out)
    return out, usage.ru_utime + usage.ru_stime
