"""The engine loop cannot be stalled: a plan stored with bad values (as if written straight into
the database), a launch that raises, or a run broken at start-up fails that run with a reason,
releases its slots, and leaves every other run (and the next one) running."""
from __future__ import annotations

import copy
import os

import pytest
from django.db import connection, transaction
from django.utils import timezone

from designer.services import version_snapshot
from engine import executor, services
from engine.models import Attempt, Run, Step
from engine.plan import PlannedStep
from engine.targets.local import LocalTarget
from tests.conftest import wait_for_run

from .graphs import document, node, script_node

pytestmark = pytest.mark.django_db(transaction=True)


def one_step() -> dict:
    return document([node("data", "sample_dataset", name="iris")], [])


def submit_broken(workspace, doc: dict, **changes) -> Run:
    """Submit `doc`, then overwrite its first planned step with `changes` before the engine sees it."""
    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    with transaction.atomic():  # the engine is kicked on commit: it only ever sees the broken plan
        run = services.run_submit(workspace=workspace, version=version)
        plan = copy.deepcopy(run.plan)
        old = plan["steps"][0]["node_id"]
        plan["steps"][0].update(changes)
        Run.objects.filter(pk=run.pk).update(plan=plan)
        if "node_id" in changes:
            Step.objects.filter(run=run, node_id=old).update(node_id=changes["node_id"])
    return run


def valid_run_succeeds(workspace) -> None:
    version = version_snapshot(workspace=workspace, user=None, document=one_step(), name="ok")
    run = wait_for_run(services.run_submit(workspace=workspace, version=version, force=True).id, timeout=60)
    assert run.status == "succeeded", run.error


@pytest.mark.parametrize("changes, reason", [
    ({"target": ["local", "x"]}, "target"),
    ({"target": "nowhere"}, "target"),
    ({"timeout": -1}, "timeout"),
    ({"timeout": "soon"}, "timeout"),
    ({"memory_mb": -5}, "memory_mb"),
    ({"cpu_seconds": [1]}, "cpu_seconds"),
    ({"params": "not a mapping"}, "params"),
])
def test_a_plan_with_a_bad_value_fails_its_step_with_a_reason_and_the_engine_goes_on(engine, workspace,
                                                                                     changes, reason):
    runs = [submit_broken(workspace, one_step(), **changes) for _ in range(5)]  # more than the slots
    for run in runs:
        run = wait_for_run(run.id, timeout=30)
        assert run.status == "failed"
        step = run.steps.get()
        assert step.status == "failed" and step.reason == "launch" and reason in step.error, step.error
    valid_run_succeeds(workspace)


def test_a_huge_memory_or_timeout_request_is_capped_at_the_engines_settings(engine, workspace, settings,
                                                                            monkeypatch):
    seen = []
    launch = LocalTarget.launch
    monkeypatch.setattr(LocalTarget, "launch", lambda self, spec, sink: (seen.append(spec), launch(self, spec, sink))[1])
    run = wait_for_run(submit_broken(workspace, one_step(), memory_mb=1e9, timeout=10**400, cpu_seconds=1e12).id)
    assert run.status == "succeeded", run.error
    assert seen[0].memory_mb == settings.ENGINE["STEP_MEMORY_MB"]
    assert seen[0].timeout == settings.ENGINE["STEP_TIMEOUT"]
    assert seen[0].cpu_seconds == (settings.ENGINE["STEP_CPU_SECONDS"] or settings.ENGINE["STEP_CPU_SECONDS_MAX"])


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL cannot store a NUL character")
def test_runs_whose_node_id_holds_a_nul_character_end_and_leave_no_slot_taken(engine, workspace):
    for _ in range(5):
        run = wait_for_run(submit_broken(workspace, one_step(), node_id="da\x00ta").id, timeout=30)
        assert run.status in Run.FINAL
    valid_run_succeeds(workspace)


def test_a_node_id_of_dot_dot_segments_never_places_the_step_outside_the_work_folder(engine, workspace,
                                                                                    settings, tmp_path):
    settings.WORK_ROOT = str(tmp_path / "work")
    run = wait_for_run(submit_broken(workspace, one_step(), node_id="../../escape").id)
    assert run.status == "succeeded", run.error
    assert not (tmp_path / "escape-1").exists()
    logs = [os.path.join(d, f) for d, _, files in os.walk(tmp_path) for f in files if f == "step.log"]
    assert logs and all(path.startswith(settings.WORK_ROOT + os.sep) for path in logs)


def test_a_target_whose_launch_raises_fails_the_step_and_releases_its_slot(engine, workspace, monkeypatch):
    def broken(self, spec, sink):
        raise RuntimeError("the target broke")

    monkeypatch.setattr(LocalTarget, "launch", broken)
    for _ in range(5):
        run = wait_for_run(submit_broken(workspace, one_step()).id, timeout=30)
        step = run.steps.get()
        assert run.status == "failed" and step.reason == "launch" and "the target broke" in step.error
    monkeypatch.undo()
    valid_run_succeeds(workspace)


def test_a_work_folder_that_cannot_be_made_fails_the_step_not_the_engine(engine, workspace, settings, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    settings.WORK_ROOT = str(blocker)
    doc = document([script_node("py", "def azureml_main(a=None, b=None):\n    return a\n")], [])
    run = wait_for_run(submit_broken(workspace, doc).id, timeout=30)
    assert run.status == "failed" and run.steps.get().reason == "launch"
    settings.WORK_ROOT = str(tmp_path / "work")
    valid_run_succeeds(workspace)


def test_recovery_fails_a_broken_run_and_still_resumes_the_others(workspace, settings):
    settings.ENGINE = {**settings.ENGINE, "HEARTBEAT_SECONDS": 120}  # only start-up recovery picks them up
    broken = submit_broken(workspace, one_step(), target=["local"])  # no engine in this process yet
    good = submit_broken(workspace, one_step())
    executor.start()
    try:
        broken, good = wait_for_run(broken.id, timeout=30), wait_for_run(good.id, timeout=60)
    finally:
        executor.stop()
    assert broken.status == "failed" and "target" in broken.steps.get().error
    assert good.status == "succeeded", good.error


def test_a_run_cancelled_just_before_a_crash_is_not_resumed(workspace, settings):
    settings.ENGINE = {**settings.ENGINE, "LEASE_SECONDS": 0.5}
    doc = document([node("data", "sample_dataset", name="iris"), node("slow", "sleep", seconds=1)], [])
    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    run = services.run_submit(workspace=workspace, version=version)  # no engine: nothing runs it yet
    # what a crash leaves: a step running under a dead engine's lease, a waiting one, a cancel requested
    old = timezone.now() - timezone.timedelta(minutes=5)
    data = run.steps.get(node_id="data")
    Step.objects.filter(pk=data.pk).update(status="running")
    Attempt.objects.create(step=data, number=1, owner="elsewhere:1:x", heartbeat_at=old)
    Run.objects.filter(pk=run.pk).update(status="running", cancel_requested=True)
    executor.start()
    try:
        run = wait_for_run(run.id, timeout=30)
    finally:
        executor.stop()
    assert run.status == "cancelled"
    assert set(run.steps.values_list("status", flat=True)) == {"cancelled"}
    assert not Attempt.objects.filter(step__run=run, status="running").exists()


def test_a_cancel_reaches_the_database_before_the_engine_acts_on_it(engine, workspace):
    doc = document([node("slow", "sleep", seconds=30)], [])
    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    run = services.run_submit(workspace=workspace, version=version)
    services.run_cancel(run=run)
    assert Run.objects.get(pk=run.pk).cancel_requested
    assert wait_for_run(run.id, timeout=30).status == "cancelled"


def test_step_limits_never_exceed_the_settings(settings):
    from engine.executor import step_limits

    base = PlannedStep(node_id="n", module="m", version="1", params={}, inputs=(), outputs={})
    engine = settings.ENGINE
    assert step_limits(base) == (engine["STEP_TIMEOUT"], engine["STEP_MEMORY_MB"], engine["STEP_CPU_SECONDS"])
    small = PlannedStep(**{**base.__dict__, "timeout": 5, "memory_mb": 100, "cpu_seconds": 3})
    assert step_limits(small) == (5.0, 100, 3 if engine["STEP_CPU_SECONDS"] is None else min(3, engine["STEP_CPU_SECONDS"]))
    for bad in ({"timeout": float("nan")}, {"timeout": float("inf")}, {"memory_mb": True}, {"timeout": 0},
                {"memory_mb": "1"}, {"cpu_seconds": [1]}):
        with pytest.raises(ValueError):
            step_limits(PlannedStep(**{**base.__dict__, **bad}))


@pytest.mark.parametrize("plan", [{"steps": "not a list"}, {"steps": [{"node_id": "data"}]}, {}])
def test_a_plan_the_engine_cannot_read_fails_its_run_and_the_engine_goes_on(engine, workspace, plan):
    version = version_snapshot(workspace=workspace, user=None, document=one_step(), name="t")
    with transaction.atomic():
        run = services.run_submit(workspace=workspace, version=version)
        Run.objects.filter(pk=run.pk).update(plan=plan)
    run = wait_for_run(run.id, timeout=30)
    assert run.status == "failed" and run.error.startswith("the engine could not go on with this run")
    assert run.steps.get().reason == "engine"
    valid_run_succeeds(workspace)


def test_a_result_that_cannot_be_recorded_fails_the_run_and_frees_the_slot(engine, workspace, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the database said no")

    monkeypatch.setattr(executor, "record_result", broken)
    for _ in range(5):
        run = wait_for_run(submit_broken(workspace, one_step()).id, timeout=30)
        assert run.status == "failed" and "the database said no" in run.error
        assert not Attempt.objects.filter(step__run=run, status="running").exists()
    monkeypatch.undo()
    valid_run_succeeds(workspace)
