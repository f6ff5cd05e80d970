"""A server restart mid-run: finished steps stay finished, lost ones resume or fail with a reason."""
from __future__ import annotations

import time

import pytest
from django.utils import timezone

from designer.services import version_snapshot
from engine import executor, services
from engine.models import Attempt, Run, Step
from engine.recovery import recover_lost_attempts
from tests.conftest import wait_for_run

from .graphs import document, edge, node

pytestmark = pytest.mark.django_db(transaction=True)


def wait_status(run, node_id, status, timeout=30):
    deadline = time.monotonic() + timeout
    while Step.objects.get(run=run, node_id=node_id).status != status:
        assert time.monotonic() < deadline, f"{node_id} never became {status}"
        time.sleep(0.05)


def test_a_run_interrupted_by_a_restart_resumes_without_rerunning_finished_steps(workspace, settings):
    settings.ENGINE = {**settings.ENGINE, "LEASE_SECONDS": 0.5}
    doc = document([node("data", "sample_dataset", name="iris"), node("slow", "sleep", seconds=2)],
                   [edge("data", "data", "slow", "data")])
    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    executor.start()
    run = services.run_submit(workspace=workspace, version=version)
    wait_status(run, "slow", "running")
    executor.stop()  # the process "dies": its children are killed, the attempt row stays running
    assert Run.objects.get(pk=run.pk).status == "running"
    time.sleep(0.6)  # the dead engine's lease runs out
    executor.start()
    try:
        run = wait_for_run(run.id, timeout=60)
    finally:
        executor.stop()
    assert run.status == "succeeded", run.error
    data, slow = run.steps.get(node_id="data"), run.steps.get(node_id="slow")
    assert data.attempts.count() == 1
    assert list(slow.attempts.values_list("status", "reason")) == [("failed", "lost"), ("succeeded", "")]
    assert slow.status == "succeeded" and slow.reason == "" and slow.error == ""


def test_a_step_lost_as_often_as_its_policy_allows_fails_with_a_reason_instead_of_staying_running(workspace):
    from engine.failures import DEFAULT_RETRY

    doc = document([node("slow", "sleep", seconds=1)], [])
    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    run = services.run_submit(workspace=workspace, version=version)  # no engine in this process
    step = run.steps.get()
    old = timezone.now() - timezone.timedelta(minutes=5)
    limit = DEFAULT_RETRY["max_attempts"]
    for number in range(1, limit + 1):
        Step.objects.filter(pk=step.pk).update(status="running", retry_at=None)
        Attempt.objects.create(step=step, number=number, owner="elsewhere:1:x", heartbeat_at=old)
        recover_lost_attempts(owner="me", lease=30, startup=False)
        step.refresh_from_db()
        if number < limit:  # retried: back to waiting, held for its backoff
            assert step.status == "waiting" and step.failure == "lost" and step.retry_at is not None
    assert step.status == "failed" and step.reason == "lost" and step.failure == "lost"
    assert f"lost {limit} times" in step.error


def test_a_run_submitted_where_no_engine_runs_is_picked_up_by_an_engine_elsewhere(workspace, settings, monkeypatch):
    settings.ENGINE = {**settings.ENGINE, "HEARTBEAT_SECONDS": 0.2}
    executor.start()
    try:
        # as if submitted by a web process without an engine: nothing rings this engine's bell
        monkeypatch.setattr(services, "_kick", lambda run_id: None)
        doc = document([node("data", "sample_dataset", name="iris")], [])
        version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
        run = services.run_submit(workspace=workspace, version=version)
        assert Run.objects.get(pk=run.pk).status == "queued"
        run = wait_for_run(run.id, timeout=30)
    finally:
        executor.stop()
    assert run.status == "succeeded"


@pytest.mark.parametrize("startup", [True, False])
def test_a_lost_step_of_a_run_whose_cancel_was_requested_ends_cancelled_not_resumed(workspace, startup):
    doc = document([node("data", "sample_dataset", name="iris"), node("slow", "sleep", seconds=1)],
                   [edge("data", "data", "slow", "data")])
    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    run = services.run_submit(workspace=workspace, version=version)  # no engine in this process
    data = run.steps.get(node_id="data")
    Step.objects.filter(pk=data.pk).update(status="running")
    Attempt.objects.create(step=data, number=1, owner="elsewhere:1:x",
                           heartbeat_at=timezone.now() - timezone.timedelta(minutes=5))
    Run.objects.filter(pk=run.pk).update(status="running", cancel_requested=True)
    assert recover_lost_attempts(owner="me", lease=30, startup=startup) == [run.id]
    assert dict(run.steps.values_list("node_id", "status")) == {"data": "cancelled", "slow": "cancelled"}
