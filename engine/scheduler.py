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

Enqueue = Callable[[Step, PlannedStep], None]
BROKEN = (Step.Status.FAILED, Step.Status.SKIPPED, Step.Status.CANCELLED)


def step_seed(run: Run, node_id: str) -> int:
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
        run = Run.objects.select_for_update().get(pk=run_id)
        if run.status in Run.FINAL:
            return True
        if run.status == Run.Status.QUEUED:
            set_run_status(run, Run.Status.RUNNING)
        steps = {s.node_id: s for s in run.steps.all()}
        progressed = True
        while progressed:
            progressed = False
            for ps in plan.steps:
                step = steps[ps.node_id]
                if step.status == Step.Status.WAITING and _advance_step(run, step, ps, steps, store, enqueue):
                    progressed = True
        _finish_if_done(run, steps.values())
        return run.status in Run.FINAL


def _advance_step(run: Run, step: Step, ps: PlannedStep, steps: dict[str, Step], store: Datastore, enqueue: Enqueue) -> bool:
    upstream = [steps[u] for u in sorted(ps.upstream)]
    broken = next((u for u in upstream if u.status in BROKEN), None)
    if broken is not None:
        now = timezone.now()
        set_step_status(step, Step.Status.SKIPPED, reason="upstream",
                        error=f"skipped because {broken.node_id!r} {broken.status}", finished_at=now)
        return True
    if not all(u.status in Step.DONE_OK for u in upstream):
        return False
    digests = input_digests(ps, {n: s.outputs for n, s in steps.items()})
    assert digests is not None
    step.cache_key = step_key(ps, digests)
    if ps.reuse and not run.force:
        entry = CacheEntry.objects.filter(workspace_id=run.workspace_id, key=step.cache_key).first()
        if entry is not None and all(store.exists(o["digest"]) for o in entry.outputs.values()):
            now = timezone.now()
            set_step_status(step, Step.Status.CACHED, cache_key=step.cache_key, outputs=entry.outputs,
                            reused_from_id=entry.step_id, started_at=now, finished_at=now, duration=0.0)
            return True
    set_step_status(step, Step.Status.QUEUED, cache_key=step.cache_key)
    enqueue(step, ps)
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
