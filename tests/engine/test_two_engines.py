"""Two engine processes (`manage.py engine`) on one database: each run is driven by one engine (its
lease in Run.owner/lease_until), no step is dispatched twice, an engine that starts does not adopt
the runs of a live one (nor re-queue their steps), and the runs of an engine killed mid-run are
adopted by the other and finish."""
from __future__ import annotations

import signal

import pytest

from tests.conftest import subprocess_db_env, wait_for_run
from tests.services import engine_owner, engine_process, wait_until

from .graphs import document, edge, node

# the scaled pass only: several `manage.py engine` processes on one database are the scaled mode's
# (docs/architecture.md, Modes); what they share is PostgreSQL's row locks and leases, which SQLite's
# one writer at a time would not put to the test
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.scaled_only]


@pytest.fixture
def engines(settings, tmp_path):
    """`start(name, concurrency=2)`: a real engine process on the test's database; all stopped at
    teardown. No engine runs in the test's own process."""
    started = []
    env = subprocess_db_env(DATASTORE_ROOT=settings.DATASTORE_ROOT, WORK_ROOT=settings.WORK_ROOT,
                            HEARTBEAT_SECONDS="0.3", LEASE_SECONDS="3", ENGINE_AUTOSTART="0", LOCAL_POOL_SIZE="1",
                            GRAPHWRIGHT_VAR=str(tmp_path / "var"))
    env.pop("REDIS_URL", None)  # the rows are what counts here; each engine publishes in its own process

    def start(name: str, concurrency: int = 2):
        proc = engine_process({**env, "LOCAL_CONCURRENCY": str(concurrency)}, tmp_path / f"{name}.log")
        started.append(proc)
        return proc, engine_owner(proc)

    yield start
    for proc in started:
        proc.stop()


def _submit(workspace, doc):
    from designer.services import version_snapshot
    from engine import services

    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    return services.run_submit(workspace=workspace, version=version, force=True)


def _naps(*seconds: float, name: str = "t") -> dict:
    """iris -> one sleep step per value, side by side."""
    nodes = [node("data", "sample_dataset", name="iris")]
    nodes += [node(f"nap{i}", "sleep", seconds=s) for i, s in enumerate(seconds)]
    return document(nodes, [edge("data", "data", f"nap{i}", "data") for i in range(len(seconds))], name=name)


def _one_attempt_per_step(run) -> None:
    from engine.models import Attempt

    for step in run.steps.exclude(status="cached"):
        attempts = list(step.attempts.values_list("status", flat=True))
        assert attempts == [Attempt.Status.SUCCEEDED], (step.node_id, attempts)


def test_two_engines_share_the_runs_and_dispatch_each_step_once(engines, workspace):
    from engine.models import Run

    _, first = engines("a")
    _, second = engines("b")
    runs = [_submit(workspace, _naps(0.3, 0.3, 0.3, name=f"r{i}")) for i in range(6)]
    for run in runs:
        run = wait_for_run(run.id, timeout=180)
        assert run.status == "succeeded", run.error
        _one_attempt_per_step(run)
        assert run.owner in (first, second)
        owners = set(run.steps.values_list("attempts__owner", flat=True)) - {None}
        assert owners == {run.owner}, owners  # its steps ran under the engine that drives it
    assert {r.owner for r in Run.objects.all()} <= {first, second}


def test_an_engine_that_starts_leaves_the_runs_of_a_live_engine_alone(engines, workspace):
    from engine.models import Run, Step

    _, first = engines("a", concurrency=1)
    busy = _submit(workspace, document([node("nap", "sleep", seconds=120.0)], [], name="busy"))  # a's only slot
    wait_until(lambda: Step.objects.filter(run=busy, node_id="nap", status="running").exists(), 120, "the sleep running")
    # the next run's first step waits in a's memory, queued: no attempt of the run exists
    waiting = _submit(workspace, _naps(0.2, 0.2, name="waiting"))
    wait_until(lambda: Step.objects.filter(run=waiting, node_id="data", status="queued").exists(), 60, "a step queued in a")
    engines("b")  # it says it runs once its start-up recovery is behind it
    assert Step.objects.get(run=waiting, node_id="data").status == "queued"  # not reset to waiting by b
    assert not Run.objects.exclude(owner=first).exists()
    # a cancel asked where no engine runs: a sees it at its heartbeat, kills the sleep, frees its slot
    Run.objects.filter(pk=busy.pk).update(cancel_requested=True)
    assert wait_for_run(busy.id, timeout=60).status == "cancelled"
    run = wait_for_run(waiting.id, timeout=120)
    assert run.status == "succeeded", run.error
    assert Run.objects.get(pk=busy.pk).owner == run.owner == first  # neither adopted by b
    _one_attempt_per_step(run)
    assert set(run.steps.values_list("attempts__owner", flat=True)) == {first}


def test_the_runs_of_an_engine_killed_mid_run_are_adopted_by_the_other(engines, workspace):
    from engine.models import Run, Step

    procs = {owner: proc for proc, owner in (engines("a"), engines("b"))}
    run = _submit(workspace, document([node("data", "sample_dataset", name="iris"), node("nap", "sleep", seconds=3.0),
                                       node("after", "passthrough")],
                                      [edge("data", "data", "nap", "data"), edge("nap", "data", "after", "data")]))
    wait_until(lambda: Step.objects.filter(run=run, node_id="nap", status="running").exists(), 120, "the sleep running")
    killed = Run.objects.get(pk=run.pk).owner
    (other,) = set(procs) - {killed}
    procs[killed].stop(signal.SIGKILL)  # no goodbye: its lease lapses, and the other sees its pid gone
    run = wait_for_run(run.id, timeout=120)
    assert run.status == "succeeded", run.error
    assert run.owner == other
    nap = run.steps.get(node_id="nap")
    assert list(nap.attempts.values_list("status", "reason", "owner")) == [
        ("failed", "lost", killed), ("succeeded", "", other)]
    assert set(run.steps.get(node_id="after").attempts.values_list("owner", flat=True)) <= {other}
