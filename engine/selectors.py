"""Reads of the engine: run snapshots, events since a sequence number, step details, artifacts."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable

from django.conf import settings

from .datastore import Datastore
from .models import Artifact, Run, RunEvent, Step


def datastore() -> Datastore:
    return _datastore(settings.DATASTORE_ROOT)


@lru_cache(maxsize=8)
def _datastore(root: str) -> Datastore:
    return Datastore(root)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def step_summary(step: Step) -> dict[str, Any]:
    return {
        "node": step.node_id, "module": step.module, "version": step.version, "target": step.target,
        "status": step.status, "reused": step.status == Step.Status.CACHED,
        "reused_from_run": step.reused_from.run_id if step.reused_from_id and step.reused_from else None,
        "cache_key": step.cache_key, "outputs": step.outputs, "error": step.error, "reason": step.reason,
        "started_at": _iso(step.started_at), "finished_at": _iso(step.finished_at),
        "duration": step.duration, "peak_rss_mb": step.peak_rss_mb, "base_rss_mb": step.base_rss_mb,
        "from_memory_mb": step.from_memory_mb,
        "metrics": step.metrics,
    }


def run_summary(run: Run) -> dict[str, Any]:
    return {
        "id": run.id, "workspace": run.workspace.slug, "version": run.version_id, "status": run.status,
        "params": run.params, "force": run.force, "error": run.error,
        "created_at": _iso(run.created_at), "started_at": _iso(run.started_at), "finished_at": _iso(run.finished_at),
        "seq": run.event_seq,
    }


def run_snapshot(run: Run) -> dict[str, Any]:
    run = Run.objects.select_related("workspace").get(pk=run.pk)
    steps = run.steps.select_related("reused_from").all()
    return {**run_summary(run), "steps": [step_summary(s) for s in steps]}


def run_events_after(run: Run, seq: int, limit: int = 1000) -> list[dict[str, Any]]:
    rows = RunEvent.objects.filter(run=run, seq__gt=seq).order_by("seq")[:limit]
    return [{"type": e.type, "seq": e.seq, "run": run.id, **e.payload} for e in rows]


def step_detail(step: Step) -> dict[str, Any]:
    attempts = [{"number": a.number, "status": a.status, "reason": a.reason, "started_at": _iso(a.started_at),
                 "finished_at": _iso(a.finished_at)} for a in step.attempts.all()]
    return {**step_summary(step), "log": step.log, "traceback": step.traceback, "attempts": attempts,
            "run": step.run_id}


def artifact_visible(*, workspace_ids: Iterable[int], digest: str) -> Artifact | None:
    return Artifact.objects.filter(digest=digest, grants__workspace_id__in=list(workspace_ids)).distinct().first()
