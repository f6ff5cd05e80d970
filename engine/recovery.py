"""The reaper: attempts whose engine died (or stopped renewing its lease) are failed as lost and
their steps retried as their retry policy says (engine/failures.py: by default lost attempts are
retried, a bounded number of times); never a run left `running` with nobody driving it."""
from __future__ import annotations

import socket
from datetime import timedelta

import psutil
from django.db import transaction
from django.utils import timezone

from .models import Attempt, Run, Step
from .results import retry_message, retry_wait
from .scheduler import cancel_pending_steps, set_step_status


def _owner_dead(owner: str) -> bool:
    """True when `owner` names an engine process on this host that no longer exists."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    return host == socket.gethostname() and pid.isdigit() and not psutil.pid_exists(int(pid))


def recover_lost_attempts(*, owner: str, lease: float, startup: bool = True) -> list[int]:
    """Fail lost attempts, put their steps back to waiting (or fail them after repeated losses).

    Returns the ids of runs that need advancing. At start-up also returns every unfinished run
    nobody else is driving, with steps that were queued in a dead engine's memory re-queued. A run
    whose cancel was requested is never resumed: its unfinished steps end cancelled instead."""
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
        if startup:
            live = set(Attempt.objects.filter(status=Attempt.Status.RUNNING).values_list("step__run_id", flat=True))
            for step in Step.objects.filter(status=Step.Status.QUEUED).exclude(run_id__in=live):
                step.status = Step.Status.WAITING
                step.save(update_fields=["status"])
            pending = Run.objects.exclude(status__in=Run.FINAL).exclude(id__in=live)
            runs.update(pending.values_list("id", flat=True))
        _cancel_requested(runs)
    return sorted(runs)


def _cancel_requested(run_ids: set[int]) -> None:
    """Steps of runs whose cancel was requested, and that nobody runs any more, end cancelled."""
    cancelled = list(Run.objects.filter(id__in=run_ids, cancel_requested=True).exclude(status__in=Run.FINAL)
                     .values_list("id", flat=True))
    if not cancelled:
        return
    cancel_pending_steps(cancelled, error="the run was cancelled")
