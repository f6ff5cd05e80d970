"""`advance(run)`: move a run forward from what the database says. Ready steps are reused when
their key is known and allowed, skipped when an upstream failed, otherwise queued for a target."""
from __future__ import annotations

import hashlib
import weakref
from typing import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from . import events
from .cache import input_digests, step_key
from .datastore import Datastore
from .models import CacheEntry, Run, Step
from .plan import Plan, PlannedStep
from .rows import locked, save_fields

# enqueue(step, planned step, input port -> content digest): the digests travel with the step so
# launching it needs no second read of its upstream outputs (a finished step's outputs never change)
Enqueue = Callable[[Step, PlannedStep, dict[str, str]], None]
BROKEN = (Step.Status.FAILED, Step.Status.SKIPPED, Step.Status.CANCELLED)
# what advance() reads of every step of the run; outputs (JSON) only for the upstreams it needs
_STEP_FIELDS = ("id", "node_id", "status")
# what advance() and set_run_status() use of a run: not its plan (large JSON), read once per plan
_RUN_FIELDS = ("id", "status", "force", "workspace_id", "started_at", "error")


def _step_rows(run_id: int) -> list[tuple[int, str, str]]:
    """(id, node id, status) of every step of the run: one plain query, no ORM on the hot path."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(Step._meta.get_field(name).column) for name in _STEP_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {quote(Step._meta.db_table)} "
                       f"WHERE {quote(Step._meta.get_field('run').column)} = %s", [run_id])
        return cursor.fetchall()
_IN_CHUNK = 500  # node ids per `IN (...)`, under SQLite's bound-parameter limit


def step_seed(node_id: str) -> int:
    """A seed fixed by the node's id, so an unchanged step reproduces its bytes and stays reusable."""
    # surrogatepass: a plan read back from JSON may hold a lone surrogate, which must not crash a launch
    return int(hashlib.sha256(node_id.encode("utf-8", "surrogatepass")).hexdigest()[:8], 16) % (2**31 - 1)


def set_step_status(step: Step, status: str, **fields) -> None:
    step.status = status
    for name, value in fields.items():
        setattr(step, name, value)
    save_fields(step, ["status", *fields])
    payload = {"node": step.node_id, "status": status}
    for extra in ("reason", "error", "duration", "reused_from_id", "outputs"):
        if extra in fields:
            payload[extra.removesuffix("_id")] = fields[extra]
    events.emit(step.run_id, "step.status", payload)


def cancel_pending_steps(run_ids, *, error: str = "") -> None:
    """The steps of these runs that have not started (waiting, queued) end cancelled."""
    pending = Step.objects.filter(run_id__in=list(run_ids), status__in=[Step.Status.WAITING, Step.Status.QUEUED])
    extra = {"error": error} if error else {}
    for step in pending:
        set_step_status(step, Step.Status.CANCELLED, reason="cancelled", finished_at=timezone.now(), **extra)


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


def advance(run_id: int, *, plan: Plan, store: Datastore, enqueue: Enqueue,
            finished: dict[str, dict] | None = None) -> bool:
    """Advance one run; returns True when the run is final afterwards.

    `finished` names steps that just succeeded (node id -> their outputs, as recorded): only the
    steps reading from them can have become ready, so only those are looked at, and the outputs
    are not read back. Without it every waiting step is looked at. Statuses always come from the
    database, which stays the truth."""
    with transaction.atomic():
        # the plan (large JSON) is the caller's; statuses are all that every step contributes
        run = locked(Run, run_id, _RUN_FIELDS)
        if run is None:
            raise Run.DoesNotExist(f"run {run_id} does not exist")
        if run.status in Run.FINAL:
            return True
        if run.status == Run.Status.QUEUED:
            set_run_status(run, Run.Status.RUNNING)
        steps = {node: _Row(pk, run_id, node, status) for pk, node, status in _step_rows(run_id)}
        known = _Outputs(run_id, finished)
        index = _index(plan)
        # every waiting step once (or what reads from the steps that just finished), in topological
        # order; then only the steps downstream of one that changed: nothing else can have changed
        # its answer, which depends on its upstream statuses alone
        candidates: Iterable[int] = range(len(plan.steps)) if finished is None else sorted(
            {d for node in finished for d in index.downstream[index.position[node]]})
        while candidates:
            changed: set[int] = set()
            for pos in candidates:
                ps, upstream = index.steps[pos]
                row = steps[ps.node_id]
                if row.status == Step.Status.WAITING and _advance_step(run, row, ps, upstream, steps, known,
                                                                        store, enqueue):
                    changed.update(index.downstream[pos])
            candidates = sorted(changed)
        _finish_if_done(run, steps.values())
        return run.status in Run.FINAL


class _PlanIndex:
    """Per plan, computed once: each step with its sorted upstream ids, and who reads from whom."""

    def __init__(self, plan: Plan) -> None:
        self.position = position = {ps.node_id: i for i, ps in enumerate(plan.steps)}
        self.steps = [(ps, tuple(sorted(ps.upstream))) for ps in plan.steps]
        self.downstream: list[list[int]] = [[] for _ in plan.steps]
        for i, (_, upstream) in enumerate(self.steps):
            for u in upstream:
                self.downstream[position[u]].append(i)


_indexes: dict[int, tuple[weakref.ref, _PlanIndex]] = {}


def _index(plan: Plan) -> _PlanIndex:
    cached = _indexes.get(id(plan))
    if cached is not None and cached[0]() is plan:
        return cached[1]
    index = _PlanIndex(plan)
    _indexes[id(plan)] = (weakref.ref(plan, lambda _, key=id(plan): _indexes.pop(key, None)), index)
    return index


class _Row:
    """One step as advance() sees it: a tuple's worth of columns; a model instance only once the
    step changes (building one per step per event is most of the cost on a wide run)."""

    __slots__ = ("pk", "run_id", "node_id", "status", "_step")

    def __init__(self, pk: int, run_id: int, node_id: str, status: str) -> None:
        self.pk, self.run_id, self.node_id, self.status = pk, run_id, node_id, status
        self._step: Step | None = None

    @property
    def step(self) -> Step:
        if self._step is None:
            self._step = Step.from_db(Step.objects.db, ["id", "run_id", "node_id", "status"],
                                      [self.pk, self.run_id, self.node_id, self.status])
        return self._step

    def set_status(self, status: str, **fields) -> Step:
        step = self.step
        set_step_status(step, status, **fields)
        self.status = step.status
        return step

    @property
    def error(self) -> str:
        return self.step.error  # deferred: read on demand (a failed run's message)


class _Outputs:
    """Outputs of finished steps, read from the database only for the nodes a ready step needs."""

    def __init__(self, run_id: int, known: dict[str, dict] | None) -> None:
        self.run_id = run_id
        self.known: dict[str, dict] = dict(known or {})

    def need(self, node_ids) -> dict[str, dict]:
        missing = [n for n in node_ids if n not in self.known]
        for i in range(0, len(missing), _IN_CHUNK):
            self.known.update(Step.objects.filter(run_id=self.run_id, node_id__in=missing[i:i + _IN_CHUNK])
                              .values_list("node_id", "outputs"))
        return self.known


def _advance_step(run: Run, row: _Row, ps: PlannedStep, upstream_ids: tuple[str, ...], steps: dict[str, _Row],
                  outputs: _Outputs, store: Datastore, enqueue: Enqueue) -> bool:
    upstream = [steps[u] for u in upstream_ids]
    broken = next((u for u in upstream if u.status in BROKEN), None)
    if broken is not None:
        now = timezone.now()
        row.set_status(Step.Status.SKIPPED, reason="upstream",
                       error=f"skipped because {broken.node_id!r} {broken.status}", finished_at=now)
        return True
    if not all(u.status in Step.DONE_OK for u in upstream):
        return False
    digests = input_digests(ps, outputs.need([u.node_id for u in upstream]))
    assert digests is not None
    cache_key = step_key(ps, digests)
    if ps.reuse and not run.force:
        entry = CacheEntry.objects.filter(workspace_id=run.workspace_id, key=cache_key).first()
        if entry is not None and all(store.exists(o["digest"]) for o in entry.outputs.values()):
            now = timezone.now()
            row.set_status(Step.Status.CACHED, cache_key=cache_key, outputs=entry.outputs,
                           reused_from_id=entry.step_id, started_at=now, finished_at=now, duration=0.0)
            outputs.known[row.node_id] = entry.outputs
            return True
    enqueue(row.set_status(Step.Status.QUEUED, cache_key=cache_key), ps, digests)
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
