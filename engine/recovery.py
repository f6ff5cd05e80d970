"""The reaper: attempts whose engine died (or stopped renewing its lease) are failed as lost and
their steps retried as their retry policy says (engine/failures.py: by default lost attempts are
retried, a bounded number of times); runs whose engine's lease lapsed are adopted by one other
engine; never a run left `running` with nobody driving it."""
from __future__ import annotations

import socket
from datetime import timedelta

import psutil
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Attempt, Run, Step
from .results import retry_message, retry_wait
from .scheduler import cancel_pending_steps, set_step_status


def _owner_dead(owner: str) -> bool:
    """True when `owner` names an engine process on this host that no longer exists."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    return host == socket.gethostname() and pid.isdigit() and not psutil.pid_exists(int(pid))


def recover_lost_attempts(*, owner: str, lease: float, startup: bool = True, settle: float = 0.0) -> list[int]:
    """Fail lost attempts, put their steps back to waiting (or fail them after repeated losses),
    and adopt for `owner` the unfinished runs nobody drives (adopt_runs).

    Returns the ids of runs that need advancing (some may be driven by another live engine: the
    executor advances only those it owns). A run whose cancel was requested is never resumed: its
    unfinished steps end cancelled instead."""
    stale = timezone.now() - timedelta(seconds=lease)
    runs: set[int] = set()
    with transaction.atomic():
        candidates = Attempt.objects.select_for_update().filter(status=Attempt.Status.RUNNING).exclude(owner=owner)
        for attempt in candidates.select_related("step"):
            if not (attempt.heartbeat_at < stale or _owner_dead(attempt.owner)):
                continue
            attempt.status = Attempt.Status.FAILED
            attempt.reason = attempt.failure = "lost"
            attempt.finished_at = timezone.now()
            attempt.save(update_fields=["status", "reason", "failure", "finished_at"])
            step = attempt.step
            runs.add(step.run_id)
            if step.status != Step.Status.RUNNING:
                continue
            cancelled = Run.objects.filter(pk=step.run_id, cancel_requested=True).exists()
            retry = None if cancelled else retry_wait(step.id, "lost")
            if cancelled:  # back to waiting: _cancel_requested() below ends it cancelled
                set_step_status(step, Step.Status.WAITING, reason="lost", failure="lost",
                                error="the attempt was lost; the run's cancel was requested")
            elif retry is None:
                lost = step.attempts.filter(reason="lost").count()
                set_step_status(step, Step.Status.FAILED, reason="lost", failure="lost", finished_at=timezone.now(),
                                error=f"the step's worker was lost {lost} times (engine or worker restarted or died)")
            else:
                wait, attempts, policy = retry
                set_step_status(step, Step.Status.WAITING, reason="lost", failure="lost",
                                retry_at=timezone.now() + timedelta(seconds=wait),
                                error=retry_message(attempts, policy, "lost", wait,
                                                    "its engine or worker stopped renewing its lease"))
    runs.update(adopt_runs(owner=owner, lease=lease, unstarted_after=None if startup else settle))
    with transaction.atomic():
        _cancel_requested(runs)
    return sorted(runs)


def lease_lapsed(now) -> Q:
    """Runs no live engine drives: never claimed, or their engine's lease ran out."""
    return Q(owner="") | Q(lease_until__isnull=True) | Q(lease_until__lt=now)


def claim_run(run_id: int, *, owner: str, lease: float, previous: str | None = None) -> bool:
    """Take (or renew) the lease on an unfinished run, in one conditional UPDATE: only when it is
    `owner`'s already, nobody's, its lease lapsed, or (`previous`) it still names that dead engine.
    Two engines claiming at once: one UPDATE changes the row, the other finds the condition false."""
    now = timezone.now()
    held = Q(owner=owner) | lease_lapsed(now) | (Q(owner=previous) if previous else Q(pk__in=[]))
    return bool(Run.objects.filter(held, pk=run_id).exclude(status__in=Run.FINAL)
                .update(owner=owner, lease_until=now + timedelta(seconds=lease)))


def adopt_runs(*, owner: str, lease: float, unstarted_after: float | None = None) -> list[int]:
    """Claim the unfinished runs whose engine's lease lapsed (or whose engine, on this host, is
    gone), and those nobody claimed for `unstarted_after` seconds (None: whatever their age, as at
    start-up): submitted where no engine runs, or their kick was lost. The steps an adopted run had
    queued lived in its old engine's memory only: they go back to waiting, to be queued again."""
    now = timezone.now()
    unfinished = Run.objects.exclude(status__in=Run.FINAL).exclude(owner=owner)
    lapsed = unfinished.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now)).exclude(owner="")
    unclaimed = unfinished.filter(owner="")
    if unstarted_after is not None:
        unclaimed = unclaimed.filter(created_at__lt=now - timedelta(seconds=unstarted_after))
    found: list[tuple[int, str | None]] = [(pk, None) for pk in lapsed.values_list("id", flat=True)[:1000]]
    found += [(pk, None) for pk in unclaimed.values_list("id", flat=True)[:1000]]
    # a dead engine on this host is known at once, without waiting for its lease
    here = socket.gethostname() + ":"
    found += [(pk, prev) for pk, prev in unfinished.filter(owner__startswith=here, lease_until__gte=now)
              .values_list("id", "owner")[:1000] if _owner_dead(prev)]
    adopted = []
    for run_id, previous in found:
        with transaction.atomic():
            if not claim_run(run_id, owner=owner, lease=lease, previous=previous):
                continue  # another engine adopted it first
            Step.objects.filter(run_id=run_id, status=Step.Status.QUEUED).update(status=Step.Status.WAITING)
        adopted.append(run_id)
    return adopted


def _cancel_requested(run_ids: set[int]) -> None:
    """Steps of runs whose cancel was requested, and that nobody runs any more, end cancelled."""
    cancelled = list(Run.objects.filter(id__in=run_ids, cancel_requested=True).exclude(status__in=Run.FINAL)
                     .values_list("id", flat=True))
    if not cancelled:
        return
    cancel_pending_steps(cancelled, error="the run was cancelled")
