"""Accepting a step's result: only from the attempt that holds the lease, all in one transaction."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .datastore import Datastore
from .models import Artifact, ArtifactGrant, Attempt, CacheEntry, Run, Step
from .rows import attempt_step, insert_rows, update_if
from .scheduler import set_step_status
from .stepspec import StepResult

def artifact_record(*, workspace_id: int, digest: str, kind: str, size: int, meta: dict) -> Artifact:
    artifact, _ = Artifact.objects.get_or_create(digest=digest, defaults={"kind": kind, "size": size, "meta": meta})
    ArtifactGrant.objects.get_or_create(workspace_id=workspace_id, artifact=artifact)
    return artifact


def _close_attempt(attempt_id: int, status: str, now, reason: str) -> tuple[int, int, str, str, int] | None:
    """End the attempt if it still holds its lease (is running), in one conditional UPDATE; then
    (step id, run id, node id, cache key, workspace id) of its step, or None when it had lost it.
    Two plain statements on every step's hot path instead of the ORM's locking join and save."""
    if not update_if(Attempt, attempt_id, {"status": Attempt.Status.RUNNING},
                     {"status": status, "finished_at": now, "reason": reason}):
        return None
    return attempt_step(attempt_id)


def _record_artifacts(workspace_id: int, arts) -> None:
    """artifact_record() for every output, in two statements: existing rows are left as they are."""
    by_digest: dict[str, dict] = {}
    for a in arts:
        by_digest.setdefault(a["digest"], a)  # two ports may hold identical bytes: the first one wins
    unique = list(by_digest.values())
    if not unique:
        return
    insert_rows([Artifact(digest=a["digest"], kind=a["kind"], size=a["size"], meta=a.get("meta", {}))
                 for a in unique])
    insert_rows([ArtifactGrant(workspace_id=workspace_id, artifact_id=a["digest"]) for a in unique])


def step_outputs(result: StepResult) -> dict[str, dict[str, str]]:
    """What a succeeded step's `outputs` column holds: port -> {"digest", "kind"}."""
    return {port: {"digest": art["digest"], "kind": art["kind"]} for port, art in result.outputs.items()}


def record_result(*, attempt_id: int, result: StepResult, store: Datastore) -> bool:
    """Store the outcome of an attempt; False when the attempt had lost its lease (result ignored)."""
    now = timezone.now()
    ok = result.status == "succeeded"
    with transaction.atomic():
        found = _close_attempt(attempt_id, Attempt.Status.SUCCEEDED if ok else Attempt.Status.FAILED, now,
                               result.reason)
        if found is None:
            return False
        step_id, run_id, node_id, cache_key, workspace_id = found
        step = Step(id=step_id, run_id=run_id, node_id=node_id, cache_key=cache_key)
        common = dict(finished_at=now, duration=result.duration, peak_rss_mb=result.peak_rss_mb,
                      base_rss_mb=result.base_rss_mb, from_memory_mb=result.from_memory_mb,
                      metrics=result.metrics,  # the log is stored once: as the run's step.log events
                      host=str(result.host or "")[:255], worker=str(result.worker or "")[:255],
                      container=str(result.container or "")[:255])
        if ok:
            outputs = step_outputs(result)
            _record_artifacts(workspace_id, result.outputs.values())
            # insert or update in one statement (was: SELECT ... FOR UPDATE, then UPDATE or INSERT)
            insert_rows([CacheEntry(workspace_id=workspace_id, key=step.cache_key, outputs=outputs, step=step)],
                        conflict=("workspace", "key"), update=("outputs", "step"))
            # a resumed step (lost before) clears the reason and message of the lost attempt
            set_step_status(step, Step.Status.SUCCEEDED, outputs=outputs, reason="", error="", **common)
        else:
            status = Step.Status.CANCELLED if result.reason == "cancelled" else Step.Status.FAILED
            set_step_status(step, status, error=result.error, traceback=result.traceback,
                            reason=result.reason or "error", **common)
    return True
