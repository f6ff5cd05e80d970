"""What a local step may use and how it ends: timeouts, memory and CPU limits, signals, full disks,
work folders that cannot be made, and every process it started ending with it."""
from __future__ import annotations

import os
import signal
import time

import psutil
import pytest

from engine.stepspec import StepSpec
from engine.targets.local import LocalTarget

from .local_steps import Collector, gone, run, script, spec

def test_an_endless_loop_is_killed_at_its_timeout(target, store, tmp_path):
    body = "def azureml_main(dataframe1=None, dataframe2=None):\n    while True:\n        pass\n"
    started = time.monotonic()
    result, _, handle = run(target, script(store, tmp_path, body, timeout=1), timeout=15)
    assert result.status == "failed" and result.reason == "timeout"
    assert result.error == "step exceeded its timeout of 1 s"
    assert time.monotonic() - started < 6
    assert gone(handle.pid)


def test_a_timeout_kills_the_scripts_own_children_too(target, store, tmp_path):
    body = ("import subprocess, time\n"
            "def azureml_main(dataframe1=None, dataframe2=None):\n"
            "    child = subprocess.Popen(['sleep', '300'])\n"
            "    open('grandchild.pid', 'w').write(str(child.pid))\n"
            "    time.sleep(300)\n")
    step = script(store, tmp_path, body, timeout=1.5)
    result, _, handle = run(target, step, timeout=15)
    assert result.reason == "timeout"
    grandchild = int(open(os.path.join(step.workdir, "grandchild.pid")).read())
    assert gone(handle.pid) and gone(grandchild)


def test_a_script_allocating_past_its_memory_limit_fails_with_reason_memory(target, store, tmp_path):
    body = ("def azureml_main(dataframe1=None, dataframe2=None):\n"
            "    hog = bytearray(3 * 1024 ** 3)\n"
            "    return None\n")
    result, _, _ = run(target, script(store, tmp_path, body, memory_mb=256))
    assert result.status == "failed" and result.reason == "memory", result.error
    assert result.error.startswith("MemoryError")


def test_a_builtin_step_is_memory_limited_in_the_pool_and_the_pool_recovers(target, store, tmp_path):
    result, _, _ = run(target, spec(store, tmp_path, "fixture.make_frame", params={"rows": 50_000_000},
                                    memory_mb=64))
    assert result.status == "failed" and result.reason == "memory", result.error
    result, _, _ = run(target, spec(store, tmp_path, "fixture.make_frame"))
    assert result.status == "succeeded"


@pytest.mark.parametrize("sig", ["SIGSEGV", "SIGKILL"])
def test_a_step_killed_by_a_signal_says_which_and_is_not_called_out_of_memory(target, store, tmp_path, sig):
    body = ("import os, signal\n"
            "def azureml_main(dataframe1=None, dataframe2=None):\n"
            f"    os.kill(os.getpid(), signal.{sig})\n")
    result, _, _ = run(target, script(store, tmp_path, body))
    assert result.status == "failed" and result.reason == "signal"
    assert result.error == f"step process was killed by {sig}"


def test_a_cpu_time_limit_ends_a_busy_script(target, store, tmp_path):
    body = "def azureml_main(dataframe1=None, dataframe2=None):\n    while True:\n        pass\n"
    result, _, _ = run(target, script(store, tmp_path, body, cpu_seconds=1, timeout=60), timeout=20)
    assert result.status == "failed" and result.reason == "timeout"
    assert result.error == "step exceeded its CPU-time limit of 1 s"


@pytest.mark.parametrize("user_code", [False, True])
def test_a_work_folder_that_cannot_be_made_fails_the_step_at_launch(target, store, tmp_path, user_code):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the step's folder should go")
    step = (script(store, tmp_path, "def azureml_main(a=None, b=None):\n    return a,\n") if user_code
            else spec(store, tmp_path, "fixture.make_frame"))
    step = StepSpec(**{**step.as_json(), "workdir": str(blocker / "step")})
    result, _, _ = run(target, step)
    assert result.status == "failed" and result.reason == "launch"
    assert "cannot prepare the step's work folder" in result.error
    again, _, _ = run(target, spec(store, tmp_path, "fixture.make_frame"))  # the pool still works
    assert again.status == "succeeded"


DAEMON = ("import os, time\n"
          "def azureml_main(dataframe1=None, dataframe2=None):\n"
          "    first = os.fork()\n"
          "    if first == 0:  # a daemon: new session, double fork, the middle process exits\n"
          "        os.setsid()\n"
          "        second = os.fork()\n"
          "        if second == 0:\n"
          "            os.execvp('sleep', ['sleep', '300'])\n"
          "        open('daemon.tmp', 'w').write(str(second))\n"
          "        os.rename('daemon.tmp', 'daemon.pid')\n"
          "        os._exit(0)\n"
          "    os.waitpid(first, 0)\n"
          "    time.sleep({after})\n")


def daemon_pid(step: StepSpec, within: float = 10.0, running: bool = True) -> int:
    path = os.path.join(step.workdir, "daemon.pid")
    end = time.monotonic() + within
    while not os.path.exists(path):
        assert time.monotonic() < end, "the script never started its daemon"
        time.sleep(0.05)
    pid = int(open(path).read())
    if running:  # the step still runs: so does its daemon
        assert psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    return pid


def test_a_daemon_a_script_starts_in_a_new_session_ends_with_the_step(target, store, tmp_path):
    step = script(store, tmp_path, DAEMON.format(after=0))
    result, _, _ = run(target, step)
    assert result.status == "succeeded", result.traceback
    assert gone(daemon_pid(step, running=False))


def test_a_daemon_a_script_starts_ends_when_the_step_is_killed_at_its_timeout(target, store, tmp_path):
    step = script(store, tmp_path, DAEMON.format(after=300), timeout=2)
    sink = Collector()
    target.launch(step, sink)
    pid = daemon_pid(step)
    assert sink.result(15).reason == "timeout"
    assert gone(pid)


def test_a_daemon_a_script_starts_ends_when_the_target_closes(store, tmp_path):
    tgt = LocalTarget(concurrency=1, pool_size=1)
    try:
        step = script(store, tmp_path, DAEMON.format(after=300))
        sink = Collector()
        tgt.launch(step, sink)
        pid = daemon_pid(step, within=60)
    finally:
        tgt.close()
    assert sink.result(5).status == "failed"
    assert gone(pid)


def test_a_work_folder_path_no_file_can_have_fails_the_step_and_frees_its_slot(own_target, store, tmp_path):
    for user_code in (False, True, False, True):  # more than the target's concurrency of 2
        step = (script(store, tmp_path, "def azureml_main(a=None, b=None):\n    return a\n") if user_code
                else spec(store, tmp_path, "fixture.make_frame"))
        step = StepSpec(**{**step.as_json(), "workdir": str(tmp_path / "bad\x00name")})
        result, _, _ = run(own_target, step)
        assert result.status == "failed" and result.reason == "launch", result.error
    again, _, _ = run(own_target, spec(store, tmp_path, "fixture.make_frame"))
    assert again.status == "succeeded"


def test_a_step_with_an_infinite_timeout_does_not_stop_the_target(own_target, store, tmp_path):
    result, _, _ = run(own_target, spec(store, tmp_path, "fixture.make_frame", timeout=float("inf")))
    assert result.status == "succeeded", result.error
    again, _, _ = run(own_target, spec(store, tmp_path, "fixture.make_frame"))
    assert again.status == "succeeded"


def test_a_sigkill_is_called_out_of_memory_only_when_the_oom_killer_counted_it():
    from engine.targets.limits import explain_death

    assert explain_death(None, signal.SIGKILL, "", oom_killed=True)[0] == "memory"
    assert explain_death(None, signal.SIGKILL, "MemoryError", oom_killed=False) == (
        "signal", "step process was killed by SIGKILL")
    assert explain_death(None, signal.SIGXCPU)[0] == "timeout"
    assert explain_death(3, None)[0] == "lost"


@pytest.mark.parametrize("user_code", [False, True])
def test_a_full_disk_under_the_work_folder_fails_the_step_with_reason_disk(target, store, tmp_path, user_code,
                                                                          tiny_disk):
    mount = tiny_disk("64k", inodes=1)
    step = (script(store, tmp_path, "def azureml_main(a=None, b=None):\n    return a\n") if user_code
            else spec(store, tmp_path, "fixture.make_frame"))
    result, _, _ = run(target, StepSpec(**{**step.as_json(), "workdir": str(mount / "step")}))
    assert result.status == "failed" and result.reason == "disk"
    assert result.error.startswith("no space left on device")
