"""The engine loop of one process: a single thread owns every state change of the runs it drives.
Targets report step events into its inbox; it never sleeps on the hot path (it blocks on the inbox)."""
from __future__ import annotations

import gc
import logging
import math
import os
import queue
import socket
import threading
import time
import uuid
from collections import defaultdict, deque
from datetime import timedelta
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from . import events
from .compiler import server_limits
from .datastore import open_datastore
from .models import Attempt, Run, Step
from .plan import Plan, PlannedStep
from .recovery import recover_lost_attempts
from .results import record_result, step_outputs
from .rows import insert_attempt, update_if
from .scheduler import advance, cancel_pending_steps, set_run_status, set_step_status, step_seed
from .stepspec import StepEvent, StepResult, StepSpec
from .storage_recovery import corrupt_input, rerun_producer
from .compute_targets import TargetDirectory
from .targets.base import Target

log = logging.getLogger("graphwright.engine")
LOG_FLUSH_SECONDS = 0.2
BURST_MAX = 256  # inbox messages handled before the runs they touched are advanced and steps launched
CPU_SECONDS_CEILING = 2**31  # what RLIMIT_CPU is given at most, whatever the settings say


@dataclass
class _Launched:
    handle: Any
    target: str
    step_id: int
    run_id: int
    node_id: str


def _limit(name: str, value: Any, ceiling: float | None) -> Any:
    """A node's limit: None means the ceiling; it may ask for less, never more. A value that is not
    a positive finite number raises ValueError (the plan may hold anything the database holds)."""
    if value is None:
        return ceiling
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or value <= 0 or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f"{name} must be a positive number, not {repr(value)[:60]}")
    return value if ceiling is None else min(value, ceiling)


def step_limits(ps: PlannedStep) -> tuple[float, int, int | None]:
    """(timeout seconds, memory MB, CPU seconds) of a step, capped where the compiler caps them."""
    caps = server_limits()
    timeout = float(_limit("timeout", ps.timeout, caps.timeout))
    memory_mb = int(_limit("memory_mb", ps.memory_mb, caps.memory_mb))
    cpu_seconds = (settings.ENGINE["STEP_CPU_SECONDS"] if ps.cpu_seconds is None
                   else _limit("cpu_seconds", ps.cpu_seconds, caps.cpu_seconds))
    if memory_mb < 1:
        raise ValueError(f"memory_mb must be at least 1, not {ps.memory_mb!r}")
    if cpu_seconds is not None:
        cpu_seconds = max(1, int(min(cpu_seconds, CPU_SECONDS_CEILING)))
    return timeout, memory_mb, cpu_seconds


def build_targets() -> dict[str, Target]:
    targets = {}
    for name, conf in settings.ENGINE["TARGETS"].items():
        cls = import_string(conf["BACKEND"])
        # every other setting is a keyword of the backend: CONCURRENCY -> concurrency=...
        options = {key.lower(): value for key, value in conf.items() if key != "BACKEND"}
        targets[name] = cls(name=name, **options)
    return targets


class Executor:
    def __init__(self, targets: dict[str, Target] | None = None) -> None:
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.targets = targets if targets is not None else build_targets()
        # the built-in targets, then each workspace's (engine/compute_targets.py), by instance key;
        # a built-in's key is its name
        self.directory = TargetDirectory(self.targets)
        self.store = open_datastore()  # settings.DATASTORE_URL, or file://DATASTORE_ROOT
        self.inbox: queue.Queue[tuple] = queue.Queue()
        self.ready: defaultdict[str, deque[tuple[int, int, PlannedStep, dict[str, str]]]] = defaultdict(deque)
        self.launched: dict[int, _Launched] = {}
        self.running: defaultdict[str, int] = defaultdict(int)  # how many of `launched` per target key
        self.plans: dict[int, Plan] = {}
        self.workspaces: dict[int, int] = {}  # run -> its workspace, for its steps' targets
        self.logs: dict[int, list[str]] = {}
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._recovered = True  # false while start-up recovery has not gone through
        # while a burst of messages is handled: run -> what ended meanwhile (None: look at every
        # step), advanced once after it (_burst)
        self._deferred: dict[int, dict[str, dict | None] | None] | None = None

    # -- thread-safe API ---------------------------------------------------------------------
    def start(self) -> "Executor":
        self._thread = threading.Thread(target=self._loop, name="graphwright-engine", daemon=True)
        self.inbox.put(("recover",))
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.inbox.put(("stop",))
            self._thread.join(timeout=30)
        for target in list(self.directory.instances.values()):
            target.close()

    def kick(self, run_id: int) -> None:
        self.inbox.put(("advance", run_id))

    def cancel(self, run_id: int) -> None:
        # recorded before the engine acts on it: a crash in between cannot turn it into a resume
        Run.objects.filter(pk=run_id).update(cancel_requested=True)
        self.inbox.put(("cancel", run_id))

    def launches(self) -> int:
        return sum(t.launches() for t in list(self.directory.instances.values()))

    # -- the loop ----------------------------------------------------------------------------
    def _loop(self) -> None:
        beat = settings.ENGINE["HEARTBEAT_SECONDS"]
        next_beat = time.monotonic() + beat
        while True:
            wait = max(0.0, next_beat - time.monotonic())
            if self.logs:
                wait = min(wait, LOG_FLUSH_SECONDS)
            try:
                msg = self.inbox.get(timeout=wait)
            except queue.Empty:
                msg = None
            stop = msg is not None and msg[0] == "stop"
            if msg is not None and not stop:
                stop = self._burst(msg)
            if stop:
                self._flush_logs()
                connection.close()  # the thread ends: its connection must not outlive it
                return
            try:
                if msg is None or self.inbox.empty():
                    self._flush_logs()
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + beat
                    self._heartbeat()
            except Exception:  # keep driving the runs
                log.exception("engine loop error on %r", msg)

    def _burst(self, msg: tuple) -> bool:
        """Handle `msg` and what already waits behind it in the inbox (at most BURST_MAX), then
        advance each run they touched once (the steps that ended meanwhile together) and launch
        what is ready: in a fan-out, steps end while others are recorded, and one advance and one
        look at the run's end then serves them all. True when a `stop` came (after the burst)."""
        self._deferred = {}
        stop = False
        try:
            for _ in range(BURST_MAX):
                self._handle_one(msg)
                try:
                    msg = self.inbox.get_nowait()
                except queue.Empty:
                    break
                if msg[0] == "stop":
                    stop = True
                    break
        finally:
            deferred, self._deferred = self._deferred, None
        for run_id, finished in deferred.items():
            self._advance(run_id, finished)
        try:
            self._dispatch()
        except Exception:
            log.exception("engine loop error while launching")
        return stop

    def _handle_one(self, msg: tuple) -> None:
        try:
            self._handle(msg)
        except Exception as exc:  # keep driving the other runs; the failing one is failed below
            log.exception("engine loop error on %r", msg)
            if msg[0] in ("advance", "cancel"):
                self._fail_run(msg[1], _internal(exc))

    def _handle(self, msg: tuple) -> None:
        kind = msg[0]
        if kind == "advance":
            self._advance(msg[1])
        elif kind == "step":
            self._on_step_event(msg[1], msg[2])
        elif kind == "cancel":
            self._cancel(msg[1])
        elif kind == "recover":
            self._recover()

    def _recover(self) -> None:
        """Start-up recovery; when the reaper itself fails, the next heartbeat tries it again."""
        self._recovered = False
        runs = recover_lost_attempts(owner=self.owner, lease=settings.ENGINE["LEASE_SECONDS"])
        self._recovered = True
        for run_id in runs:
            self._advance(run_id)  # one broken run is failed there; the others still resume

    def _plan(self, run_id: int) -> Plan:
        plan = self.plans.get(run_id)
        if plan is None:
            document, self.workspaces[run_id] = Run.objects.values_list("plan", "workspace_id").get(pk=run_id)
            plan = self.plans[run_id] = Plan.from_json(document)
        return plan

    def _advance(self, run_id: int, finished: dict[str, dict | None] | None = None) -> None:
        """Advance one run; any error doing so fails that run, never the loop or the caller's
        other runs (a plan in the database may hold anything). During a burst the advance waits for
        its end, merged with the run's other advances."""
        deferred = self._deferred
        if deferred is not None:
            if run_id in deferred:
                before = deferred[run_id]
                deferred[run_id] = None if before is None or finished is None else {**before, **finished}
            else:
                deferred[run_id] = None if finished is None else dict(finished)
            return
        try:
            plan = self._plan(run_id)
            running = finished is not None and any(l.run_id == run_id for l in self.launched.values())
            done = advance(run_id, plan=plan, store=self.store, finished=finished, running=running,
                           enqueue=lambda step_id, ps, digests: self.ready[self._queue_name(run_id, ps)].append(
                               (step_id, run_id, ps, digests)))
        except Exception as exc:
            log.exception("could not advance run %s", run_id)
            self._fail_run(run_id, _internal(exc))
            return
        if done and not any(l.run_id == run_id for l in self.launched.values()):
            self.plans.pop(run_id, None)
            self.workspaces.pop(run_id, None)

    def _queue_name(self, run_id: int, ps: PlannedStep) -> str:
        """The queue (target instance key) a step waits in, looked up now: a workspace's target
        edited since the last launch is a new instance. Never raises (it runs inside advance()'s
        transaction): a step naming no known target waits in the default queue and fails at its
        launch."""
        try:
            found = self.directory.resolve(self.workspaces.get(run_id), ps.target or settings.ENGINE["DEFAULT_TARGET"])
        except Exception:  # the target could not be made (e.g. a bad row): it fails at the launch
            log.exception("could not make compute target %r", ps.target)
            found = None
        return found.key if found is not None else settings.ENGINE["DEFAULT_TARGET"]

    def _check_target(self, target: Target, ps: PlannedStep) -> None:
        """A step naming a target this engine does not have fails at its launch (it waited in the
        default queue, see _queue_name)."""
        if ps.target not in (None, "") and target.name != ps.target:
            raise ValueError(f"unknown compute target {repr(ps.target)[:60]}; known: "
                             f"{', '.join(sorted(self.targets))} and the workspace's own")

    # -- launching ---------------------------------------------------------------------------
    def _dispatch(self) -> None:
        for name, ready in list(self.ready.items()):
            target = self.directory.instances[name]
            while ready and self.running[name] < target.concurrency:
                step_id, run_id, ps, digests = ready.popleft()
                try:
                    self._launch(name, target, step_id, run_id, ps, digests)
                except Exception as exc:  # before the step held a slot: only its run is concerned
                    log.exception("could not launch step %s of run %s", step_id, run_id)
                    self._fail_run(run_id, _internal(exc))
        if self.directory.retired:  # a workspace target was edited: its old instance goes once idle
            for key in self.directory.close_idle(lambda key: bool(self.ready.get(key)) or self.running[key] > 0):
                self.ready.pop(key, None)
                self.running.pop(key, None)

    def _launch(self, key: str, target: Target, step_id: int, run_id: int, ps: PlannedStep,
                digests: dict[str, str]) -> None:
        now = timezone.now()
        with transaction.atomic():
            if not update_if(Step, step_id, {"status": Step.Status.QUEUED}, {"status": Step.Status.RUNNING, "started_at": now}):
                return  # cancelled or taken by another engine meanwhile
            attempt = self._new_attempt(step_id, now)
            events.emit(run_id, "step.status", {"node": ps.node_id, "status": Step.Status.RUNNING, "attempt": attempt.number})
        self.launched[attempt.id] = _Launched(None, key, step_id, run_id, ps.node_id)
        self.running[key] += 1
        try:
            spec = self._spec(target, attempt, step_id, run_id, ps, digests)
            sink = lambda ev, aid=attempt.id: self.inbox.put(("step", aid, ev))  # noqa: E731
            self.launched[attempt.id].handle = target.launch(spec, sink)
        except Exception as exc:  # a bad value in the plan, or the target broke: this step fails
            log.info("step %s of run %s could not be launched: %s", step_id, run_id, exc)
            self._finish(attempt.id, StepResult(status="failed", reason="launch",
                                                error=f"the step could not be launched: {_describe(exc)}"))

    def _spec(self, target: Target, attempt: Attempt, step_id: int, run_id: int, ps: PlannedStep,
              digests: dict[str, str]) -> StepSpec:
        """What the target runs; ValueError for a value of the plan no step can run with."""
        self._check_target(target, ps)
        timeout, memory_mb, cpu_seconds = step_limits(ps)
        if not isinstance(ps.node_id, str) or not isinstance(ps.params, dict):
            raise ValueError("the planned step's node id must be a string and its params a mapping")
        return StepSpec(
            attempt_id=attempt.id, run_id=run_id, node_id=ps.node_id, module=ps.module, version=ps.version,
            params=ps.params,
            # the digests the scheduler keyed the step with: upstream outputs are immutable once done
            inputs={i.port: {"digest": digests[i.port], "kind": i.kind} for i in ps.inputs},
            datastore=self.store.root,  # a folder, or a remote store's URL (no credentials)
            # ids only: no path (nor process name) is ever made from a user's string such as a node id
            workdir=os.path.join(settings.WORK_ROOT, f"run-{int(run_id)}", f"step-{int(step_id)}-{int(attempt.number)}"),
            timeout=timeout, memory_mb=memory_mb, cpu_seconds=cpu_seconds,
            seed=step_seed(ps.node_id), user_code=bool(ps.user_code), code=ps.code if isinstance(ps.code, str) else "",
        )

    def _new_attempt(self, step_id: int, now) -> Attempt:
        """The step's next attempt (number = attempts so far + 1), holding the lease."""
        attempt = Attempt(step_id=step_id, owner=self.owner, heartbeat_at=now)
        insert_attempt(attempt, step_id)
        return attempt

    # -- step events -------------------------------------------------------------------------
    def _on_step_event(self, attempt_id: int, ev: StepEvent) -> None:
        launched = self.launched.get(attempt_id)
        if launched is None:
            return
        kind = ev.get("kind")
        if kind == "log":
            self.logs.setdefault(attempt_id, []).append(ev.get("text", ""))
        elif kind == "metric":
            events.emit(launched.run_id, "step.metric", {"node": launched.node_id, "name": ev["name"],
                                                         "value": ev["value"], "step": ev.get("step")})
        elif kind == "progress":
            events.emit(launched.run_id, "step.progress", {"node": launched.node_id, "fraction": ev["fraction"],
                                                           "message": ev.get("message", "")})
        elif kind == "done":
            self._flush_logs(attempt_id)
            result = ev.get("result")
            try:
                if isinstance(result, dict):
                    result = StepResult.from_json(result)
                if not isinstance(result, StepResult):
                    raise TypeError(f"a step's result must be a StepResult, not {type(result).__name__}")
            except Exception as exc:  # the target sent something unreadable: the step still ends
                result = StepResult(status="failed", reason="lost", error=f"unreadable step result: {_describe(exc)}")
            self._finish(attempt_id, result)

    def _finish(self, attempt_id: int, result: StepResult) -> None:
        """The attempt ended: free its slot first, then record it and move its run on; an error
        while recording fails the run, and the slot stays free whatever happens."""
        launched = self.launched.pop(attempt_id, None)
        if launched is None:
            return
        self.running[launched.target] -= 1
        try:
            corrupt = corrupt_input(result)  # an input found corrupt: its producer runs again, then the step
            if corrupt is not None and rerun_producer(attempt_id=attempt_id, digest=corrupt, store=self.store):
                self._advance(launched.run_id)
                return
            recorded = record_result(attempt_id=attempt_id, result=result, store=self.store)
        except Exception as exc:
            log.exception("could not record attempt %s of run %s", attempt_id, launched.run_id)
            self._fail_run(launched.run_id, _internal(exc))
            return
        # the step's end only concerns the steps reading from it (a result ignored for a lost lease:
        # look at every step)
        outputs = step_outputs(result) if result.status == "succeeded" else None
        self._advance(launched.run_id, finished={launched.node_id: outputs} if recorded else None)

    def _flush_logs(self, only: int | None = None) -> None:
        for attempt_id in [only] if only is not None else list(self.logs):
            lines = self.logs.pop(attempt_id, None)
            launched = self.launched.get(attempt_id)
            if lines and launched is not None:
                events.emit(launched.run_id, "step.log", {"node": launched.node_id, "text": "".join(lines)})

    # -- cancel, heartbeat, failure ----------------------------------------------------------
    def _cancel(self, run_id: int) -> None:
        """Cancel what has not started, kill what runs; the run ends `cancelled` once the killed
        steps have reported, so no snapshot shows a cancelled run with a step still running."""
        with transaction.atomic():
            run = Run.objects.select_for_update().get(pk=run_id)
            if run.status in Run.FINAL:
                return
            cancel_pending_steps([run_id])
            Run.objects.filter(pk=run_id).update(error="cancelled by a user", cancel_requested=True)
        self._terminate_run(run_id, "cancelled")
        self._advance(run_id)

    def _terminate_run(self, run_id: int, reason: str) -> None:
        """Kill the run's running steps; each still reports its `done` (which frees its slot)."""
        for attempt_id, launched in list(self.launched.items()):
            if launched.run_id != run_id:
                continue
            if launched.handle is None:  # its launch is under way or failed: nothing to kill
                continue
            try:
                self.directory.instances[launched.target].terminate(launched.handle, reason)
            except Exception as exc:  # the target cannot say anymore: end the attempt ourselves
                log.exception("could not terminate attempt %s", attempt_id)
                self._finish(attempt_id, StepResult(status="failed", reason="lost",
                                                    error=f"the step could not be stopped: {_describe(exc)}"))

    def _heartbeat(self) -> None:
        if self.launched:
            # only the attempts this engine runs itself, and remote ones still waiting in their
            # queue (owner `celery:<token>`, engine/celery_worker.py): once a worker claimed one
            # (`celery:<token>@<worker>`) the worker renews it, so a dead worker's lease lapses
            waiting = Q(owner__startswith="celery:") & ~Q(owner__contains="@")
            Attempt.objects.filter(Q(owner=self.owner) | waiting, pk__in=list(self.launched),
                                   status=Attempt.Status.RUNNING).update(heartbeat_at=timezone.now())
        try:
            if not self._recovered:  # start-up recovery failed before: it also takes the lost attempts
                self._recover()
                lost = []
            else:
                lost = recover_lost_attempts(owner=self.owner, lease=settings.ENGINE["LEASE_SECONDS"], startup=False)
        except Exception:  # the next beat tries again; the runs this engine drives go on meanwhile
            log.exception("the reaper failed")
            lost = []
        for run_id in lost:
            self._advance(run_id)
        # runs submitted where no engine runs (a web process with ENGINE_AUTOSTART=0) or whose
        # kick was lost: nobody has started them a heartbeat after their submit
        unstarted = Run.objects.filter(status=Run.Status.QUEUED,
                                       created_at__lt=timezone.now() - timedelta(seconds=settings.ENGINE["HEARTBEAT_SECONDS"]))
        for run_id in unstarted.order_by("id").values_list("id", flat=True)[:100]:
            self._advance(run_id)
        self._dispatch()  # what the reaper resumed or this picked up starts now, not on the next event

    def _fail_run(self, run_id: int, message: str) -> None:
        """Last resort after an internal error: the run and its unfinished steps end failed, with
        their events; when even that fails, with plain updates (a run never stays `running`)."""
        self.plans.pop(run_id, None)
        now = timezone.now()
        try:
            with transaction.atomic():
                run = Run.objects.get(pk=run_id)
                if run.status in Run.FINAL:
                    return
                for step in run.steps.exclude(status__in=Step.FINAL):
                    set_step_status(step, Step.Status.FAILED, reason="engine", error=message, finished_at=now)
                set_run_status(run, Run.Status.FAILED, error=message)
        except Exception:
            log.exception("could not mark run %s failed with its events; marking it without", run_id)
            try:
                with transaction.atomic():
                    Step.objects.filter(run_id=run_id).exclude(status__in=Step.FINAL).update(
                        status=Step.Status.FAILED, reason="engine", error=message, finished_at=now)
                    Run.objects.filter(pk=run_id).exclude(status__in=Run.FINAL).update(
                        status=Run.Status.FAILED, error=message, finished_at=now)
            except Exception:
                log.exception("could not mark run %s failed", run_id)
        # attempts nobody will report on (their launch or their recording failed) end here too
        ours = [aid for aid, launched in self.launched.items() if launched.run_id == run_id]
        try:
            Attempt.objects.filter(step__run_id=run_id, status=Attempt.Status.RUNNING).exclude(pk__in=ours).update(
                status=Attempt.Status.FAILED, reason="engine", finished_at=now)
        except Exception:
            log.exception("could not close the attempts of run %s", run_id)
        self._terminate_run(run_id, "cancelled")


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:1000]


def _internal(exc: BaseException) -> str:
    return f"the engine could not go on with this run: {_describe(exc)}"


_executor: Executor | None = None
_lock = threading.Lock()


_heap_frozen = False


def _freeze_startup_heap() -> None:
    """Take what the process built before the engine starts (Django, pandas, scikit-learn: some
    200,000 objects) out of the cyclic collector's reach, once. Otherwise every full collection
    walks all of it: a ~90 ms pause inside some step transition every few hundred of them."""
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.collect()
        gc.freeze()


def start(targets: dict[str, Target] | None = None) -> Executor:
    """Start this process's engine (idempotent)."""
    global _executor
    with _lock:
        if _executor is None:
            _freeze_startup_heap()
            _executor = Executor(targets).start()
        return _executor


def stop() -> None:
    global _executor
    with _lock:
        if _executor is not None:
            _executor.stop()
            _executor = None


def current() -> Executor | None:
    return _executor

