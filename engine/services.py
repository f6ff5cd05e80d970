"""Writes of the engine: submit a pipeline version as a run, cancel a run, register artifacts,
explain the plan before a submit."""
from __future__ import annotations

from typing import Any, Mapping

from django.db import transaction
from django.utils import timezone

from . import events, executor
from .cache import input_digests, step_key
from .compiler import DatasetResolver, compile_document
from .datastore import StoredArtifact
from .experiments import experiment_name
from .models import Artifact, Attempt, CacheEntry, Run, Step
from .plan import Plan, PlannedStep
from .results import artifact_record
from .rows import insert_like
from .selectors import datastore


def run_submit(*, workspace, version, params: Mapping[str, Any] | None = None, force: bool = False,
               user=None, resolve_dataset: DatasetResolver | None = None, plan: Plan | None = None,
               experiment: str | None = None, draft=None, drawn_document: dict[str, Any] | None = None) -> Run:
    """Compile `version` (raises CompileError), unless the caller passes the `plan` it compiled
    for the same document and params, and create its run, filed under `experiment` (default:
    DEFAULT_EXPERIMENT; ValueError for a name against the rule) and the `draft` it was submitted
    from (default: the version's); `drawn_document` is the document as the user drew it, kept when
    the version's own drawing differs. The engine starts on commit."""
    experiment = experiment_name(experiment)
    if plan is None:
        plan = compile_document(version.document, params=params, resolve_dataset=resolve_dataset)
    with transaction.atomic():
        run = Run.objects.create(workspace=workspace, version=version, params=dict(params or {}), force=force,
                                 experiment=experiment, draft_id=draft.pk if draft is not None else version.draft_id,
                                 plan=plan.as_json(), drawn_document=drawn_document,
                                 created_by=user if getattr(user, "is_authenticated", False) else None)
        # in plan order: the step ids follow it (pages of a run's steps are in plan order)
        insert_like(Step(run=run), ("node_id", "module", "version", "target", "retry_policy"),
                    [(s.node_id, s.module, s.version, s.target, s.retry) for s in plan.steps])
        events.emit(run.id, "run.status", {"status": run.status, "error": ""})
        transaction.on_commit(lambda: _kick(run.id))
    return run


def _kick(run_id: int) -> None:
    ex = executor.current()
    if ex is not None:
        ex.kick(run_id)


def run_cancel(*, run: Run) -> Run:
    """Cancel a run: waiting steps are cancelled, running ones killed with their process group."""
    ex = executor.current()
    if run.status in Run.FINAL:
        return run
    if ex is not None:
        ex.cancel(run.id)
    else:
        from .scheduler import set_run_status, set_step_status

        # no engine in this process drives the run: cancel what the database holds. Its running
        # attempts are closed here, so a late result is refused (engine/results.record_result);
        # whoever runs them (an engine's heartbeat, a Celery worker's renewal) sees the cancel and
        # kills the step within a beat
        with transaction.atomic():
            Run.objects.filter(pk=run.pk).update(cancel_requested=True)
            Attempt.objects.filter(step__run=run, status=Attempt.Status.RUNNING).update(
                status=Attempt.Status.FAILED, reason="cancelled", finished_at=timezone.now())
            for step in run.steps.exclude(status__in=Step.FINAL):
                set_step_status(step, Step.Status.CANCELLED, reason="cancelled")
            set_run_status(run, Run.Status.CANCELLED, error="cancelled by a user")
    return run


def artifact_register(*, workspace, stored: StoredArtifact) -> Artifact:
    return artifact_record(workspace_id=workspace.id, digest=stored.digest, kind=stored.kind,
                           size=stored.size, meta=stored.meta)


def plan_explain(*, workspace, document: dict[str, Any], params: Mapping[str, Any] | None = None,
                 force: bool = False, resolve_dataset: DatasetResolver | None = None) -> list[dict[str, Any]]:
    """Which steps a submit would run and which it would reuse, and why (raises CompileError).
    Steps are decided a level at a time (a level: the steps whose longest path from a source has
    the same length), with one read of the cache entries of the level's keys."""
    plan = compile_document(document, params=params, resolve_dataset=resolve_dataset)
    store = datastore()
    known: dict[str, dict[str, Any]] = {}  # node -> outputs it would reuse
    will_run: set[str] = set()
    entries: dict[str, tuple[dict, int | None] | None] = {}  # key -> (outputs, run id of its step)
    exists: dict[str, bool] = {}
    items: dict[str, dict[str, Any]] = {}
    for level in _levels(plan):
        keys = {}
        for ps in level:
            digests = input_digests(ps, known)
            keys[ps.node_id] = None if digests is None else step_key(ps, digests)
        _read_entries(workspace, [k for k in keys.values() if k is not None and k not in entries], entries)
        for ps in level:
            item = items[ps.node_id] = {"node": ps.node_id, "module": ps.module, "version": ps.version,
                                        "cache_key": keys[ps.node_id]}
            if item["cache_key"] is None:
                ups = sorted(u for u in ps.upstream if u in will_run)
                item.update(action="run", reason=f"upstream {', '.join(map(repr, ups))} runs first; this step is "
                            "reused if it produces the same output as before")
            elif force:
                item.update(action="run", reason="this submit forces every step to run")
            elif not ps.reuse:
                item.update(action="run", reason="reuse is turned off for this node")
            elif (entry := entries[item["cache_key"]]) is None or not _stored(entry[0], store, exists):
                item.update(action="run", reason="no earlier run had this module, these parameters and these inputs")
            else:
                outputs, source_run = entry
                source = f" in run {source_run}" if source_run is not None else ""
                item.update(action="reuse", reason=f"identical step ran{source}; its outputs are reused")
                known[ps.node_id] = outputs
            if item["action"] == "run":
                will_run.add(ps.node_id)
    return [items[ps.node_id] for ps in plan.steps]


def _levels(plan: Plan) -> list[list[PlannedStep]]:
    """The plan's steps by the length of their longest path from a source (a step's inputs are all
    decided in the levels before its own)."""
    depth: dict[str, int] = {}
    levels: list[list[PlannedStep]] = []
    for ps in plan.steps:  # topological order: every upstream has its depth already
        d = depth[ps.node_id] = 1 + max((depth[u] for u in ps.upstream), default=-1)
        if d == len(levels):
            levels.append([])
        levels[d].append(ps)
    return levels


def _read_entries(workspace, keys: list[str], entries: dict[str, tuple[dict, int | None] | None]) -> None:
    """The workspace's cache entries of these keys (None where there is none), 500 keys a query."""
    keys = list(dict.fromkeys(keys))
    for i in range(0, len(keys), 500):
        part = keys[i:i + 500]
        entries.update(dict.fromkeys(part))
        for key, outputs, run_id in (CacheEntry.objects.filter(workspace=workspace, key__in=part)
                                     .values_list("key", "outputs", "step__run_id")):
            entries[key] = (outputs, run_id)


def _stored(outputs: dict[str, Any], store, exists: dict[str, bool]) -> bool:
    """Whether every output is still in the datastore, intact (each digest checked once per call)."""
    for o in outputs.values():
        if o["digest"] not in exists:
            exists[o["digest"]] = store.intact(o["digest"])
        if not exists[o["digest"]]:
            return False
    return True
