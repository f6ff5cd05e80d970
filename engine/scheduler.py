"""`advance(run)`: move a run forward from what the database says. Ready steps are reused when
their key is known and allowed, skipped when an upstream failed, otherwise queued for a target."""
from __future__ import annotations

import hashlib
from typing import Callable

from django.db import transaction
from django.utils import timezone

from . import events
from .cache import input_digests, step_key
from .datastore import Datastore
from .models import CacheEntry, Run, Step
from .plan import Plan, PlannedStep

# enqueue(step, planned step, input port -> content digest): the digests travel with the step so
# launching it needs no second read of its upstream outputs (a finished step's outputs never change)
Enqueue = Callable[[Step, PlannedStep, dict[str, str]], None]
BROKEN = (Step.Status.FAILED, Step.Status.SKIPPED, Step.Status.CANCELLED)
# what advance() reads of every step of the run; outputs (JSON) only for the upstreams it needs
_STEP_FIELDS = ("id", "run_id", "node_id", "status")
_IN_CHUNK = 500  # node ids per `IN (...)`, under SQLite's bound-parameter limit


def step_seed(run: Run | None, node_id: str) -> int:
    """A seed fixed by the node's id, so an unchanged step reproduces its bytes and stays reusable."""
    return int(hashlib.sha256(node_id.encode()).hexdigest()[:8], 16) % (2**31 - 1)


def set_step_status(step: Step, status: str, **fields) -> None:
    step.status = status
    for name, value in fields.items():
        setattr(step, name, value)
    step.save(update_fields=["status", *fields])
    payload = {"node": step.node_id, "status": status}
    for extra in ("reason", "error", "duration", "reused_from_id", "outputs"):
        if extra in fields:
            payload[extra.removesuffix("_id")] = fields[extra]
    events.emit(step.run_id, "step.status", payload)


def set_run_status(run: Run, status: str, error: str = "") -> None:
    run.status = status
    now = timezone.now()
    fields = ["status"]
    if status == Run.Status.RUNNING and run.started_at is None:
        run.started_at = now
        fields.append("started_at")
    if status in Run.FINAL:
        run.finished_at = now
        fields.append("finished_at")
    if error:
        run.error = error
        fields.append("error")
    run.save(update_fields=fields)
    events.emit(run.id, "run.status", {"status": status, "error": run.error})


def advance(run_id: int, *, plan: Plan, store: Datastore, enqueue: Enqueue) -> bool:
    """Advance one run; returns True when the run is final afterwards."""
    with transaction.atomic():
        # the plan (large JSON) is the caller's; statuses are all that every step contributes
        run = Run.objects.select_for_update().defer("plan").get(pk=run_id)
        if run.status in Run.FINAL:
            return True
        if run.status == Run.Status.QUEUED:
            set_run_status(run, Run.Status.RUNNING)
        steps = {s.node_id: s for s in Step.objects.filter(run_id=run_id).only(*_STEP_FIELDS)}
        outputs = _Outputs(run_id)
        progressed = True
        while progressed:
            progressed = False
            for ps in plan.steps:
                step = steps[ps.node_id]
                if step.status == Step.Status.WAITING and _advance_step(run, step, ps, steps, outputs, store, enqueue):
                    progressed = True
        _finish_if_done(run, steps.values())
        return run.status in Run.FINAL


class _Outputs:
    """Outputs of finished steps, read from the database only for the nodes a ready step needs."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.known: dict[str, dict] = {}

    def need(self, node_ids) -> dict[str, dict]:
        missing = [n for n in node_ids if n not in self.known]
        for i in range(0, len(missing), _IN_CHUNK):
            self.known.update(Step.objects.filter(run_id=self.run_id, node_id__in=missing[i:i + _IN_CHUNK])
                              .values_list("node_id", "outputs"))
        return self.known


def _advance_step(run: Run, step: Step, ps: PlannedStep, steps: dict[str, Step], outputs: _Outputs,
                  store: Datastore, enqueue: Enqueue) -> bool:
    upstream = [steps[u] for u in sorted(ps.upstream)]
    broken = next((u for u in upstream if u.status in BROKEN), None)
    if broken is not None:
        now = timezone.now()
        set_step_status(step, Step.Status.SKIPPED, reason="upstream",
                        error=f"skipped because {broken.node_id!r} {broken.status}", finished_at=now)
        return True
    if not all(u.status in Step.DONE_OK for u in upstream):
        return False
    digests = input_digests(ps, outputs.need([u.node_id for u in upstream]))
    assert digests is not None
    step.cache_key = step_key(ps, digests)
    if ps.reuse and not run.force:
        entry = CacheEntry.objects.filter(workspace_id=run.workspace_id, key=step.cache_key).first()
        if entry is not None and all(store.exists(o["digest"]) for o in entry.outputs.values()):
            now = timezone.now()
            set_step_status(step, Step.Status.CACHED, cache_key=step.cache_key, outputs=entry.outputs,
                            reused_from_id=entry.step_id, started_at=now, finished_at=now, duration=0.0)
            outputs.known[step.node_id] = entry.outputs
            return True
    set_step_status(step, Step.Status.QUEUED, cache_key=step.cache_key)
    enqueue(step, ps, digests)
    return True


def _finish_if_done(run: Run, steps) -> None:
    steps = list(steps)
    if any(s.status not in Step.FINAL for s in steps):
        return
    failed = [s for s in steps if s.status == Step.Status.FAILED]
    if failed:
        names = ", ".join(repr(s.node_id) for s in failed)
        set_run_status(run, Run.Status.FAILED, error=f"step {names} failed: {failed[0].error}"[:2000])
    elif any(s.status == Step.Status.CANCELLED for s in steps):
        set_run_status(run, Run.Status.CANCELLED)
    else:
        set_run_status(run, Run.Status.SUCCEEDED)
