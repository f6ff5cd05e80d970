"""The local target with real processes: the warm pool, fresh user-code children, the scrubbed
environment, timeouts that kill whole process groups, memory limits, cancel, events and cleanup."""
from __future__ import annotations

import itertools
import os
import signal
import subprocess
import threading
import time

import pandas as pd
import psutil
import pytest

from engine.datastore import Datastore
from engine.stepspec import StepSpec
from engine.targets.local import LocalTarget

FIXTURES = "tests.engine.fixture_modules"
SECRETS = {"DATABASE_URL": "postgres://u:hunter2@db/gw", "DJANGO_SECRET_KEY": "s3cr3t-key",
           "AWS_SECRET_ACCESS_KEY": "aws-s3cr3t"}
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def target():
    """One warm target shared by the module's tests."""
    tgt = LocalTarget(concurrency=4, pool_size=2, extra_modules=[FIXTURES])
    assert tgt.warm(60), "the zygote did not come up"
    yield tgt
    tgt.close()


@pytest.fixture
def secret_target(monkeypatch):
    """A target created, and used, while secrets sit in this process's environment."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    tgt = LocalTarget(concurrency=2, pool_size=1)
    yield tgt
    tgt.close()


@pytest.fixture
def own_target():
    tgt = LocalTarget(concurrency=2, pool_size=1, extra_modules=[FIXTURES])
    assert tgt.warm(60)
    yield tgt
    tgt.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Datastore:
    return Datastore(str(tmp_path_factory.mktemp("datastore")))


class Collector:
    """An on_event sink that remembers when each event arrived."""

    def __init__(self) -> None:
        self.events: list[tuple[float, dict]] = []
        self._done = threading.Event()

    def __call__(self, event: dict) -> None:
        self.events.append((time.monotonic(), event))
        if event["kind"] == "done":
            self._done.set()

    def result(self, timeout: float = 30.0):
        assert self._done.wait(timeout), f"no done event within {timeout}s"
        dones = [e for _, e in self.events if e["kind"] == "done"]
        assert len(dones) == 1
        return dones[0]["result"]

    def of(self, kind: str) -> list[dict]:
        return [e for _, e in self.events if e["kind"] == kind]


def spec(store: Datastore, tmp_path, module: str, **kw) -> StepSpec:
    workdir = tmp_path / f"step{next(_ids)}"
    return StepSpec(attempt_id=kw.pop("attempt_id", next(_ids)), run_id=1, node_id="n", module=module,
                    version="1", params=kw.pop("params", {}), inputs=kw.pop("inputs", {}),
                    datastore=store.root, workdir=str(workdir), **kw)


def script(store: Datastore, tmp_path, body: str, **kw) -> StepSpec:
    return spec(store, tmp_path, "execute_python_script", params={"script": body}, user_code=True, **kw)


def run(target: LocalTarget, step: StepSpec, timeout: float = 30.0):
    sink = Collector()
    handle = target.launch(step, sink)
    return sink.result(timeout), sink, handle


def gone(pid: int, within: float = 5.0) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def test_a_builtin_step_runs_in_a_reused_pool_worker(target, store, tmp_path):
    data = store.put(pd.DataFrame({"a": [1, 2, 3]}), "DataFrame")
    before = target.launches()
    step = spec(store, tmp_path, "passthrough", inputs={"data": {"digest": data.digest, "kind": "DataFrame"}})
    result, _, first = run(target, step)
    assert result.status == "succeeded", result.traceback
    assert result.outputs["data"]["digest"] == data.digest
    result, _, second = run(target, spec(store, tmp_path, "passthrough", inputs=step.inputs))
    assert result.status == "succeeded"
    assert target.launches() == before + 2
    assert first.pid == second.pid and first.pid != target.zygote_pid  # the same warm worker
    assert not target.check(second)


def test_a_builtin_failure_reports_its_traceback_and_keeps_the_worker(target, store, tmp_path):
    result, _, handle = run(target, spec(store, tmp_path, "fixture.fail"))
    assert result.status == "failed" and result.reason == "error"
    assert result.error == "ValueError: the fixture failed on purpose" and "_deep_failure" in result.traceback
    result, _, again = run(target, spec(store, tmp_path, "fixture.make_frame"))
    assert result.status == "succeeded" and again.pid == handle.pid


def test_a_user_scripts_print_output_reaches_the_log(target, store, tmp_path):
    body = ("import pandas as pd\n"
            "def azureml_main(dataframe1=None, dataframe2=None):\n"
            "    print('hello from the script')\n"
            "    return pd.DataFrame({'a': [1]})\n")
    result, sink, _ = run(target, script(store, tmp_path, body))
    assert result.status == "succeeded", result.traceback
    assert "hello from the script" in result.log
    assert "hello from the script" in "".join(e["text"] for e in sink.of("log"))


def test_a_user_script_sees_no_secret_of_the_parent(secret_target, store, tmp_path):
    body = ("import os, pandas as pd\n"
            "def azureml_main(dataframe1=None, dataframe2=None):\n"
            "    return pd.DataFrame({'name': list(os.environ), 'value': list(os.environ.values())})\n")
    step = script(store, tmp_path, body)
    result, _, _ = run(secret_target, step, timeout=60)
    assert result.status == "succeeded", result.traceback
    env = dict(store.load(result.outputs["result1"]["digest"], "DataFrame").values.tolist())
    assert not set(SECRETS) & set(env)
    assert not any(secret in value for value in env.values() for secret in SECRETS.values())
    assert env["HOME"] == env["TMPDIR"] == step.workdir
    assert set(env) <= {"PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE",
                        "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "ARROW_DEFAULT_MEMORY_POOL", "MALLOC_MMAP_THRESHOLD_"}


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


def test_two_steps_launched_together_overlap_in_time(target, store, tmp_path):
    sinks = [Collector(), Collector()]
    handles = [target.launch(spec(store, tmp_path, "fixture.timed_sleep", params={"seconds": 1.0}), s)
               for s in sinks]
    frames = []
    for sink in sinks:
        result = sink.result()
        assert result.status == "succeeded", result.traceback
        frames.append(store.load(result.outputs["result"]["digest"], "DataFrame").iloc[0])
    a, b = frames
    assert max(a.start, b.start) < min(a.end, b.end)  # both were running at once
    assert a.pid != b.pid and {int(a.pid), int(b.pid)} == {h.pid for h in handles}


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


def test_terminate_cancels_a_running_step(target, store, tmp_path):
    body = "import time\ndef azureml_main(dataframe1=None, dataframe2=None):\n    time.sleep(300)\n"
    sink = Collector()
    handle = target.launch(script(store, tmp_path, body), sink)
    time.sleep(0.5)
    assert target.check(handle)
    target.terminate(handle)
    result = sink.result(10)
    assert result.status == "failed" and result.reason == "cancelled"
    assert not target.check(handle) and gone(handle.pid)


def test_a_pool_step_can_be_cancelled_and_its_worker_is_replaced(target, store, tmp_path):
    sink = Collector()
    handle = target.launch(spec(store, tmp_path, "fixture.timed_sleep", params={"seconds": 300}), sink)
    time.sleep(0.3)
    target.terminate(handle, reason="cancelled")
    assert sink.result(10).reason == "cancelled"
    result, _, _ = run(target, spec(store, tmp_path, "fixture.make_frame"))
    assert result.status == "succeeded"


def test_user_code_runs_in_the_pre_forked_spare_child(target, store, tmp_path):
    body = "def azureml_main(dataframe1=None, dataframe2=None):\n    return None\n"
    run(target, script(store, tmp_path, body))  # uses a spare; another is forked behind it
    deadline = time.monotonic() + 10
    while target.spare_pid() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    spare = target.spare_pid()
    assert spare is not None
    result, _, handle = run(target, script(store, tmp_path, body))
    assert result.status == "succeeded", result.traceback
    assert handle.pid == spare
    assert gone(spare)  # one step per child: it does not come back as the next spare


def test_logs_metrics_and_progress_arrive_while_the_step_runs(target, store, tmp_path):
    result, sink, _ = run(target, spec(store, tmp_path, "fixture.report"))
    assert result.status == "succeeded", result.traceback
    done_at = next(t for t, e in sink.events if e["kind"] == "done")
    metric_at = [t for t, e in sink.events if e["kind"] == "metric"]
    printed_at = next(t for t, e in sink.events if e["kind"] == "log" and "printed line" in e["text"])
    assert len(metric_at) == 2 and max(metric_at) < done_at and printed_at < done_at
    assert sink.of("progress")[0]["fraction"] == 0.5
    assert result.metrics[0] == {"name": "accuracy", "value": 0.75, "step": None}
    assert "starting the report" in result.log and "printed line" in result.log
    assert result.log.count("starting the report") == 1  # once, though ctx.log also emits it in-process


def test_launches_past_concurrency_wait_their_turn(own_target, store, tmp_path):
    sinks = [Collector() for _ in range(4)]
    handles = [own_target.launch(spec(store, tmp_path, "fixture.timed_sleep", params={"seconds": 0.7}), sink)
               for sink in sinks]
    own_target.terminate(handles[3])  # still queued: cancelled without ever starting
    assert sinks[3].result(5).reason == "cancelled" and handles[3].pid is None
    frames = []
    for sink in sinks[:3]:
        result = sink.result()
        assert result.status == "succeeded", result.error
        frames.append(store.load(result.outputs["result"]["digest"], "DataFrame").iloc[0])
    frames.sort(key=lambda f: f.start)
    assert frames[2].start >= min(frames[0].end, frames[1].end) - 0.01  # concurrency=2: it waited


def test_a_dead_zygote_loses_its_steps_and_the_next_launch_restarts_it(own_target, store, tmp_path):
    sink = Collector()
    own_target.launch(spec(store, tmp_path, "fixture.timed_sleep", params={"seconds": 300}), sink)
    time.sleep(0.3)
    old = own_target.zygote_pid
    os.kill(old, signal.SIGKILL)
    result = sink.result(10)
    assert result.status == "failed" and result.reason == "lost"
    result, _, _ = run(own_target, spec(store, tmp_path, "fixture.make_frame"), timeout=60)
    assert result.status == "succeeded", result.error
    assert own_target.zygote_pid not in (None, old)


def test_close_leaves_no_child_processes(store, tmp_path):
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}  # the module's shared target
    tgt = LocalTarget(concurrency=2, pool_size=2, extra_modules=[FIXTURES])
    assert tgt.warm(60)
    sink = Collector()
    body = ("import subprocess, time\ndef azureml_main(a=None, b=None):\n"
            "    subprocess.Popen(['sleep', '300'])\n    time.sleep(300)\n")
    tgt.launch(script(store, tmp_path, body), sink)
    time.sleep(0.5)
    ours = {p.pid for p in me.children(recursive=True)} - before
    assert len(ours) >= 5  # zygote, two pool workers, the spare, the step (and its sleep)
    tgt.close()
    assert sink.result(5).status == "failed"
    assert {p.pid for p in me.children(recursive=True)} <= before
    assert all(gone(pid, within=1) for pid in ours)


def test_a_step_goes_to_the_idle_worker_that_holds_its_input_and_reads_it_from_memory(target, store, tmp_path):
    sinks, handles = [], []
    for _ in range(2):  # side by side, so two different workers each make (and keep) one frame
        sink = Collector()
        handles.append(target.launch(spec(store, tmp_path, "fixture.timed_sleep", params={"seconds": 0.5}), sink))
        sinks.append(sink)
    made = [sink.result() for sink in sinks]
    assert all(r.status == "succeeded" for r in made)
    assert handles[0].pid != handles[1].pid
    for result, maker in zip(reversed(made), reversed(handles)):  # the second worker's frame first
        digest = result.outputs["result"]["digest"]
        step = spec(store, tmp_path, "passthrough", inputs={"data": {"digest": digest, "kind": "DataFrame"}})
        got, _, handle = run(target, step)
        assert got.status == "succeeded", got.traceback
        assert handle.pid == maker.pid and got.from_memory_mb > 0
        assert got.outputs["data"]["digest"] == digest


def test_dropped_frames_are_read_back_from_the_datastore(target, store, tmp_path):
    made, _, maker = run(target, spec(store, tmp_path, "fixture.make_frame", params={"rows": 50}))
    digest = made.outputs["result"]["digest"]
    target.drop_frames()
    got, _, handle = run(target, spec(store, tmp_path, "passthrough",
                                      inputs={"data": {"digest": digest, "kind": "DataFrame"}}))
    assert got.status == "succeeded" and got.from_memory_mb == 0


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


def test_an_idle_worker_drops_its_frames_after_the_idle_time():
    tgt = LocalTarget(concurrency=1, pool_size=1, frame_cache_idle_seconds=0.3)
    try:
        assert tgt.warm(60)
        root = tgt._scratch
        store = Datastore(os.path.join(root, "ds"))
        made, _, _ = run(tgt, StepSpec(attempt_id=1, run_id=1, node_id="a", module="sample_dataset", version="1",
                                       params={"name": "iris"}, inputs={}, datastore=store.root,
                                       workdir=os.path.join(root, "a")))
        ref = {"data": {"digest": made.outputs["data"]["digest"], "kind": "DataFrame"}}
        step = lambda n: StepSpec(attempt_id=n, run_id=1, node_id="p", module="passthrough", version="1",  # noqa: E731
                                  params={}, inputs=ref, datastore=store.root, workdir=os.path.join(root, f"p{n}"))
        warm, _, _ = run(tgt, step(2))
        assert warm.from_memory_mb > 0  # right after: from memory
        time.sleep(1.0)
        cold, _, _ = run(tgt, step(3))
        assert cold.status == "succeeded" and cold.from_memory_mb == 0  # after the idle time: read back
    finally:
        tgt.close()


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
def test_a_full_disk_under_the_work_folder_fails_the_step_with_reason_disk(target, store, tmp_path, user_code):
    mount = tmp_path / "full"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,nr_inodes=1", "tmpfs",
                                            str(mount)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        step = (script(store, tmp_path, "def azureml_main(a=None, b=None):\n    return a\n") if user_code
                else spec(store, tmp_path, "fixture.make_frame"))
        step = StepSpec(**{**step.as_json(), "workdir": str(mount / "step")})
        result, _, _ = run(target, step)
    finally:
        subprocess.run(["umount", str(mount)], check=False)
    assert result.status == "failed" and result.reason == "disk"
    assert result.error.startswith("no space left on device")
