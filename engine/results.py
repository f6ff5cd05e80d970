"""Accepting a step's result: only from the attempt that holds the lease, all in one transaction.
A failure is classed (engine/failures.py) and, when the node's retry policy says so, the step goes
back to waiting, held until its backoff has passed (release_due_retries)."""
from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .datastore import Datastore
from .failures import RetryPolicy, failure_class
from .models import Artifact, ArtifactGrant, Attempt, CacheEntry, Run, Step
from .rows import close_attempt, insert_rows
from .scheduler import set_step_status
from .stepspec import StepResult

def artifact_record(*, workspace_id: int, digest: str, kind: str, size: int, meta: dict) -> Artifact:
    artifact, _ = Artifact.objects.get_or_create(digest=digest, defaults={"kind": kind, "size": size, "meta": meta})
    ArtifactGrant.objects.get_or_create(workspace_id=workspace_id, artifact=artifact)
    return artifact


def _close_attempt(attempt_id: int, status: str, now, reason: str, failure: str,
                   owner: str | None = None) -> tuple[int, int, str, str, int] | None:
    """End the attempt if it still holds its lease (is running, and held by `owner` when given), in
    one conditional UPDATE; then (step id, run id, node id, cache key, workspace id) of its step, or
    None when it had lost it. One statement on PostgreSQL, two elsewhere (rows.close_attempt), on
    every step's hot path instead of the ORM's locking join and save."""
    where = {"status": Attempt.Status.RUNNING, **({"owner": owner} if owner is not None else {})}
    return close_attempt(attempt_id, where, {"status": status, "finished_at": now, "reason": reason, "failure": failure})


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


def record_result(*, attempt_id: int, result: StepResult, store: Datastore, owner: str | None = None) -> bool:
    """Store the outcome of an attempt; False when the attempt had lost its lease, or is no longer
    held by `owner` when one is given (a fencing token: the result is ignored). A failure the
    step's retry policy retries puts the step back to waiting instead of failed."""
    now = timezone.now()
    ok = result.status == "succeeded"
    failure = "" if ok else failure_class(result.reason or "error", result.error)
    with transaction.atomic():
        found = _close_attempt(attempt_id, Attempt.Status.SUCCEEDED if ok else Attempt.Status.FAILED, now,
                               result.reason, failure, owner)
        if found is None:
            return False
        step_id, run_id, node_id, cache_key, workspace_id = found
        step = Step(id=step_id, run_id=run_id, node_id=node_id, cache_key=cache_key)
        where = dict(host=str(result.host or "")[:255], worker=str(result.worker or "")[:255],
                     container=str(result.container or "")[:255])
        common = dict(finished_at=now, duration=result.duration, peak_rss_mb=result.peak_rss_mb,
                      base_rss_mb=result.base_rss_mb, from_memory_mb=result.from_memory_mb,
                      metrics=result.metrics,  # the log is stored once: as the run's step.log events
                      **where)
        if ok:
            outputs = step_outputs(result)
            _record_artifacts(workspace_id, result.outputs.values())
            # insert or update in one statement (was: SELECT ... FOR UPDATE, then UPDATE or INSERT)
            insert_rows([CacheEntry(workspace_id=workspace_id, key=step.cache_key, outputs=outputs, step=step)],
                        conflict=("workspace", "key"), update=("outputs", "step"))
            # a resumed or retried step clears the reason, class and message of its failed attempts
            set_step_status(step, Step.Status.SUCCEEDED, outputs=outputs, reason="", error="", failure="", **common)
            return True
        if result.reason == "cancelled":
            set_step_status(step, Step.Status.CANCELLED, error=result.error, traceback=result.traceback,
                            reason="cancelled", **common)
            return True
        retry = retry_wait(step_id, failure)
        if retry is None:
            set_step_status(step, Step.Status.FAILED, error=result.error, traceback=result.traceback,
                            reason=result.reason or "error", failure=failure, **common)
        else:
            wait, attempts, policy = retry
            set_step_status(step, Step.Status.WAITING, traceback=result.traceback, reason=result.reason or "error",
                            failure=failure, retry_at=now + timedelta(seconds=wait), **where,
                            error=retry_message(attempts, policy, failure, wait, result.error))
    return True


def retry_wait(step_id: int, failure: str) -> tuple[float, int, RetryPolicy] | None:
    """(seconds to wait, attempts so far, policy) when the step runs again after a failure of
    class `failure`; None when its policy does not retry it, no attempt is left, or its run's
    cancel was requested or the run ended (a cancel always wins over a retry)."""
    if not failure:
        return None
    row = Step.objects.filter(pk=step_id).values_list("retry_policy", "run__cancel_requested", "run__status").first()
    if row is None or row[1] or row[2] in Run.FINAL:
        return None
    policy = RetryPolicy.from_json(row[0])
    attempts = Attempt.objects.filter(step_id=step_id).count()
    wait = policy.wait(failure, attempts)
    return None if wait is None else (wait, attempts, policy)


def retry_message(attempts: int, policy: RetryPolicy, failure: str, wait: float, error: str) -> str:
    return (f"attempt {attempts} of {policy.max_attempts} failed ({failure.replace('_', ' ')}): {error}"[:1800]
            + f"; it runs again in {wait:g} s")


def release_due_retries(run_ids: list[int] | None = None) -> list[int]:
    """Waiting steps whose retry's backoff has passed are no longer held (their `retry_at` is
    cleared, so advance() queues them); the ids of their runs, which need advancing."""
    due = Step.objects.filter(status=Step.Status.WAITING, retry_at__lte=timezone.now())
    if run_ids is not None:
        due = due.filter(run_id__in=run_ids)
    runs = sorted(set(due.values_list("run_id", flat=True)[:1000]))
    if runs:
        due.filter(run_id__in=runs).update(retry_at=None)
    return runs
