"""The local target with real processes: the warm pool, fresh user-code children, the scrubbed
environment, cancel, events, frames kept in workers and cleanup."""
from __future__ import annotations

import os
import signal
import time

import pandas as pd
import psutil

from engine.datastore import Datastore
from engine.stepspec import StepSpec
from engine.targets.local import LocalTarget

from .local_steps import FIXTURES, SECRETS, Collector, gone, run, script, spec

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
                        "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "GRAPHWRIGHT_STEP_THREADS",
                        "ARROW_DEFAULT_MEMORY_POOL", "MALLOC_MMAP_THRESHOLD_"}


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
