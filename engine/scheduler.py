"""`advance(run)`: move a run forward from what the database says. Ready steps are reused when
their key is known and allowed, skipped when an upstream failed, otherwise queued for a target.
The work of one call grows with the steps it looks at, never with the size of the run."""
from __future__ import annotations

import hashlib
import weakref
from typing import Any, Callable, Iterable

from django.db import transaction
from django.utils import timezone

from . import events
from .cache import input_digests, step_key
from .datastore import Datastore
from .exports import announce_exports
from .models import CacheEntry, Run, Step
from .plan import Plan, PlannedStep
from .rows import any_row, locked, locked_many, save_fields, select_in, update_rows

# enqueue(step id, planned step, input port -> content digest): the digests travel with the step so
# launching it needs no second read of its upstream outputs (a finished step's outputs never change)
Enqueue = Callable[[int, PlannedStep, dict[str, str]], None]
BROKEN = (Step.Status.FAILED, Step.Status.SKIPPED, Step.Status.CANCELLED)
UNFINISHED = (Step.Status.WAITING, Step.Status.QUEUED, Step.Status.RUNNING)
# what advance() and set_run_status() use of a run: not its plan (large JSON), read once per plan
_RUN_FIELDS = ("id", "status", "force", "workspace_id", "started_at", "error")
# a step's fields that its status event carries (`reused_from_id` as `reused_from`)
_EVENT_FIELDS = ("reason", "failure", "error", "duration", "reused_from_id", "outputs")


def step_seed(node_id: str) -> int:
    """A seed fixed by the node's id, so an unchanged step reproduces its bytes and stays reusable."""
    # surrogatepass: a plan read back from JSON may hold a lone surrogate, which must not crash a launch
    return int(hashlib.sha256(node_id.encode("utf-8", "surrogatepass")).hexdigest()[:8], 16) % (2**31 - 1)


def status_payload(node_id: str, status: str, fields: dict[str, Any]) -> dict[str, Any]:
    """What a step's status event carries: its node, its status and those of `fields` a client shows."""
    payload = {"node": node_id, "status": status}
    for extra in _EVENT_FIELDS:
        if extra in fields:
            payload[extra.removesuffix("_id")] = fields[extra]
    return payload


def set_step_status(step: Step, status: str, **fields) -> None:
    step.status = status
    for name, value in fields.items():
        setattr(step, name, value)
    save_fields(step, ["status", *fields])
    events.emit(step.run_id, "step.status", status_payload(step.node_id, status, fields))


def cancel_pending_steps(run_ids, *, error: str = "") -> None:
    """The steps of these runs that have not started (waiting, queued) end cancelled: per run one
    batch of writes and events."""
    pending = (Step.objects.filter(run_id__in=list(run_ids), status__in=[Step.Status.WAITING, Step.Status.QUEUED])
               .order_by("id").values_list("run_id", "id", "node_id"))
    fields = {"reason": "cancelled", "finished_at": timezone.now(), **({"error": error} if error else {})}
    by_run: dict[int, list[_Change]] = {}
    for run_id, pk, node_id in pending:
        by_run.setdefault(run_id, []).append(_Change(0, node_id, pk, Step.Status.CANCELLED, dict(fields)))
    for run_id, changes in by_run.items():
        _write(run_id, changes)


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


def prefetch(runs: list[tuple[int, Plan, dict[str, dict | None] | None]]) -> dict[int, tuple[Run | None, dict[str, list]]]:
    """For advancing many runs in one transaction (the engine's burst): lock every run's row and
    read the step rows each advance() will look at first, in two statements for all of them
    instead of two or three per run; run -> (its row or None, node id -> [step id, status,
    retry_at]). Pass each to advance() as `prefetched`."""
    ids = sorted(run_id for run_id, _, _ in runs)
    found = {run.id: run for run in locked_many(Run, ids, _RUN_FIELDS)}
    wanted: dict[int, set[str]] = {}
    for run_id, plan, finished in runs:
        if finished is None or run_id not in found:
            continue  # a whole-run look reads all its steps itself
        index = _index(plan)
        nodes = wanted.setdefault(run_id, set())
        for node in finished:
            pos = index.position.get(node)
            if pos is None:
                continue
            nodes.add(node)
            for d in index.downstream[pos]:
                ps, upstream = index.steps[d]
                nodes.add(ps.node_id)
                nodes.update(upstream)
    rows: dict[int, dict[str, list]] = {run_id: {} for run_id in wanted}
    names = sorted({n for nodes in wanted.values() for n in nodes})
    for pk, run_id, node, status, held in select_in(Step, ("id", "run", "node_id", "status", "retry_at"), {},
                                                     "node_id", names, also=("run", sorted(wanted))):
        if node in wanted[run_id]:
            rows[run_id][node] = [pk, status, held]
    return {run_id: (found.get(run_id), rows.get(run_id, {})) for run_id in ids}


def advance(run_id: int, *, plan: Plan, store: Datastore, enqueue: Enqueue,
            finished: dict[str, dict | None] | None = None, running: bool = False,
            prefetched: tuple[Run | None, dict[str, list]] | None = None) -> bool:
    """Advance one run; returns True when the run is final afterwards.

    `finished` names steps that just ended (node id -> their outputs as recorded when they
    succeeded, else None): only the steps reading from them can have changed their answer, so only
    those and their upstreams are read, and recorded outputs are not read back. Without it every
    step is looked at (a run's first advance, a resume, a cancel). Statuses always come from the
    database, which stays the truth; ready steps are decided a wave at a time, with one read of
    the wave's cache keys, and all changes are written, then announced, as one batch.

    `running`: the caller still runs a step of this run (it launched it and has not heard of its
    end), so the run cannot end now; nor can it when this call queued a step: then the look-up of
    the run's unfinished steps is left out.

    Inside a caller's transaction (the engine's burst) it takes no savepoint: an error rolls the
    caller's transaction back."""
    with transaction.atomic(savepoint=False):
        # the plan (large JSON) is the caller's; statuses are all that every step contributes
        run = locked(Run, run_id, _RUN_FIELDS) if prefetched is None else prefetched[0]
        if run is None:
            raise Run.DoesNotExist(f"run {run_id} does not exist")
        if run.status in Run.FINAL:
            return True
        if run.status == Run.Status.QUEUED:
            set_run_status(run, Run.Status.RUNNING)
        index = _index(plan)
        view = _RunView(run_id, finished)
        if prefetched is not None and finished is not None:
            view.rows.update(prefetched[1])
        if finished is None:
            view.read_all()
            candidates: list[int] = list(range(len(plan.steps)))
        else:
            candidates = sorted({d for node in finished for d in index.downstream[index.position[node]]})
        # each wave: the waiting steps whose upstreams may have changed, in topological order; the
        # next wave is what reads from the steps this one changed (nothing else can have changed
        # its answer, which depends on its upstream statuses alone)
        changes: list[_Change] = []
        while candidates:
            wave = _advance_wave(run, candidates, index, view, store)
            changes += wave
            candidates = sorted({d for c in wave for d in index.downstream[c.pos]})
        # the changes of every wave are written and announced together, in their order (a chain
        # of reused steps is as many waves as steps, and still one batch)
        _write(run_id, changes)
        for change in changes:
            if change.status == Step.Status.QUEUED:
                enqueue(change.pk, change.ps, change.digests)
        if not running and not any(c.status == Step.Status.QUEUED for c in changes):
            _finish_if_done(run)
        if run.status in Run.FINAL:
            announce_exports(run, plan)  # Export Data steps register their datasets (designer/exports.py)
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


class _RunView:
    """The (id, status) of the steps one advance() looks at, and the outputs of the upstreams its
    ready steps read: each read from the database once, by the run's (run, node) index, in chunks."""

    def __init__(self, run_id: int, known_outputs: dict[str, dict | None] | None) -> None:
        self.run_id = run_id
        # node id -> [step id, status, retry_at]: a waiting step with a retry_at is held until the
        # engine releases it (engine/results.release_due_retries), whatever the time says
        self.rows: dict[str, list] = {}
        self.outputs: dict[str, dict] = {n: o for n, o in (known_outputs or {}).items() if o is not None}
        self.entries: dict[str, tuple[dict, int | None] | None] = {}  # cache key -> (outputs, step id)
        self.stored: dict[str, bool] = {}  # digest -> still in the datastore

    def read_all(self) -> None:
        self.rows = {node: [pk, status, held] for pk, node, status, held in
                     Step.objects.filter(run_id=self.run_id).values_list("id", "node_id", "status", "retry_at")}

    def need_rows(self, node_ids: Iterable[str]) -> None:
        missing = list(dict.fromkeys(n for n in node_ids if n not in self.rows))
        for pk, node, status, held in select_in(Step, ("id", "node_id", "status", "retry_at"), {"run": self.run_id},
                                                "node_id", missing):
            self.rows[node] = [pk, status, held]

    def need_outputs(self, node_ids: Iterable[str]) -> None:
        missing = list(dict.fromkeys(n for n in node_ids if n not in self.outputs))
        self.outputs.update(select_in(Step, ("node_id", "outputs"), {"run": self.run_id}, "node_id", missing))


class _Change:
    """One step's new status in a wave, with the fields written beside it."""

    __slots__ = ("pos", "node_id", "pk", "status", "fields", "ps", "digests")

    def __init__(self, pos: int, node_id: str, pk: int, status: str, fields: dict[str, Any],
                 ps: PlannedStep | None = None, digests: dict[str, str] | None = None) -> None:
        self.pos, self.node_id, self.pk, self.status, self.fields = pos, node_id, pk, status, fields
        self.ps, self.digests = ps, digests


def _advance_wave(run: Run, candidates: list[int], index: "_PlanIndex", view: _RunView,
                  store: Datastore) -> list[_Change]:
    """Decide which waiting candidates are skipped, reused or queued (their upstreams allow it);
    the changes, not yet written (the view holds their new statuses for the next wave)."""
    view.need_rows(n for pos in candidates for n in (index.steps[pos][0].node_id, *index.steps[pos][1]))
    changes: list[_Change] = []
    ready: list[tuple[_Change, PlannedStep, tuple[str, ...]]] = []
    for pos in candidates:
        ps, upstream = index.steps[pos]
        pk, status, held = view.rows[ps.node_id]
        if status != Step.Status.WAITING or held is not None:  # held: a retry waiting for its backoff
            continue
        statuses = [(u, view.rows[u][1]) for u in upstream]
        broken = next(((u, st) for u, st in statuses if st in BROKEN), None)
        if broken is not None:
            changes.append(_Change(pos, ps.node_id, pk, Step.Status.SKIPPED, {
                "reason": "upstream", "error": f"skipped because {broken[0]!r} {broken[1]}",
                "finished_at": timezone.now()}))
        elif all(st in Step.DONE_OK for _, st in statuses):
            change = _Change(pos, ps.node_id, pk, Step.Status.QUEUED, {}, ps)
            changes.append(change)
            ready.append((change, ps, upstream))
    view.need_outputs(u for _, _, upstream in ready for u in upstream)
    for change, ps, _ in ready:
        change.digests = input_digests(ps, view.outputs)
        assert change.digests is not None
        change.fields["cache_key"] = step_key(ps, change.digests)
    _reuse(run, [c for c, ps, _ in ready if ps.reuse and not run.force], view, store)
    for change in changes:
        view.rows[change.node_id][1] = change.status
    return changes


def _reuse(run: Run, changes: list[_Change], view: _RunView, store: Datastore) -> None:
    """Turn the ready steps whose key has a cache entry with its outputs still stored into cached
    ones: one read of the wave's keys not read before in this advance, each output checked once."""
    if not changes:
        return
    entries, exists = view.entries, view.stored
    keys = list(dict.fromkeys(c.fields["cache_key"] for c in changes if c.fields["cache_key"] not in entries))
    entries.update(dict.fromkeys(keys))
    for key, outputs, step_id in select_in(CacheEntry, ("key", "outputs", "step"), {"workspace": run.workspace_id},
                                           "key", keys):
        entries[key] = (outputs, step_id)
    now = timezone.now()
    for change in changes:
        entry = entries[change.fields["cache_key"]]
        if entry is None:
            continue
        outputs, step_id = entry
        digests = [o["digest"] for o in outputs.values()]
        for d in digests:
            if d not in exists:
                exists[d] = store.intact(d)  # complete and not corrupt (a corrupt one is set aside)
        if all(exists[d] for d in digests):
            change.status = Step.Status.CACHED
            change.fields.update(outputs=outputs, reused_from_id=step_id, started_at=now, finished_at=now,
                                 duration=0.0)
            view.outputs[change.node_id] = outputs


def _write(run_id: int, changes: list[_Change]) -> None:
    """The wave's status changes: one UPDATE executed per row for each kind of change (the same
    fields), then their events as one numbered batch, in the wave's order."""
    groups: dict[tuple[str, ...], list[tuple[int, tuple]]] = {}
    for c in changes:
        names = ("status", *c.fields)
        groups.setdefault(names, []).append((c.pk, (c.status, *c.fields.values())))
    for names, rows in groups.items():
        update_rows(Step, names, rows)
    events.emit_many(run_id, [("step.status", status_payload(c.node_id, c.status, c.fields)) for c in changes])


def _finish_if_done(run: Run) -> None:
    """End the run once none of its steps is unfinished: one look-up by the (run, status) index."""
    if any_row(Step, {"run": run.id}, "status", list(UNFINISHED)):
        return
    steps = Step.objects.filter(run_id=run.id)
    failed = list(steps.filter(status=Step.Status.FAILED).order_by("id").values_list("node_id", "error"))
    if failed:
        names = ", ".join(repr(node) for node, _ in failed)
        set_run_status(run, Run.Status.FAILED, error=f"step {names} failed: {failed[0][1]}"[:2000])
    elif steps.filter(status=Step.Status.CANCELLED).exists():
        set_run_status(run, Run.Status.CANCELLED)
    else:
        set_run_status(run, Run.Status.SUCCEEDED)
