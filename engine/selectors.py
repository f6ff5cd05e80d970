"""Reads of the engine: run snapshots, events since a sequence number, step details, artifacts."""
from __future__ import annotations

from typing import Any, Iterable

from django.db.models import F

from .datastore import Datastore, open_datastore
from .failures import RetryPolicy
from .models import Artifact, Run, RunEvent, Step


def datastore() -> Datastore:
    return open_datastore()  # settings.DATASTORE_URL, or file://DATASTORE_ROOT


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def step_summary(step: Step) -> dict[str, Any]:
    return {
        "node": step.node_id, "module": step.module, "version": step.version, "target": step.target,
        "status": step.status, "reused": step.status == Step.Status.CACHED,
        "reused_from_run": step.reused_from.run_id if step.reused_from_id and step.reused_from else None,
        "cache_key": step.cache_key, "outputs": step.outputs, "error": step.error, "reason": step.reason,
        "failure": step.failure, "retry_at": _iso(step.retry_at), "retry_policy": RetryPolicy.from_json(step.retry_policy).as_json(),
        "started_at": _iso(step.started_at), "finished_at": _iso(step.finished_at),
        "duration": step.duration, "peak_rss_mb": step.peak_rss_mb, "base_rss_mb": step.base_rss_mb,
        "from_memory_mb": step.from_memory_mb,
        "metrics": step.metrics,
    }


def run_summary(run: Run, seq: int | None = None) -> dict[str, Any]:
    """The run's fields; `seq` is its last event's (read before the rest when the caller cares)."""
    from .events import last_seq

    return {
        "id": run.id, "workspace": run.workspace.slug, "version": run.version_id,
        "version_name": run.version_name if hasattr(run, "version_name") else run.version.name, "status": run.status,
        "params": run.params, "force": run.force, "error": run.error, "experiment": run.experiment,
        "created_by": run.created_by.get_username() if run.created_by_id and run.created_by else None,
        "created_at": _iso(run.created_at), "started_at": _iso(run.started_at), "finished_at": _iso(run.finished_at),
        "seq": last_seq(run.id) if seq is None else seq,
    }


_BRIEF_FIELDS = ("node_id", "module", "status", "outputs", "reason", "failure", "error", "duration")


def step_brief(row: dict[str, Any]) -> dict[str, Any]:
    """What a client needs of a step to draw and follow a run: its node, module, status and outputs
    always; `reason`, `error`, `duration` and `reused_from_run` only when they have a value. The rest
    (key, attempts, timings, memory, metrics, log) is in `step_detail`, one step at a time."""
    brief: dict[str, Any] = {"node": row["node_id"], "module": row["module"], "status": row["status"],
                             "outputs": row["outputs"]}
    for name in ("reason", "failure", "error", "duration", "reused_from_run"):
        if row[name] not in (None, ""):
            brief[name] = row[name]
    return brief


def _brief_steps(run: Run):
    """The run's steps in plan order (they were created in it), as the rows step_brief reads."""
    return run.steps.order_by("id").values("id", *_BRIEF_FIELDS, reused_from_run=F("reused_from__run_id"))


def run_snapshot(run: Run) -> dict[str, Any]:
    """The run and a brief of every step (`step_brief`): what a client draws a run from."""
    from .events import last_seq

    seq = last_seq(run.pk)  # first: whatever the snapshot shows includes the events up to it
    # the version's name only, not its documents; nor the run's plan: a snapshot is read on every connect
    run = (Run.objects.select_related("workspace", "created_by").defer("plan")
           .annotate(version_name=F("version__name")).get(pk=run.pk))
    return {**run_summary(run, seq), "steps": [step_brief(s) for s in _brief_steps(run)]}


def run_steps_after(run: Run, node: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """A page of step briefs in the run's plan order, after the step of node id `node`; and the node
    id to continue after (None on the last page)."""
    qs = _brief_steps(run)
    if node is not None:
        after = run.steps.filter(node_id=node).values_list("id", flat=True).first()
        if after is None:
            return [], None
        qs = qs.filter(id__gt=after)
    rows = list(qs[:limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return [step_brief(s) for s in rows], (rows[-1]["node_id"] if more else None)


def run_seq(run_id: int) -> int:
    """The run's last event seq: one index lookup."""
    from .events import last_seq

    return last_seq(run_id)


def run_events_after(run_id: int, seq: int, limit: int = 1000) -> list[dict[str, Any]]:
    """The run's stored events with seq > `seq`, oldest first, at most `limit`."""
    from .events import event_dict

    rows = (RunEvent.objects.filter(run_id=run_id, seq__gt=seq).order_by("seq")
            .values_list("seq", "type", "payload", "created_at")[:limit])
    return [event_dict(run_id, s, t, p, at) for s, t, p, at in rows]


MAX_LOG_CHARS = 1_000_000  # a step's detail shows at most the last million characters of its log


def step_log(step: Step) -> str:
    """The step's output, read from where it is stored once: the run's `step.log` events for its
    node (every attempt's, in order); the last MAX_LOG_CHARS characters."""
    texts = (RunEvent.objects.filter(run_id=step.run_id, type="step.log", payload__node=step.node_id)
             .order_by("-seq").values_list("payload__text", flat=True))
    parts, size = [], 0
    for text in texts.iterator(chunk_size=500):
        parts.append(text or "")
        size += len(text or "")
        if size >= MAX_LOG_CHARS:
            break
    return "".join(reversed(parts))[-MAX_LOG_CHARS:]


def step_detail(step: Step) -> dict[str, Any]:
    attempts = [{"number": a.number, "status": a.status, "reason": a.reason, "failure": a.failure,
                 "started_at": _iso(a.started_at),
                 "finished_at": _iso(a.finished_at)} for a in step.attempts.all()]
    return {**step_summary(step), "log": step_log(step), "traceback": step.traceback, "attempts": attempts,
            "run": step.run_id, "host": step.host, "worker": step.worker, "container": step.container}


def artifact_visible(*, workspace_ids: Iterable[int], digest: str) -> Artifact | None:
    return Artifact.objects.filter(digest=digest, grants__workspace_id__in=list(workspace_ids)).distinct().first()
