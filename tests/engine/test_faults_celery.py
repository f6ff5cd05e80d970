"""Faults on the `celery` target with real worker processes (Redis db 1, the test's database):
the child running a step's user code killed from outside (the attempt is `lost` and runs again), a
worker killed before its first heartbeat (its lease lapses and another worker runs the step), and
a cancel by a process without an engine while the worker is frozen (the step's process is gone
within seconds and its late result never overwrites `cancelled`). The SIGKILLed and SIGSTOPped
workers mid-step, the stale token and the double delivery are in test_celery_target.py."""
from __future__ import annotations

import os
import signal
import time

import pytest

from tests.conftest import wait_for_run
from tests.engine.graphs import document, node, script_node
from tests.engine.test_celery_target import _on, _step_processes, _submit, farm, kill  # noqa: F401 (fixture)

# the scaled pass only: Celery targets are the scaled mode's (docs/architecture.md, Modes), their
# workers reaching PostgreSQL from other machines; on SQLite they would only repeat these tests
# (seconds of real workers each) on a database no deployment of them uses
pytestmark = [pytest.mark.slow, pytest.mark.scaled_only]

SLOW_SCRIPT = """
import time
import pandas as pd

def azureml_main(dataframe1=None, dataframe2=None):
    print("started", flush=True)
    time.sleep(4)
    return pd.DataFrame({"x": [1, 2, 3]})
"""


def _attempts(step):
    return list(step.attempts.order_by("number").values_list("number", "status", "reason", "failure"))


def _wait(predicate, what: str, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        assert time.monotonic() < deadline, what
        time.sleep(0.02)
    return found


def test_the_user_code_child_killed_on_a_worker_is_lost_and_runs_again(farm, workspace, settings):
    from engine.models import Step

    worker = farm("w1")
    run = _submit(workspace, _on("farm", document([script_node("slow", SLOW_SCRIPT)], [])))
    first = os.sep + "step-"  # attempt 1's folder: step-<id>-1
    children = _wait(lambda: [p for p in _step_processes(worker, settings.WORK_ROOT) if p.cwd().endswith("-1")
                              and first in p.cwd()], "the script's process never started on w1")
    for proc in children:
        proc.send_signal(signal.SIGKILL)
    run = wait_for_run(run.id, timeout=120)
    assert run.status == "succeeded", run.error
    step = Step.objects.get(run=run, node_id="slow")
    assert _attempts(step) == [(1, "failed", "signal", "lost"), (2, "succeeded", "", "")]
    assert step.worker == "w1@test" and set(step.outputs) == {"result1", "result2"}
    assert worker.poll() is None  # the worker itself went on


def test_a_worker_killed_before_its_first_heartbeat_lapses_within_a_lease_and_another_runs_the_step(farm, workspace):
    from engine.models import Attempt, Step

    # w1 renews every 2 s (its own HEARTBEAT_SECONDS/LEASE_SECONDS), so it is killed between its
    # claim and its first renewal; the engine's lease is 4 s (the fixture's)
    first = farm("w1", HEARTBEAT_SECONDS="30", LEASE_SECONDS="30")
    run = _submit(workspace, _on("farm", document([node("data", "sample_dataset", name="iris")], [])))
    claimed = _wait(lambda: Attempt.objects.filter(step__run=run, number=1, owner__endswith="@w1@test")
                    .values_list("heartbeat_at", flat=True).first(), "w1 never claimed the attempt")
    kill(first)
    farm("w2")
    run = wait_for_run(run.id, timeout=120)  # far within the broker's visibility timeout (600 s)
    assert run.status == "succeeded", run.error
    step = Step.objects.get(run=run, node_id="data")
    assert _attempts(step) == [(1, "failed", "lost", "lost"), (2, "succeeded", "", "")]
    lost = step.attempts.get(number=1)
    assert lost.heartbeat_at == claimed  # never renewed: w1 died before its first heartbeat
    assert step.worker == "w2@test" and set(step.outputs) == {"data"}


def test_a_cancel_without_an_engine_stops_the_step_and_its_late_result_is_refused(farm, workspace, settings,
                                                                                 monkeypatch):
    from engine import executor, services
    from engine.celery_worker import workers_on
    from engine.models import ComputeTarget, Run, Step

    queue = ComputeTarget.objects.get(name="farm").settings["queue"]
    worker = farm("w1")
    run = _submit(workspace, _on("farm", document([node("nap", "sleep", seconds=1.5)], [])))
    _wait(lambda: Step.objects.filter(run=run, node_id="nap", status="running", worker="w1@test").exists()
          and _step_processes(worker, settings.WORK_ROOT), "the sleep step never started on w1")
    os.killpg(worker.pid, signal.SIGSTOP)  # the worker cannot renew, kill or record meanwhile
    try:
        monkeypatch.setattr(executor, "current", lambda: None)  # as in a web process without an engine
        services.run_cancel(run=Run.objects.get(pk=run.pk))
        time.sleep(2.5)  # the step's own sleep is over: its result waits for the frozen worker
    finally:
        os.killpg(worker.pid, signal.SIGCONT)
    _wait(lambda: not _step_processes(worker, settings.WORK_ROOT), "the cancelled step's process outlived the cancel",
          timeout=30)
    _wait(lambda: [w for w in workers_on(queue) if w["worker"] == "w1@test" and not w["running"]],
          "w1 never finished its cancelled task", timeout=60)
    run = Run.objects.get(pk=run.pk)
    assert run.status == "cancelled"
    nap = Step.objects.get(run=run, node_id="nap")
    assert nap.status == "cancelled" and nap.outputs == {}
    assert _attempts(nap) == [(1, "failed", "cancelled", "")]
    assert worker.poll() is None
