"""A running pipeline recovers from a corrupt artifact: when a step fails because an input's bytes
no longer hash to their address (engine/datastore.py raised CorruptArtifact and set the object
aside), the step that produced it in this run goes back to waiting, and so does the reader. The
scheduler then runs the producer again (its cache entry points at bytes no longer intact) and the
reader after it, instead of failing the run."""
from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone

from .datastore import Datastore
from .models import Attempt, Step
from .rows import update_if
from .scheduler import set_step_status
from .stepspec import StepResult

# the runner words a failure "<exception type>: <message>" (engine/runner.describe)
_CORRUPT = re.compile(r"CorruptArtifact: artifact ([0-9a-f]{64}) was corrupt")
MAX_ATTEMPTS = 3  # a step that keeps meeting corrupt inputs fails as usual after this many attempts


def corrupt_input(result: StepResult) -> str | None:
    """The digest of the input whose bytes were found corrupt, when that is why the step failed
    (rerun_producer() checks that they really are not intact)."""
    if result.status != "failed":
        return None
    found = _CORRUPT.match(result.error or "")
    return found.group(1) if found else None


def rerun_producer(*, attempt_id: int, digest: str, store: Datastore) -> bool:
    """Put the producer of `digest` in the attempt's run and the attempt's step back to waiting;
    False (nothing changed: the result is recorded as an ordinary failure) when the bytes are in
    fact intact (a script raised an error of that name), nothing in the run produced them (a
    dataset's own artifact), the step has tried MAX_ATTEMPTS times, or the attempt lost its lease."""
    if store.intact(digest):
        return False
    now = timezone.now()
    with transaction.atomic():
        row = (Attempt.objects.filter(pk=attempt_id, status=Attempt.Status.RUNNING)
               .values_list("step_id", "step__run_id", "step__node_id").first())
        if row is None:
            return False
        step_id, run_id, node_id = row
        if Attempt.objects.filter(step_id=step_id).count() >= MAX_ATTEMPTS:
            return False
        producers = [s for s in Step.objects.filter(run_id=run_id).exclude(pk=step_id)
                     .only("id", "run_id", "node_id", "status", "outputs")
                     if any(isinstance(o, dict) and o.get("digest") == digest for o in (s.outputs or {}).values())]
        if not producers:
            return False
        if not update_if(Attempt, attempt_id, {"status": Attempt.Status.RUNNING},
                         {"status": Attempt.Status.FAILED, "finished_at": now, "reason": "error"}):
            return False
        names = ", ".join(repr(p.node_id) for p in producers)
        for producer in producers:
            if producer.status in Step.DONE_OK:  # a second reader of the same bytes finds it waiting already
                set_step_status(producer, Step.Status.WAITING, outputs={}, reused_from_id=None, reason="corrupt",
                                error=f"its output {digest} was corrupt in the datastore when {node_id!r} read it: "
                                      "it runs again")
        set_step_status(Step(id=step_id, run_id=run_id, node_id=node_id), Step.Status.WAITING, reason="corrupt",
                        error=f"its input {digest} was corrupt in the datastore: it runs again after {names}")
    return True
