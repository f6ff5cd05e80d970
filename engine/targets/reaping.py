"""Every process a step starts ends with it: the zygote and each user-code process are child
subreapers (prctl PR_SET_CHILD_SUBREAPER), so what a step leaves behind, daemons in new sessions
included, is reparented to them and killed here."""
from __future__ import annotations

import os

import psutil


def kill_tree(procs: list[psutil.Process]) -> None:
    """SIGKILL each process and everything below it (listed first: a killed parent's children
    would move, out of reach of the listing)."""
    victims = []
    for proc in procs:
        try:
            victims += proc.children(recursive=True) + [proc]
        except psutil.Error:
            pass
    for victim in victims:
        try:
            victim.kill()
        except psutil.Error:
            pass


def _child_pids() -> set[int] | None:
    """This process's direct children from /proc/self/task/*/children (some 20 us, where
    listing every process costs milliseconds); None when the kernel does not provide it."""
    pids: set[int] = set()
    try:
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/children") as fh:
                pids.update(int(pid) for pid in fh.read().split())
    except (OSError, ValueError):
        return None
    return pids


def kill_adoptees(children: set[int]) -> None:
    """The zygote is a child subreaper: a process a step started and left behind (a daemon in a
    new session, a double fork) is reparented here once the step's process is gone. Nothing but
    the processes the zygote forked itself may live on: the rest are killed, with their trees."""
    pids = _child_pids()
    if pids is not None and pids <= children:
        return
    try:
        adopted = [p for p in psutil.Process().children() if p.pid not in children]
    except psutil.Error:
        return
    if adopted:
        kill_tree(adopted)


def kill_descendants(rounds: int = 5) -> None:
    """Kill every process below this one, including ones that left our session: a subreaper
    (a user step's process, the zygote) adopts them, so they stay listed as our descendants."""
    for _ in range(rounds):
        if _child_pids() == set():
            return  # the common case, known in microseconds
        try:
            below = psutil.Process().children(recursive=True)
        except psutil.Error:
            return
        if not below:
            return
        kill_tree(below)
        psutil.wait_procs(below, timeout=0.5)
