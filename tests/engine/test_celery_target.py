"""The `celery` compute target (engine/targets/celery.py, engine/celery_app.py,
engine/celery_worker.py) with real Celery worker processes on Redis db 1: a pipeline runs green on
a workspace's celery target with its logs as run events and each step's worker recorded; a worker
SIGKILLed mid-step leaves its attempt to lapse, and the step is retried as `lost` on another worker;
a result with a stale fencing token is refused; a task delivered twice runs one attempt."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pandas as pd
import pytest

from tests.conftest import TEST_REDIS_URL, subprocess_db_env, wait_for_run
from tests.engine.graphs import document, edge, iris_regression, node

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REDIS_URL = TEST_REDIS_URL  # GRAPHWRIGHT_TEST_REDIS_URL, default db 1
pytestmark = pytest.mark.slow
# the tests with real workers (`farm`) run in the scaled pass only: Celery targets are the scaled
# mode's (docs/architecture.md, Modes), their workers reaching PostgreSQL from other machines; on
# SQLite they would only repeat seconds of real workers each on a database no deployment of them
# uses. The unit-level fencing tests (`attempt`) run in both passes.
WORKERS = pytest.mark.scaled_only


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture
def farm(transactional_db, settings, workspace, tmp_path):
    """A workspace celery target `farm` on a queue of its own, the engine running, and `start(name)`
    to start a real worker process for it (all killed at teardown)."""
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    from engine import executor
    from engine.models import ComputeTarget

    queue = f"gw-test-{uuid.uuid4().hex[:8]}"
    settings.REDIS_URL = REDIS_URL
    settings.ENGINE = {**settings.ENGINE, "HEARTBEAT_SECONDS": 0.5, "LEASE_SECONDS": 4.0}
    ComputeTarget.objects.create(workspace=workspace, name="farm", kind="celery", settings={"queue": queue})
    # the test's database (its SQLite file, or pytest-django's PostgreSQL test database)
    env = subprocess_db_env(DJANGO_SETTINGS_MODULE="config.worker_settings", REDIS_URL=REDIS_URL,
                            DATASTORE_ROOT=settings.DATASTORE_ROOT, WORK_ROOT=settings.WORK_ROOT,
                            HEARTBEAT_SECONDS="0.5", LEASE_SECONDS="4", ENGINE_AUTOSTART="0", LOCAL_CONCURRENCY="1",
                            LOCAL_POOL_SIZE="1", PYTHONPATH=ROOT)
    workers: list[subprocess.Popen] = []

    def start(name: str, *, wrapper: bool = False, **extra_env: str) -> subprocess.Popen:
        """A worker by the plain celery command, or by `manage.py worker --target farm`; `extra_env`
        overrides its environment (e.g. a longer HEARTBEAT_SECONDS)."""
        out = open(tmp_path / f"{name}.log", "wb")
        argv = ([sys.executable, "manage.py", "worker", "--target", "farm", "--workspace", workspace.slug,
                 f"--hostname={name}@test"] if wrapper else
                [os.path.join(os.path.dirname(sys.executable), "celery"), "-A", "engine.celery_app", "worker", "-Q", queue,
                 "--pool=threads", "--concurrency=1", "--prefetch-multiplier=1", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", f"--hostname={name}@test", "--loglevel=INFO"])
        proc = subprocess.Popen(argv, cwd=ROOT, env={**env, **extra_env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        workers.append(proc)
        return proc

    ex = executor.start()
    yield start
    executor.stop()
    for proc in workers:
        kill(proc)
    import redis

    redis.Redis.from_url(REDIS_URL).delete(queue)


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL the worker and everything it started (its step's processes too)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def _submit(workspace, doc, **kw):
    from designer.selectors import dataset_resolver
    from designer.services import version_snapshot
    from engine import services

    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    return services.run_submit(workspace=workspace, version=version, resolve_dataset=dataset_resolver(workspace=workspace), **kw)


def _on(target: str, doc: dict) -> dict:
    return {**doc, "nodes": [{**n, "target": target} for n in doc["nodes"]]}


def _pipeline() -> dict:
    doc = iris_regression()
    doc["nodes"].append(node("nap", "sleep", seconds=0.2))
    doc["edges"].append(edge("score", "data", "nap", "data"))
    return doc


@WORKERS
def test_a_pipeline_on_a_celery_target_gives_what_local_gives(farm, workspace):
    from engine.models import RunEvent
    from engine.selectors import datastore

    farm("w1", wrapper=True)  # manage.py worker --target farm: execs celery on the target's queue
    local = wait_for_run(_submit(workspace, _pipeline()).id, timeout=120)
    assert local.status == "succeeded", local.error
    remote = wait_for_run(_submit(workspace, _on("farm", _pipeline()), force=True).id, timeout=120)
    assert remote.status == "succeeded", remote.error
    store = datastore()
    compared = 0
    for step in remote.steps.all():
        assert step.worker == "w1@test", (step.node_id, step.worker)  # each step records where it ran
        assert step.attempts.count() == 1
        mine = local.steps.get(node_id=step.node_id)
        assert mine.worker == ""
        assert set(step.outputs) == set(mine.outputs)
        for port, ref in step.outputs.items():
            if ref["kind"] == "DataFrame":
                pd.testing.assert_frame_equal(store.load(ref["digest"], "DataFrame"),
                                              store.load(mine.outputs[port]["digest"], "DataFrame"))
                compared += 1
    assert compared >= 5
    logs = [e.payload["text"] for e in RunEvent.objects.filter(run=remote, type="step.log") if e.payload["node"] == "nap"]
    assert any("sleeping 0.2 s" in text for text in logs)  # published by the worker
    types = set(RunEvent.objects.filter(run=remote).values_list("type", flat=True))
    assert {"step.metric", "step.progress"} <= types


@WORKERS
def test_a_worker_killed_mid_step_loses_its_attempt_and_another_worker_runs_it(farm, workspace):
    from engine.models import Attempt, Step

    first = farm("w1")
    doc = _on("farm", document([node("data", "sample_dataset", name="iris"), node("nap", "sleep", seconds=3.0)],
                               [edge("data", "data", "nap", "data")]))
    run = _submit(workspace, doc)
    deadline = time.monotonic() + 90
    while not Step.objects.filter(run=run, node_id="nap", status="running", worker="w1@test").exists():
        assert time.monotonic() < deadline, "the sleep step never started on w1"
        time.sleep(0.1)
    time.sleep(0.5)  # mid-step
    kill(first)
    farm("w2")
    run = wait_for_run(run.id, timeout=120)
    assert run.status == "succeeded", run.error
    nap = Step.objects.get(run=run, node_id="nap")
    attempts = list(nap.attempts.order_by("number").values_list("status", "reason"))
    assert attempts == [(Attempt.Status.FAILED, "lost"), (Attempt.Status.SUCCEEDED, "")]
    assert nap.worker == "w2@test"
    assert set(nap.outputs) == {"data"}  # one artifact per output
    from engine.selectors import datastore

    frame = datastore().load(nap.outputs["data"]["digest"], "DataFrame")
    from sklearn.datasets import load_iris

    assert len(frame) == len(load_iris().data)


# -- unit level: fencing and duplicate delivery ---------------------------------------------------

@pytest.fixture
def attempt(transactional_db, workspace, settings):
    """A running attempt of a step of a (never driven) run, as the engine leaves it after sending its
    task with token `tok`."""
    from django.utils import timezone

    from engine.celery_worker import sent_owner
    from engine.models import Attempt, Step

    settings.ENGINE = {**settings.ENGINE, "AUTOSTART": False}
    run = _submit(workspace, document([node("data", "sample_dataset", name="iris")], []))
    step = Step.objects.create(run=run, node_id="solo", module="sleep", version="1", status=Step.Status.RUNNING)
    return Attempt.objects.create(step=step, number=1, owner=sent_owner("tok"), heartbeat_at=timezone.now())


def test_a_result_with_a_stale_token_is_refused(attempt):
    from engine.celery_worker import claim, record_fenced
    from engine.models import Attempt, Step
    from engine.stepspec import StepResult

    assert claim(attempt.id, "tok", "w1")
    failed = StepResult(status="failed", reason="error", error="boom")
    assert not record_fenced(attempt_id=attempt.id, token="old", worker="w1", result=failed)
    assert not record_fenced(attempt_id=attempt.id, token="tok", worker="w2", result=failed)  # not its claimer
    assert Attempt.objects.get(pk=attempt.id).status == Attempt.Status.RUNNING
    assert record_fenced(attempt_id=attempt.id, token="tok", worker="w1", result=failed)
    assert Attempt.objects.get(pk=attempt.id).status == Attempt.Status.FAILED
    assert Step.objects.get(pk=attempt.step_id).error == "boom"
    # a late result once the attempt ended (reaped as lost, or recorded): refused too
    assert not record_fenced(attempt_id=attempt.id, token="tok", worker="w1", result=StepResult(status="succeeded"))
    assert Step.objects.get(pk=attempt.step_id).status == Step.Status.FAILED


def test_the_same_task_delivered_twice_runs_one_attempt(attempt, monkeypatch):
    from engine import celery_worker
    from engine.models import Attempt, Step
    from engine.stepspec import StepResult, StepSpec

    runs = []
    monkeypatch.setattr(celery_worker, "_run", lambda spec, token, worker: runs.append(worker) or StepResult(
        status="failed", reason="error", error=f"ran on {worker}"))
    spec = StepSpec(attempt_id=attempt.id, run_id=attempt.step.run_id, node_id="solo", module="sleep", version="1",
                    params={}, inputs={}, datastore="/nonexistent", workdir="/nonexistent")
    assert celery_worker.execute(spec.as_json(), "tok", worker="w1") == "recorded"
    assert celery_worker.execute(spec.as_json(), "tok", worker="w2") == "skipped"  # redelivered elsewhere
    assert celery_worker.execute(spec.as_json(), "tok", worker="w1") == "skipped"  # or to the same worker
    assert runs == ["w1"]
    assert Attempt.objects.filter(step_id=attempt.step_id).count() == 1
    assert Step.objects.get(pk=attempt.step_id).worker == "w1"


def _step_processes(worker: subprocess.Popen, workdir_root: str) -> list:
    """The worker's descendants working in a step folder (the step's own process)."""
    import psutil

    found = []
    try:
        for proc in psutil.Process(worker.pid).children(recursive=True):
            try:
                if proc.cwd().startswith(workdir_root):
                    found.append(proc)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                pass
    except psutil.NoSuchProcess:
        pass
    return found


@WORKERS
def test_a_cancel_seen_only_in_the_database_kills_the_step_on_its_worker(farm, workspace, settings):
    from engine.models import Attempt, Run, Step

    worker = farm("w1")
    doc = _on("farm", document([node("nap", "sleep", seconds=600.0)], []))
    run = _submit(workspace, doc)
    deadline = time.monotonic() + 90
    while not _step_processes(worker, settings.WORK_ROOT):
        assert time.monotonic() < deadline, "the sleep step never started on w1"
        time.sleep(0.1)
    # the targets API shows the worker listening on the target's queue and what it runs now
    from designer.api.targets import ComputeTargetSerializer
    from engine.models import ComputeTarget

    deadline = time.monotonic() + 30
    while True:
        workers = ComputeTargetSerializer(ComputeTarget.objects.get(name="farm")).data["workers"]
        if workers and workers[0]["running"]:
            break
        assert time.monotonic() < deadline, f"the worker's presence never showed its step: {workers}"
        time.sleep(0.2)
    assert [w["worker"] for w in workers] == ["w1@test"] and workers[0]["pid"] > 0
    assert [(r["run"], r["node"], r["module"]) for r in workers[0]["running"]] == [(run.id, "nap", "sleep")]
    # what a web process without an engine does: only the database says so; the worker acts on it
    Run.objects.filter(pk=run.id).update(cancel_requested=True)
    deadline = time.monotonic() + 30
    while _step_processes(worker, settings.WORK_ROOT):
        assert time.monotonic() < deadline, "the step's process outlived the cancel"
        time.sleep(0.1)
    run = wait_for_run(run.id, timeout=60)
    assert run.status == "cancelled"
    nap = Step.objects.get(run=run, node_id="nap")
    assert nap.status == Step.Status.CANCELLED
    assert list(nap.attempts.values_list("status", "reason")) == [(Attempt.Status.FAILED, "cancelled")]
    assert worker.poll() is None  # the worker itself goes on


@WORKERS
def test_a_worker_stopped_past_its_lease_has_its_late_result_refused(farm, workspace):
    from engine.celery_worker import workers_on
    from engine.models import Attempt, ComputeTarget, Step

    queue = ComputeTarget.objects.get(name="farm").settings["queue"]
    first = farm("w1")
    doc = _on("farm", document([node("nap", "sleep", seconds=3.0)], []))
    run = _submit(workspace, doc)
    deadline = time.monotonic() + 90
    while not Step.objects.filter(run=run, node_id="nap", status="running", worker="w1@test").exists():
        assert time.monotonic() < deadline, "the sleep step never started on w1"
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGSTOP)  # the worker and its step freeze past their lease
    try:
        deadline = time.monotonic() + 60
        while not Attempt.objects.filter(step__run=run, number=1, status=Attempt.Status.FAILED, reason="lost").exists():
            assert time.monotonic() < deadline, "the stopped worker's attempt was never failed as lost"
            time.sleep(0.1)
        farm("w2")
        run = wait_for_run(run.id, timeout=120)
        assert run.status == "succeeded", run.error
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    # w1 wakes up, finishes (or kills) its step and tries to record it: refused
    deadline = time.monotonic() + 60
    while True:
        mine = [w for w in workers_on(queue) if w["worker"] == "w1@test"]
        if mine and not mine[0]["running"]:
            break
        assert time.monotonic() < deadline, f"w1 never finished its stale task: {mine}"
        time.sleep(0.2)
    nap = Step.objects.get(run=run, node_id="nap")
    assert list(nap.attempts.order_by("number").values_list("status", "reason")) == [
        (Attempt.Status.FAILED, "lost"), (Attempt.Status.SUCCEEDED, "")]
    assert nap.status == Step.Status.SUCCEEDED and nap.worker == "w2@test"
    # one artifact per output: the late result added none, and one cache entry holds the step's key
    from engine.models import Artifact, CacheEntry

    assert set(nap.outputs) == {"data"}
    assert Artifact.objects.filter(digest=nap.outputs["data"]["digest"]).count() == 1
    assert list(CacheEntry.objects.filter(key=nap.cache_key).values_list("step_id", flat=True)) == [nap.id]


def test_a_task_that_cannot_be_sent_fails_its_attempt_as_infrastructure(attempt, settings, monkeypatch):
    """The target's sender thread writes the token, then the broker refuses the task, again and
    again past the grace period: the engine gets `done` with an `infrastructure` failure saying why
    (retried by the step's policy), nothing hangs."""
    import queue

    from engine.targets import celery as celery_target

    from engine.celery_app import run_attempt
    from engine.celery_worker import OWNER_PREFIX
    from engine.models import Attempt
    from engine.stepspec import StepSpec
    from engine.targets.celery import CeleryTarget

    settings.REDIS_URL = REDIS_URL
    Attempt.objects.filter(pk=attempt.id).update(owner="engine-host:1:abcd")  # as the executor leaves it

    def refuse(*args, **kwargs):
        raise ConnectionError("the broker is away")

    monkeypatch.setattr(run_attempt, "apply_async", refuse)
    monkeypatch.setattr(celery_target, "SEND_GRACE_SECONDS", 1.0)
    events: queue.Queue = queue.Queue()
    target = CeleryTarget(name="farm", queue=f"gw-test-{uuid.uuid4().hex[:8]}")
    try:
        spec = StepSpec(attempt_id=attempt.id, run_id=attempt.step.run_id, node_id="solo", module="sleep", version="1",
                        params={}, inputs={}, datastore="/nonexistent", workdir="/nonexistent")
        handle = target.launch(spec, events.put)
        event = events.get(timeout=30)
    finally:
        target.close()
    assert event["kind"] == "done"
    assert (event["result"].status, event["result"].reason) == ("failed", "infrastructure")
    assert "the broker refused the task" in event["result"].error and "the broker is away" in event["result"].error
    assert not target.check(handle)
    # the token was written before the send: a task for it, were one ever delivered, is its own
    assert Attempt.objects.get(pk=attempt.id).owner.startswith(OWNER_PREFIX)
