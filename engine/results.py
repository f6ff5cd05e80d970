"""Accepting a step's result: only from the attempt that holds the lease, all in one transaction."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .datastore import Datastore
from .models import Artifact, ArtifactGrant, Attempt, CacheEntry, Step
from .scheduler import set_step_status
from .stepspec import StepResult

MAX_LOG_CHARS = 1_000_000


def artifact_record(*, workspace_id: int, digest: str, kind: str, size: int, meta: dict) -> Artifact:
    artifact, _ = Artifact.objects.get_or_create(digest=digest, defaults={"kind": kind, "size": size, "meta": meta})
    ArtifactGrant.objects.get_or_create(workspace_id=workspace_id, artifact=artifact)
    return artifact


def record_result(*, attempt_id: int, result: StepResult, store: Datastore) -> bool:
    """Store the outcome of an attempt; False when the attempt had lost its lease (result ignored)."""
    now = timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("step__run").get(pk=attempt_id)
        if attempt.status != Attempt.Status.RUNNING:
            return False
        step = attempt.step
        ok = result.status == "succeeded"
        attempt.status = Attempt.Status.SUCCEEDED if ok else Attempt.Status.FAILED
        attempt.finished_at = now
        attempt.reason = result.reason
        attempt.save(update_fields=["status", "finished_at", "reason"])
        common = dict(finished_at=now, duration=result.duration, peak_rss_mb=result.peak_rss_mb,
                      metrics=result.metrics, log=result.log[-MAX_LOG_CHARS:])
        if ok:
            outputs = {}
            for port, art in result.outputs.items():
                artifact_record(workspace_id=step.run.workspace_id, digest=art["digest"], kind=art["kind"],
                                size=art["size"], meta=art.get("meta", {}))
                outputs[port] = {"digest": art["digest"], "kind": art["kind"]}
            CacheEntry.objects.update_or_create(workspace_id=step.run.workspace_id, key=step.cache_key,
                                                defaults={"outputs": outputs, "step": step})
            set_step_status(step, Step.Status.SUCCEEDED, outputs=outputs, **common)
        else:
            status = Step.Status.CANCELLED if result.reason == "cancelled" else Step.Status.FAILED
            set_step_status(step, status, error=result.error, traceback=result.traceback,
                            reason=result.reason or "error", **common)
    return True
