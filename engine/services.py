"""Writes of the engine: submit a pipeline version as a run, cancel a run, register artifacts,
explain the plan before a submit."""
from __future__ import annotations

from typing import Any, Mapping

from django.db import transaction

from . import events, executor
from .cache import input_digests, step_key
from .compiler import DatasetResolver, compile_document
from .datastore import StoredArtifact
from .experiments import experiment_name
from .models import Artifact, CacheEntry, Run, Step
from .plan import Plan
from .results import artifact_record
from .selectors import datastore


def run_submit(*, workspace, version, params: Mapping[str, Any] | None = None, force: bool = False,
               user=None, resolve_dataset: DatasetResolver | None = None, plan: Plan | None = None,
               experiment: str | None = None, draft=None, drawn_document: dict[str, Any] | None = None) -> Run:
    """Compile `version` (raises CompileError), unless the caller passes the `plan` it compiled
    for the same document and params, and create its run, filed under `experiment` (default:
    DEFAULT_EXPERIMENT; ValueError for a name against the rule) and the `draft` it was submitted
    from (default: the version's); the engine starts on commit."""
    experiment = experiment_name(experiment)
    if plan is None:
        plan = compile_document(version.document, params=params, resolve_dataset=resolve_dataset)
    with transaction.atomic():
        run = Run.objects.create(workspace=workspace, version=version, params=dict(params or {}), force=force,
                                 experiment=experiment, draft_id=draft.pk if draft is not None else version.draft_id,
                                 plan=plan.as_json(), drawn_document=drawn_document, created_by=user if getattr(user, "is_authenticated", False) else None)
        Step.objects.bulk_create(
            Step(run=run, node_id=s.node_id, module=s.module, version=s.version, target=s.target) for s in plan.steps
        )
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
        # no engine in this process drives the run: cancel what the database holds
        from .scheduler import set_run_status, set_step_status

        with transaction.atomic():
            for step in run.steps.exclude(status__in=Step.FINAL):
                set_step_status(step, Step.Status.CANCELLED, reason="cancelled")
            set_run_status(run, Run.Status.CANCELLED, error="cancelled by a user")
    return run


def artifact_register(*, workspace, stored: StoredArtifact) -> Artifact:
    return artifact_record(workspace_id=workspace.id, digest=stored.digest, kind=stored.kind,
                           size=stored.size, meta=stored.meta)


def plan_explain(*, workspace, document: dict[str, Any], params: Mapping[str, Any] | None = None,
                 force: bool = False, resolve_dataset: DatasetResolver | None = None) -> list[dict[str, Any]]:
    """Which steps a submit would run and which it would reuse, and why (raises CompileError)."""
    plan = compile_document(document, params=params, resolve_dataset=resolve_dataset)
    store = datastore()
    known: dict[str, dict[str, Any]] = {}
    will_run: set[str] = set()
    out = []
    for ps in plan.steps:
        item = {"node": ps.node_id, "module": ps.module, "version": ps.version, "cache_key": None}
        digests = input_digests(ps, known)
        if digests is None:
            ups = sorted(u for u in ps.upstream if u in will_run)
            item.update(action="run", reason=f"upstream {', '.join(map(repr, ups))} runs first; this step is "
                        "reused if it produces the same output as before")
        else:
            key = item["cache_key"] = step_key(ps, digests)
            entry = CacheEntry.objects.filter(workspace=workspace, key=key).select_related("step").first()
            if force:
                item.update(action="run", reason="this submit forces every step to run")
            elif not ps.reuse:
                item.update(action="run", reason="reuse is turned off for this node")
            elif entry is None or not all(store.exists(o["digest"]) for o in entry.outputs.values()):
                item.update(action="run", reason="no earlier run had this module, these parameters and these inputs")
            else:
                source = f" in run {entry.step.run_id}" if entry.step is not None else ""
                item.update(action="reuse", reason=f"identical step ran{source}; its outputs are reused")
                known[ps.node_id] = entry.outputs
        if item["action"] == "run":
            will_run.add(ps.node_id)
        out.append(item)
    return out
