"""Accepting a step's result: only from the attempt that holds the lease, all in one transaction."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .datastore import Datastore
from .models import Artifact, ArtifactGrant, Attempt, CacheEntry, Step
from .rows import save_fields
from .scheduler import set_step_status
from .stepspec import StepResult

MAX_LOG_CHARS = 1_000_000


def artifact_record(*, workspace_id: int, digest: str, kind: str, size: int, meta: dict) -> Artifact:
    artifact, _ = Artifact.objects.get_or_create(digest=digest, defaults={"kind": kind, "size": size, "meta": meta})
    ArtifactGrant.objects.get_or_create(workspace_id=workspace_id, artifact=artifact)
    return artifact


_ATTEMPT_FIELDS = ("id", "status", "finished_at", "reason", "step__id", "step__run_id", "step__node_id",
                   "step__cache_key", "step__status", "step__run__id", "step__run__workspace_id")


def _record_artifacts(workspace_id: int, arts) -> None:
    """artifact_record() for every output, in two statements: existing rows are left as they are."""
    by_digest: dict[str, dict] = {}
    for a in arts:
        by_digest.setdefault(a["digest"], a)  # two ports may hold identical bytes: the first one wins
    unique = list(by_digest.values())
    if not unique:
        return
    Artifact.objects.bulk_create(
        [Artifact(digest=a["digest"], kind=a["kind"], size=a["size"], meta=a.get("meta", {})) for a in unique],
        ignore_conflicts=True,
    )
    ArtifactGrant.objects.bulk_create(
        [ArtifactGrant(workspace_id=workspace_id, artifact_id=a["digest"]) for a in unique], ignore_conflicts=True,
    )


def step_outputs(result: StepResult) -> dict[str, dict[str, str]]:
    """What a succeeded step's `outputs` column holds: port -> {"digest", "kind"}."""
    return {port: {"digest": art["digest"], "kind": art["kind"]} for port, art in result.outputs.items()}


def record_result(*, attempt_id: int, result: StepResult, store: Datastore) -> bool:
    """Store the outcome of an attempt; False when the attempt had lost its lease (result ignored)."""
    now = timezone.now()
    with transaction.atomic():
        # only the columns used here: the run's plan and the step's log are large JSON/text
        attempt = (Attempt.objects.select_for_update().select_related("step__run")
                   .only(*_ATTEMPT_FIELDS).get(pk=attempt_id))
        if attempt.status != Attempt.Status.RUNNING:
            return False
        step = attempt.step
        ok = result.status == "succeeded"
        attempt.status = Attempt.Status.SUCCEEDED if ok else Attempt.Status.FAILED
        attempt.finished_at = now
        attempt.reason = result.reason
        save_fields(attempt, ["status", "finished_at", "reason"])
        common = dict(finished_at=now, duration=result.duration, peak_rss_mb=result.peak_rss_mb,
                      base_rss_mb=result.base_rss_mb, from_memory_mb=result.from_memory_mb,
                      metrics=result.metrics, log=result.log[-MAX_LOG_CHARS:])
        if ok:
            workspace_id = step.run.workspace_id
            outputs = step_outputs(result)
            _record_artifacts(workspace_id, result.outputs.values())
            # insert or update in one statement (was: SELECT ... FOR UPDATE, then UPDATE or INSERT)
            CacheEntry.objects.bulk_create(
                [CacheEntry(workspace_id=workspace_id, key=step.cache_key, outputs=outputs, step=step)],
                update_conflicts=True, unique_fields=["workspace", "key"], update_fields=["outputs", "step"],
            )
            # a resumed step (lost before) clears the reason and message of the lost attempt
            set_step_status(step, Step.Status.SUCCEEDED, outputs=outputs, reason="", error="", **common)
        else:
            status = Step.Status.CANCELLED if result.reason == "cancelled" else Step.Status.FAILED
            set_step_status(step, status, error=result.error, traceback=result.traceback,
                            reason=result.reason or "error", **common)
    return True
