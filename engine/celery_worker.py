"""What a Celery worker does with one `run_attempt` task (engine/celery_app.py).

1. Claim the attempt: one conditional UPDATE from `celery:<token>` (what the engine wrote when it
   sent the task) to `celery:<token>@<worker>`. A second delivery of the task, or a task whose
   attempt the engine has meanwhile failed (lost, cancelled), finds nothing to claim and does
   nothing: no second attempt runs, no second artifact is written.
2. Run the step in a child process of this worker: a `LocalTarget` per worker process (warm pool
   for built-ins, a fresh child for user code, as on `local`).
3. While it runs, renew the attempt's lease (`heartbeat_at`) every beat; the engine does not renew
   the leases of remote attempts, so a dead worker's attempt lapses and the engine's reaper fails it
   as `lost`. When the renewal finds the attempt no longer running, or its run cancelled or over,
   the child is killed within a beat.
4. Publish the step's logs, metrics and progress as run events from here (rows, and the channel
   layer to the run's WebSocket).
5. Record the result with engine.results.record_result, fenced: only while the attempt is running
   and still holds this task's token; a late or stale result is refused. Once it is committed, ring
   the bell: publish the attempt's id on the Redis channel ENDED_CHANNEL, so the engine's celery
   target reads the row now instead of at its next poll (a lost message costs one poll interval).

The worker makes its local target (zygote, warm pool) when it is ready, not on its first task.
"""
from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Subquery
from django.utils import timezone

from . import events
from .models import Attempt, Run, Step
from .stepspec import StepResult, StepSpec

log = logging.getLogger("graphwright.celery")
OWNER_PREFIX = "celery:"
ENDED_CHANNEL = "graphwright:attempt-ended"
LOG_FLUSH_SECONDS = 0.2

_target = None
_target_lock = threading.Lock()


def sent_owner(token: str) -> str:
    """An attempt's owner once the engine has sent its task, before a worker claimed it."""
    return f"{OWNER_PREFIX}{token}"


def claimed_owner(token: str, worker: str) -> str:
    return f"{OWNER_PREFIX}{token}@{worker}"[:100]


def beat_seconds() -> float:
    return max(0.05, min(float(settings.ENGINE["HEARTBEAT_SECONDS"]), float(settings.ENGINE["LEASE_SECONDS"]) / 3, 2.0))


def local_target():
    """This worker process's own local target (one per process; made on the first task)."""
    global _target
    with _target_lock:
        if _target is None:
            from .targets.local import LocalTarget

            conf = dict(settings.ENGINE["TARGETS"].get("local", {}))
            conf.pop("BACKEND", None)
            options = {key.lower(): value for key, value in conf.items()}
            _target = LocalTarget(name="celery-worker", **options)
        return _target


def warm_up() -> threading.Thread:
    """Make this worker's local target on a thread of its own (its zygote imports pandas and
    scikit-learn: seconds), so the first step does not wait for it."""
    def make() -> None:
        try:
            local_target()
        except Exception:  # the first task tries again, and says why
            log.exception("could not start this worker's local target")

    thread = threading.Thread(target=make, name="graphwright-warm-up", daemon=True)
    thread.start()
    return thread


def claim(attempt_id: int, token: str, worker: str) -> bool:
    """Take the attempt for this worker; False when it is not ours to run (duplicate delivery,
    stale task, attempt already failed or cancelled)."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Attempt.objects.filter(pk=attempt_id, status=Attempt.Status.RUNNING, owner=sent_owner(token)).update(
            owner=claimed_owner(token, worker), heartbeat_at=now, claimed_at=now)
        if claimed:  # the attempt's step by its primary key (a join in an UPDATE costs ms under load)
            step = Attempt.objects.filter(pk=attempt_id).values("step_id")[:1]
            Step.objects.filter(pk=Subquery(step)).update(worker=worker[:255], host=socket.gethostname()[:255])
    return bool(claimed)


def renew(attempt_id: int, token: str, worker: str) -> bool:
    """Renew the lease; False when the attempt is no longer this worker's to run (failed as lost,
    cancelled, its run ended or cancel requested)."""
    if not Attempt.objects.filter(pk=attempt_id, status=Attempt.Status.RUNNING,
                                  owner=claimed_owner(token, worker)).update(heartbeat_at=timezone.now()):
        return False
    run = Run.objects.filter(attempt_run_filter(attempt_id)).values_list("status", "cancel_requested").first()
    return run is not None and run[0] not in Run.FINAL and not run[1]


def attempt_run_filter(attempt_id: int):
    from django.db.models import Q

    return Q(steps__attempts__id=attempt_id)


def record_fenced(*, attempt_id: int, token: str, worker: str, result: StepResult) -> bool:
    """Record the attempt's result only if it is still running and holds `token` (claimed by
    `worker`); False (nothing recorded) otherwise."""
    from .datastore import open_datastore
    from .results import record_result
    from .storage_recovery import corrupt_input, rerun_producer

    store = open_datastore()
    owner = claimed_owner(token, worker)
    corrupt = corrupt_input(result)
    if corrupt is None:  # the usual case: the fence is the conditional UPDATE closing the attempt
        return record_result(attempt_id=attempt_id, result=result, store=store, owner=owner)
    with transaction.atomic():
        held = Attempt.objects.select_for_update().filter(
            pk=attempt_id, status=Attempt.Status.RUNNING, owner=owner).exists()
        if not held:
            return False
        if rerun_producer(attempt_id=attempt_id, digest=corrupt, store=store):
            return True
        return record_result(attempt_id=attempt_id, result=result, store=store, owner=owner)


def execute(spec_json: dict[str, Any], token: str, *, worker: str) -> str:
    """The body of the `run_attempt` task: "skipped", "recorded" or "refused"."""
    close_old_connections()
    try:
        spec = StepSpec.from_json(spec_json)
        if not _with_database(lambda: claim(spec.attempt_id, token, worker)):
            log.info("attempt %s: not ours to run (duplicate or stale delivery); skipped", spec.attempt_id)
            return "skipped"
        with _running_lock:
            _running[spec.attempt_id] = {"attempt": spec.attempt_id, "run": spec.run_id, "node": spec.node_id,
                                         "module": spec.module, "since": timezone.now().isoformat()}
        try:  # shown as running (presence) until its result is recorded or refused
            result = _run(spec, token, worker)
            result.host = result.host or socket.gethostname()
            result.worker = worker
            # the database away (a restart): tried again while the lease would hold; after that the
            # attempt lapses and the reaper fails it as lost, like a dead worker's
            recorded = _with_database(lambda: record_fenced(attempt_id=spec.attempt_id, token=token, worker=worker,
                                                            result=result))
            if recorded:
                ring_ended(spec.attempt_id)
        finally:
            with _running_lock:
                _running.pop(spec.attempt_id, None)
        if not recorded:
            log.warning("attempt %s: its result was refused (lease lost, cancelled or stale token)", spec.attempt_id)
        return "recorded" if recorded else "refused"
    finally:
        close_old_connections()


def _run(spec: StepSpec, token: str, worker: str) -> StepResult:
    inbox: queue.Queue[dict] = queue.Queue()
    handle = local_target().launch(spec, inbox.put)
    logs: list[str] = []
    beat = beat_seconds()
    next_beat = time.monotonic() + beat
    next_flush = time.monotonic() + LOG_FLUSH_SECONDS
    killed = False
    result: Any = None
    while result is None:
        try:
            ev = inbox.get(timeout=max(0.0, min(next_beat, next_flush) - time.monotonic()))
        except queue.Empty:
            ev = None
        if ev is not None:
            kind = ev.get("kind")
            if kind == "log":
                logs.append(str(ev.get("text", "")))
            elif kind == "metric":
                _emit(spec, "step.metric", {"node": spec.node_id, "name": ev["name"], "value": ev["value"],
                                            "step": ev.get("step")})
            elif kind == "progress":
                _emit(spec, "step.progress", {"node": spec.node_id, "fraction": ev["fraction"],
                                              "message": ev.get("message", "")})
            elif kind == "done":
                result = ev.get("result")
        now = time.monotonic()
        if logs and (now >= next_flush or result is not None):
            _emit(spec, "step.log", {"node": spec.node_id, "text": "".join(logs)})
            logs = []
        if now >= next_flush:
            next_flush = now + LOG_FLUSH_SECONDS
        if result is None and now >= next_beat:
            next_beat = now + beat
            try:
                ours = renew(spec.attempt_id, token, worker)
            except Exception:  # the database is away: keep the step; the lease decides
                log.warning("attempt %s: could not renew its lease", spec.attempt_id, exc_info=True)
                close_old_connections()  # a broken connection is replaced at the next beat
                ours = True
            if not ours and not killed:
                killed = True
                log.info("attempt %s: no longer ours (cancelled or lost); killing its process", spec.attempt_id)
                local_target().terminate(handle, "cancelled")
    if isinstance(result, dict):
        result = StepResult.from_json(result)
    if not isinstance(result, StepResult):
        result = StepResult(status="failed", reason="lost", error="the step's process sent no readable result")
    return result


def ring_ended(attempt_id: int) -> None:
    """Tell the engines that the attempt's row is final (committed): their celery targets read it
    now. Best effort: without the message the target's poll finds it within POLL_SECONDS."""
    try:
        client = _bell_client()
        if client is not None:
            client.publish(ENDED_CHANNEL, str(int(attempt_id)))
    except Exception:
        log.warning("attempt %s: could not ring the engine's bell", attempt_id, exc_info=True)


_bell = None
_bell_lock = threading.Lock()


def _bell_client():
    """One Redis client (a thread-safe connection pool) per process for ring_ended."""
    global _bell
    with _bell_lock:
        if _bell is None:
            _bell = _presence_client()
        return _bell


def _with_database(call):
    """`call()`, called again while it fails for want of the database (closing the broken
    connection each time), for at most the lease; the last error goes up."""
    from django.db import InterfaceError, OperationalError

    deadline = time.monotonic() + float(settings.ENGINE["LEASE_SECONDS"])
    while True:
        try:
            return call()
        except (OperationalError, InterfaceError):
            close_old_connections()
            if time.monotonic() >= deadline:
                raise
            log.warning("the database is not reachable; recording the result again in 1 s", exc_info=True)
            time.sleep(1.0)


def _emit(spec: StepSpec, type: str, payload: dict[str, Any]) -> None:
    try:
        with transaction.atomic():
            events.emit(spec.run_id, type, payload)
    except Exception:  # an event lost is not worth the step
        log.exception("attempt %s: could not publish %s", spec.attempt_id, type)
        close_old_connections()


# -- presence: who listens on a queue, and what it runs now ---------------------------------------
# Each worker process writes one Redis key per queue it consumes, renewed every beat and expiring
# after PRESENCE_TTL_BEATS beats: `graphwright:worker:<queue>:<hostname>` -> JSON {worker, host,
# pid, queue, heartbeat_at, running: [{attempt, run, node, module, since}]}. The targets API reads
# them (workers_on); a worker that died vanishes within the TTL.
PRESENCE_PREFIX = "graphwright:worker:"
PRESENCE_TTL_BEATS = 6
_running: dict[int, dict[str, Any]] = {}
_running_lock = threading.Lock()


def _presence_client():
    import redis

    url = getattr(settings, "CELERY_BROKER_URL", None) or settings.REDIS_URL
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2) if url else None


def start_presence(worker: str, queues: list[str]) -> threading.Thread:
    """Write this worker's presence keys every beat (a daemon thread of the worker process)."""
    import json

    def loop() -> None:
        client = _presence_client()
        if client is None:
            return
        pid, host = __import__("os").getpid(), socket.gethostname()
        while True:
            beat = beat_seconds()
            with _running_lock:
                running = list(_running.values())
            doc = json.dumps({"worker": worker, "host": host, "pid": pid, "heartbeat_at": timezone.now().isoformat(),
                              "running": running})
            try:
                pipe = client.pipeline()
                for name in queues:
                    pipe.set(f"{PRESENCE_PREFIX}{name}:{worker}", doc, px=max(1000, int(beat * PRESENCE_TTL_BEATS * 1000)))
                pipe.execute()
            except Exception:
                log.warning("could not write this worker's presence to Redis", exc_info=True)
            time.sleep(beat)

    thread = threading.Thread(target=loop, name="graphwright-presence", daemon=True)
    thread.start()
    return thread


def workers_on(queue_name: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """The workers listening on `queue_name` (their presence keys), newest heartbeat first; [] when
    this server has no Redis or it does not answer."""
    import json

    client = _presence_client()
    if client is None:
        return []
    found = []
    try:
        keys = []
        for key in client.scan_iter(match=f"{PRESENCE_PREFIX}{queue_name}:*", count=200):
            keys.append(key)
            if len(keys) >= limit:
                break
        for raw in (client.mget(keys) if keys else []):
            if raw:
                try:
                    found.append(json.loads(raw))
                except ValueError:
                    pass
    except Exception:
        log.warning("could not read the workers of queue %s from Redis", queue_name, exc_info=True)
        return []
    return sorted(found, key=lambda w: w.get("heartbeat_at", ""), reverse=True)
