"""The engine's burst: the runs a burst of messages touched are advanced, and their ready steps
started, in one transaction (engine/executor.Executor._advance_and_start), with their events
numbered and stored together (engine/events.batched). A run that breaks it costs only itself: the
burst is rolled back and its runs go one by one. Run on SQLite and on PostgreSQL."""
from __future__ import annotations

import pytest
from django.db import transaction

from designer.services import version_snapshot
from engine import events, executor, services
from engine.models import Attempt, Run, RunEvent, Step
from engine.targets.base import Target

from .graphs import passthrough_chain

pytestmark = pytest.mark.django_db(transaction=True)


class HoldingTarget(Target):
    """Takes every step and keeps it running (no process): what was launched, and with which owner."""

    def __init__(self, name: str = "local", concurrency: int = 8) -> None:
        self.name, self.concurrency, self.specs = name, concurrency, []

    def launch(self, spec, on_event):
        self.specs.append(spec)
        return spec.attempt_id

    def check(self, handle) -> bool:
        return True

    def terminate(self, handle, reason: str = "cancelled") -> None:
        pass


class FencedTarget(HoldingTarget):
    def attempt_owner(self) -> str:
        return "remote:token-1"


def submit(workspace, n: int = 2) -> Run:
    version = version_snapshot(workspace=workspace, user=None, document=passthrough_chain(n), name="burst")
    return services.run_submit(workspace=workspace, version=version, force=True)


def burst(ex: executor.Executor, *messages: tuple) -> None:
    for msg in messages[1:]:
        ex.inbox.put(msg)
    ex._burst(messages[0])


@pytest.mark.parametrize("target", [HoldingTarget, FencedTarget])
def test_a_burst_advances_every_run_it_touched_and_starts_their_first_steps(workspace, target):
    held = target()
    ex = executor.Executor(targets={"local": held})
    runs = [submit(workspace) for _ in range(3)]
    burst(ex, *[("advance", run.id) for run in runs])
    assert sorted(spec.run_id for spec in held.specs) == sorted(run.id for run in runs)
    for run in runs:
        assert Run.objects.get(pk=run.id).status == Run.Status.RUNNING
        step = Step.objects.get(run=run, node_id="data")
        attempt = Attempt.objects.get(step=step)
        assert step.status == Step.Status.RUNNING and attempt.number == 1 and attempt.status == "running"
        # the attempt is created holding the target's token when it has one, else the engine's lease
        assert attempt.owner == (held.attempt_owner() or ex.owner)
        assert [spec.owner for spec in held.specs if spec.run_id == run.id] == [attempt.owner]
        seqs = list(RunEvent.objects.filter(run=run).order_by("seq").values_list("seq", "type", "payload"))
        assert [s for s, _, _ in seqs] == list(range(1, len(seqs) + 1))  # numbered without a gap
        statuses = [(p.get("node"), p["status"]) for _, t, p in seqs if t in ("step.status", "run.status")]
        assert statuses[-3:] == [(None, "running"), ("data", "queued"), ("data", "running")]


def test_a_run_that_breaks_the_bursts_transaction_fails_alone_and_the_others_start(workspace):
    held = HoldingTarget()
    ex = executor.Executor(targets={"local": held})
    good = [submit(workspace) for _ in range(2)]
    broken = submit(workspace)
    Run.objects.filter(pk=broken.id).update(plan={"steps": "not a list"})  # as if written straight in
    burst(ex, ("advance", good[0].id), ("advance", broken.id), ("advance", good[1].id))
    assert sorted(spec.run_id for spec in held.specs) == sorted(run.id for run in good)
    broken = Run.objects.get(pk=broken.id)
    assert broken.status == Run.Status.FAILED and "could not go on" in broken.error
    for run in good:  # nothing of the rolled-back burst is left half done: each started once
        assert Attempt.objects.filter(step__run=run).count() == 1
        assert RunEvent.objects.filter(run=run, type="step.status", payload__status="running").count() == 1
    assert sum(ex.running.values()) == 2 and len(ex.launched) == 2


def test_a_step_ending_moves_its_run_on_in_the_next_burst(workspace):
    held = HoldingTarget()
    ex = executor.Executor(targets={"local": held})
    runs = [submit(workspace, 3) for _ in range(2)]
    burst(ex, *[("advance", run.id) for run in runs])
    from engine.stepspec import StepResult

    outputs = {"data": {"digest": "a" * 64, "kind": "DataFrame", "size": 1, "meta": {}}}
    done = [("step", spec.attempt_id, {"kind": "done", "result": StepResult(status="succeeded", outputs=outputs)})
            for spec in held.specs]
    burst(ex, *done)
    nexts = [spec for spec in held.specs if spec.node_id == "p1"]
    assert sorted(spec.run_id for spec in nexts) == sorted(run.id for run in runs)
    for spec in nexts:  # the upstream's recorded output is what the next step reads
        assert spec.inputs == {"data": {"digest": "a" * 64, "kind": "DataFrame"}}


def test_events_of_a_batched_block_are_numbered_per_run_in_order_and_published_on_commit(workspace):
    runs = [submit(workspace) for _ in range(2)]
    before = {run.id: events.last_seq(run.id) for run in runs}
    seen = []
    events.add_listener(seen.append)
    try:
        with transaction.atomic():
            with events.batched():
                for i in range(3):
                    for run in runs:
                        assert events.emit(run.id, "step.log", {"node": "data", "text": f"{run.id}:{i}"}) is None
                events.emit_many(runs[0].id, [("step.log", {"node": "data", "text": "last"})])
            assert seen == []  # not before the commit
        with pytest.raises(RuntimeError):  # an error in the block: nothing stored, nothing published
            with transaction.atomic(), events.batched():
                events.emit(runs[1].id, "step.log", {"node": "data", "text": "lost"})
                raise RuntimeError("boom")
    finally:
        events.remove_listener(seen.append)
    for run in runs:
        stored = list(RunEvent.objects.filter(run=run, seq__gt=before[run.id]).order_by("seq")
                      .values_list("seq", "payload"))
        texts = [f"{run.id}:{i}" for i in range(3)] + (["last"] if run == runs[0] else [])
        assert [p["text"] for _, p in stored] == texts
        assert [s for s, _ in stored] == list(range(before[run.id] + 1, before[run.id] + 1 + len(texts)))
        assert [(e["seq"], e["text"]) for e in seen if e["run"] == run.id] == [(s, p["text"]) for s, p in stored]


class FailingOnceTarget(HoldingTarget):
    """Its second attempt_owner() call raises: in the middle of the burst's starts."""

    calls = 0

    def attempt_owner(self) -> str | None:
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("the target broke once")
        return None


def test_an_error_among_the_starts_rolls_the_burst_back_and_each_step_still_starts_once(workspace):
    held = FailingOnceTarget()
    ex = executor.Executor(targets={"local": held})
    runs = [submit(workspace) for _ in range(3)]
    burst(ex, *[("advance", run.id) for run in runs])
    assert held.calls > 3  # the burst's starts, then the run-by-run ones
    assert sorted(spec.run_id for spec in held.specs) == sorted(run.id for run in runs)
    assert len(ex.launched) == 3 and ex.running["local"] == 3 and not any(ex.ready.values())
    for run in runs:
        assert Run.objects.get(pk=run.id).status == Run.Status.RUNNING
        assert Attempt.objects.filter(step__run=run).count() == 1
        assert RunEvent.objects.filter(run=run, type="step.status", payload__status="queued").count() == 1
