"""The engine loop of one process: a single thread owns every state change of the runs it drives.
Targets report step events into its inbox; it never sleeps on the hot path (it blocks on the inbox)."""
from __future__ import annotations

import gc
import heapq
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
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from . import events
from .compiler import server_limits
from .datastore import open_datastore
from .models import Attempt, Run, Step
from .plan import Plan, PlannedStep
from .recovery import claim_run, recover_lost_attempts
from .results import record_result, release_due_retries, step_outputs
from .rows import insert_attempt, start_steps, update_if
from .scheduler import advance, cancel_pending_steps, prefetch, set_run_status, set_step_status, step_seed
from .stepspec import StepEvent, StepResult, StepSpec
from .storage_recovery import corrupt_input, rerun_producer
from .compute_targets import TargetDirectory
from .targets.base import InfrastructureError, Target

log = logging.getLogger("graphwright.engine")
LOG_FLUSH_SECONDS = 0.2
DB_RETRY_SECONDS = 1.0  # while the database is away, how often the loop tries it again
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


class DatabaseAway(Exception):
    """The database went away in the middle of the engine loop's work: `pending` is what is left
    to do (inbox messages, in order), handled once it answers."""

    def __init__(self, pending: list[tuple]) -> None:
        super().__init__("the database is not reachable")
        self.pending = pending


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
        self.owned: set[int] = set()  # runs whose lease this engine holds (Run.owner, lease_until)
        self.cancelling: set[int] = set()  # owned runs whose cancel this engine has acted on
        self.deferred: deque[tuple] = deque()  # messages to handle again once the database is back
        self._db_retry_at = 0.0
        self.retries: list[tuple[float, int]] = []  # heap of (monotonic time, run): a held retry is due
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._recovered = True  # false while start-up recovery has not gone through
        self.recovered = threading.Event()  # set once start-up recovery went through
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

    def _release(self) -> None:
        """Hand the runs this engine drove over at once: their leases end now (owner kept), so the
        next engine adopts them without waiting for the lease to run out."""
        if not self.owned:
            return
        try:
            Run.objects.filter(pk__in=list(self.owned), owner=self.owner).update(lease_until=timezone.now())
        except Exception:  # the database is away: the leases lapse by themselves
            log.warning("could not release this engine's runs; they are adopted when their leases lapse", exc_info=True)
        self.owned.clear()

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
            if self.retries:
                wait = min(wait, max(0.0, self.retries[0][0] - time.monotonic()))
            if self.logs:
                wait = min(wait, LOG_FLUSH_SECONDS)
            if self.deferred:
                wait = max(0.0, min(wait, self._db_retry_at - time.monotonic()))
            try:
                msg = self.inbox.get(timeout=wait)
            except queue.Empty:
                msg = None
            if msg is not None and msg[0] == "stop":
                self._stop()
                return
            if self.deferred:  # the database was away: messages are handled in their order once it answers
                if msg is not None:
                    self.deferred.append(msg)
                if time.monotonic() < self._db_retry_at:
                    continue
                msg = self.deferred.popleft()
            try:
                if msg is not None and self._burst(msg):
                    self._stop()
                    return
                if self.retries and self.retries[0][0] <= time.monotonic():
                    self._release_retries()
                if msg is None or self.inbox.empty():
                    self._flush_logs()
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + beat
                    self._heartbeat()
            except DatabaseAway as away:
                # the database went away (restart, network): nothing is failed for it; what the burst
                # had not done is handled again, in order, once it answers; leases and attempts wait
                log.warning("the database is not reachable (%s); retrying in %.0f s", away, DB_RETRY_SECONDS)
                self.deferred.extendleft(reversed(away.pending))
                self._db_retry_at = time.monotonic() + DB_RETRY_SECONDS
            except (OperationalError, InterfaceError) as exc:
                if not _database_away():
                    log.exception("engine loop error on %r", msg)
                    continue
                log.warning("the database is not reachable (%s); retrying in %.0f s", _describe(exc), DB_RETRY_SECONDS)
                self._db_retry_at = time.monotonic() + DB_RETRY_SECONDS
            except Exception:  # keep driving the runs
                log.exception("engine loop error on %r", msg)

    def _stop(self) -> None:
        try:
            self._flush_logs()
        except Exception:
            log.exception("could not write the last logs")
        self._release()
        connection.close()  # the thread ends: its connection must not outlive it

    def _burst(self, msg: tuple) -> bool:
        """Handle `msg` and what already waits behind it in the inbox (at most BURST_MAX), then
        advance each run they touched once (the steps that ended meanwhile together) and launch
        what is ready: in a fan-out, steps end while others are recorded, and one advance and one
        look at the run's end then serves them all. True when a `stop` came (after the burst).
        The database going away raises DatabaseAway with what is left to do, in order."""
        self._deferred = {}
        stop = False
        away: DatabaseAway | None = None
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
        except DatabaseAway as exc:
            away = exc
        finally:
            deferred, self._deferred = self._deferred, None
        owed = list(deferred.items())
        if away is not None:  # the advances the burst owed go after the message that met the outage
            raise DatabaseAway(away.pending + [("advance", run_id) for run_id, _ in owed])
        if owed and self._advance_and_start(owed):
            return stop
        # one run's advance or one step's launch failed in the shared transaction (or nothing was
        # owed): each on its own, where an error fails only the run concerned
        for i, (run_id, finished) in enumerate(owed):
            try:
                self._advance(run_id, finished)
            except (OperationalError, InterfaceError):  # _advance lets only the database's absence up
                raise DatabaseAway([("advance", rid) for rid, _ in owed[i:]]) from None
        try:
            self._dispatch()
        except (OperationalError, InterfaceError):
            if _database_away():
                raise DatabaseAway([]) from None
            log.exception("engine loop error while launching")
        except Exception:
            log.exception("engine loop error while launching")
        return stop

    def _advance_and_start(self, owed: list[tuple[int, dict[str, dict | None] | None]]) -> bool:
        """The burst's database work in ONE transaction: advance every run it touched, then mark
        the ready steps a target has room for running, with their attempts and events; their
        processes or tasks start once it committed. One commit for the burst instead of one per
        run and one per step (each round trip to the database is what a step costs the engine
        under load). False, with nothing changed here or in the database, when any of it raised
        (the caller then goes run by run, where an error fails only its run); the database's
        absence raises DatabaseAway."""
        owned, running = set(self.owned), dict(self.running)
        fresh: list[tuple[str, tuple]] = []  # steps the advances queued: (queue, item)
        taken: list[tuple[str, tuple]] = []  # steps taken from the ready queues to start
        started: list[tuple[str, Target, Attempt, int, int, PlannedStep, dict[str, str]]] = []
        finished_runs: list[int] = []
        queued = False  # whether `fresh` went into the ready queues
        try:
            with transaction.atomic(), events.batched():  # the burst's events: one statement
                ours = [(run_id, finished) for run_id, finished in owed if self._owns(run_id)]  # others': theirs
                # every run's row locked and the step rows their advances read first: two statements
                fetched = prefetch([(run_id, self._plan(run_id), finished) for run_id, finished in ours])
                busy = {l.run_id for l in self.launched.values()}
                for run_id, finished in ours:
                    if advance(run_id, plan=self._plan(run_id), store=self.store, finished=finished,
                               running=finished is not None and run_id in busy, prefetched=fetched[run_id],
                               enqueue=lambda step_id, ps, digests, run_id=run_id: fresh.append(
                                   (self._queue_name(run_id, ps), (step_id, run_id, ps, digests)))):
                        finished_runs.append(run_id)
                for name, item in fresh:
                    self.ready[name].append(item)
                queued = True
                for name, ready in list(self.ready.items()):
                    room = self.directory.instances[name].concurrency - self.running[name]
                    while ready and room > 0:
                        taken.append((name, ready.popleft()))
                        room -= 1
                started = self._start_many(taken)
        except Exception as exc:
            for name, item in reversed(taken):  # back where they were, in their order
                self.ready[name].appendleft(item)
            for name, item in reversed(fresh if queued else []):  # the run-by-run path queues them again
                self.ready[name].remove(item)
            for _, _, attempt, *_ in started:
                self.launched.pop(attempt.id, None)
            self.running.clear()
            self.running.update(running)
            self.owned.clear()
            self.owned.update(owned)
            if isinstance(exc, (OperationalError, InterfaceError)) and _database_away():
                raise DatabaseAway([("advance", run_id) for run_id, _ in owed]) from None
            log.info("a burst's shared transaction failed (%s); advancing its runs one by one", _describe(exc))
            return False
        busy = {l.run_id for l in self.launched.values()}
        for run_id in finished_runs:
            if run_id not in busy:
                self._forget(run_id)
        for name, target, attempt, step_id, run_id, ps, digests in started:
            self._run_attempt(target, attempt, step_id, run_id, ps, digests)
        self._close_retired()
        return True

    def _handle_one(self, msg: tuple) -> None:
        try:
            self._handle(msg)
        except (OperationalError, InterfaceError) as exc:
            if _database_away():
                raise DatabaseAway([msg]) from None
            log.exception("engine loop error on %r", msg)
            if msg[0] in ("advance", "cancel"):
                self._fail_run(msg[1], _internal(exc))
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
        """Start-up recovery: lost attempts, and the runs no live engine drives (adopted); when the
        reaper itself fails, the next heartbeat tries it again."""
        self._recovered = False
        runs = recover_lost_attempts(owner=self.owner, lease=settings.ENGINE["LEASE_SECONDS"])
        self._recovered = True
        self.recovered.set()
        for run_id in runs:
            self._advance(run_id)  # one broken run is failed there; the others still resume

    def _plan(self, run_id: int) -> Plan:
        plan = self.plans.get(run_id)
        if plan is None:
            document, self.workspaces[run_id] = Run.objects.values_list("plan", "workspace_id").get(pk=run_id)
            plan = self.plans[run_id] = Plan.from_json(document)
        return plan

    def _owns(self, run_id: int) -> bool:
        """Whether this engine drives the run: it holds its lease, or takes it now (a run nobody
        drives, or whose engine's lease lapsed). Another live engine's run is left to it."""
        if run_id in self.owned:
            return True
        if claim_run(run_id, owner=self.owner, lease=settings.ENGINE["LEASE_SECONDS"]):
            self.owned.add(run_id)
            return True
        self._forget(run_id)
        return False

    def _forget(self, run_id: int) -> None:
        self.owned.discard(run_id)
        self.cancelling.discard(run_id)
        self.plans.pop(run_id, None)
        self.workspaces.pop(run_id, None)

    def _advance(self, run_id: int, finished: dict[str, dict | None] | None = None) -> None:
        """Advance one run this engine drives; any error doing so fails that run, never the loop
        or the caller's other runs (a plan in the database may hold anything). The database being
        away is not the run's fault: that error goes up to the loop, which tries again later.
        During a burst the advance waits for its end, merged with the run's other advances."""
        deferred = self._deferred
        if deferred is not None:
            if run_id in deferred:
                before = deferred[run_id]
                deferred[run_id] = None if before is None or finished is None else {**before, **finished}
            else:
                deferred[run_id] = None if finished is None else dict(finished)
            return
        try:
            if not self._owns(run_id):
                return  # another engine drives it
            plan = self._plan(run_id)
            running = finished is not None and any(l.run_id == run_id for l in self.launched.values())
            done = advance(run_id, plan=plan, store=self.store, finished=finished, running=running,
                           enqueue=lambda step_id, ps, digests: self.ready[self._queue_name(run_id, ps)].append(
                               (step_id, run_id, ps, digests)))
        except Exception as exc:
            if isinstance(exc, (OperationalError, InterfaceError)) and _database_away():
                raise
            log.exception("could not advance run %s", run_id)
            self._fail_run(run_id, _internal(exc))
            return
        if done and not any(l.run_id == run_id for l in self.launched.values()):
            self._forget(run_id)

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
                except (OperationalError, InterfaceError) as exc:
                    if not _database_away():
                        log.exception("could not launch step %s of run %s", step_id, run_id)
                        self._fail_run(run_id, _internal(exc))
                        continue
                    ready.appendleft((step_id, run_id, ps, digests))  # launched once the database is back
                    raise
                except Exception as exc:  # before the step held a slot: only its run is concerned
                    log.exception("could not launch step %s of run %s", step_id, run_id)
                    self._fail_run(run_id, _internal(exc))
        self._close_retired()

    def _close_retired(self) -> None:
        if self.directory.retired:  # a workspace target was edited: its old instance goes once idle
            for key in self.directory.close_idle(lambda key: bool(self.ready.get(key)) or self.running[key] > 0):
                self.ready.pop(key, None)
                self.running.pop(key, None)

    def _launch(self, key: str, target: Target, step_id: int, run_id: int, ps: PlannedStep,
                digests: dict[str, str]) -> None:
        with transaction.atomic():
            attempt = self._start(key, target, step_id, run_id, ps, digests)
        if attempt is not None:
            self._run_attempt(target, attempt, step_id, run_id, ps, digests)

    def _start(self, key: str, target: Target, step_id: int, run_id: int, ps: PlannedStep,
               digests: dict[str, str]) -> Attempt | None:
        """The database side of a launch, inside the caller's transaction: the step goes from queued
        to running (one conditional UPDATE: still queued, its run still this engine's), its new
        attempt holding the lease (the engine's, or the fencing token of a target whose attempts
        carry one from the start), and its event; it takes a slot of the target. None when the step
        was cancelled or its run taken over meanwhile."""
        now = timezone.now()
        if not update_if(Step, step_id, {"status": Step.Status.QUEUED}, {"status": Step.Status.RUNNING, "started_at": now},
                         owned=(Run, "run", self.owner)):
            return None
        attempt = Attempt(step_id=step_id, owner=target.attempt_owner() or self.owner, heartbeat_at=now)
        insert_attempt(attempt, step_id)
        self._started(key, attempt, run_id, ps)
        return attempt

    def _started(self, key: str, attempt: Attempt, run_id: int, ps: PlannedStep) -> None:
        """A step's attempt was made (in the caller's transaction): its event, and a slot taken."""
        events.emit(run_id, "step.status", {"node": ps.node_id, "status": Step.Status.RUNNING, "attempt": attempt.number})
        self.launched[attempt.id] = _Launched(None, key, attempt.step_id, run_id, ps.node_id)
        self.running[key] += 1

    def _start_many(self, taken: list[tuple[str, tuple]]) -> list[tuple[str, Target, Attempt, int, int, PlannedStep, dict[str, str]]]:
        """_start for every (queue, ready item) of `taken`, inside the caller's transaction: on
        PostgreSQL one statement for all of their steps and attempts (engine/rows.start_steps)."""
        out = []
        if connection.vendor != "postgresql":
            for name, item in taken:
                target = self.directory.instances[name]
                attempt = self._start(name, target, *item)
                if attempt is not None:
                    out.append((name, target, attempt, *item))
            return out
        if not taken:
            return out
        now = timezone.now()
        owners = {item[0]: self.directory.instances[name].attempt_owner() or self.owner for name, item in taken}
        done = start_steps(list(owners.items()), engine=self.owner, now=now)
        for name, (step_id, run_id, ps, digests) in taken:
            if step_id not in done:
                continue  # cancelled, or its run taken over by another engine meanwhile
            attempt_id, number = done[step_id]
            attempt = Attempt(id=attempt_id, step_id=step_id, number=number, owner=owners[step_id], heartbeat_at=now)
            self._started(name, attempt, run_id, ps)
            out.append((name, self.directory.instances[name], attempt, step_id, run_id, ps, digests))
        return out

    def _run_attempt(self, target: Target, attempt: Attempt, step_id: int, run_id: int, ps: PlannedStep,
                     digests: dict[str, str]) -> None:
        """Hand the started attempt (committed) to its target; a launch that fails ends it failed."""
        try:
            spec = self._spec(target, attempt, step_id, run_id, ps, digests)
            sink = lambda ev, aid=attempt.id: self.inbox.put(("step", aid, ev))  # noqa: E731
            self.launched[attempt.id].handle = target.launch(spec, sink)
        except Exception as exc:  # a bad value in the plan, or the target broke: this step fails
            log.info("step %s of run %s could not be launched: %s", step_id, run_id, exc)
            # a target that cannot reach what it needs (daemon, broker) is infrastructure: retried
            reason = "infrastructure" if isinstance(exc, InfrastructureError) else "launch"
            failed = StepResult(status="failed", reason=reason, error=f"the step could not be launched: {_describe(exc)}")
            if isinstance(exc, (OperationalError, InterfaceError)) and _database_away():
                self.inbox.put(("step", attempt.id, {"kind": "done", "result": failed}))  # recorded once it is back
                return
            self._finish(attempt.id, failed)

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
            environment=getattr(ps, "environment", "") or "",
            owner=attempt.owner,
        )

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
            self._finish(attempt_id, result, recorded_elsewhere=ev.get("recorded") is True)

    def _finish(self, attempt_id: int, result: StepResult, *, recorded_elsewhere: bool = False) -> None:
        """The attempt ended: free its slot first, then record it and move its run on; an error
        while recording fails the run, and the slot stays free whatever happens. A result
        `recorded_elsewhere` (a Celery worker, the reaper: the target read it from the attempt's
        row) is not recorded again; its run moves on from the step's stored outputs."""
        launched = self.launched.pop(attempt_id, None)
        if launched is None:
            return
        self.running[launched.target] -= 1
        try:
            if recorded_elsewhere:
                recorded = True
            else:
                corrupt = corrupt_input(result)  # an input found corrupt: its producer runs again, then the step
                if corrupt is not None and rerun_producer(attempt_id=attempt_id, digest=corrupt, store=self.store):
                    self._advance(launched.run_id)
                    return
                recorded = record_result(attempt_id=attempt_id, result=result, store=self.store)
        except (OperationalError, InterfaceError) as exc:
            if _database_away():  # recorded once the database is back (the loop defers the event)
                self.launched[attempt_id] = launched
                self.running[launched.target] += 1
                raise
            log.exception("could not record attempt %s of run %s", attempt_id, launched.run_id)
            self._fail_run(launched.run_id, _internal(exc))
            return
        except Exception as exc:
            log.exception("could not record attempt %s of run %s", attempt_id, launched.run_id)
            self._fail_run(launched.run_id, _internal(exc))
            return
        if result.status != "succeeded" and self._held_retry(launched):
            return  # the step waits for its retry: nothing downstream changed
        # the step's end only concerns the steps reading from it (a result ignored for a lost lease:
        # look at every step)
        outputs = step_outputs(result) if result.status == "succeeded" else None
        self._advance(launched.run_id, finished={launched.node_id: outputs} if recorded else None)

    def _held_retry(self, launched: _Launched) -> bool:
        """True when the failed step went back to waiting for a retry (recorded here, by a Celery
        worker or by the reaper): its run is advanced once the retry's backoff has passed."""
        row = Step.objects.filter(pk=launched.step_id, status=Step.Status.WAITING).values_list("retry_at").first()
        if row is None or row[0] is None:
            return False
        delay = max(0.0, (row[0] - timezone.now()).total_seconds())
        heapq.heappush(self.retries, (time.monotonic() + delay, launched.run_id))
        return True

    def _release_retries(self) -> None:
        """Advance the runs whose held retries are due now."""
        due = set()
        while self.retries and self.retries[0][0] <= time.monotonic():
            due.add(heapq.heappop(self.retries)[1])
        for run_id in release_due_retries(sorted(due)):
            self._advance(run_id)
        self._dispatch()

    def _flush_logs(self, only: int | None = None) -> None:
        for attempt_id in [only] if only is not None else list(self.logs):
            lines = self.logs.pop(attempt_id, None)
            launched = self.launched.get(attempt_id)
            if lines and launched is not None:
                try:
                    events.emit(launched.run_id, "step.log", {"node": launched.node_id, "text": "".join(lines)})
                except Exception:
                    self.logs[attempt_id] = lines + self.logs.get(attempt_id, [])  # kept for the next flush
                    raise

    # -- cancel, heartbeat, failure ----------------------------------------------------------
    def _cancel(self, run_id: int) -> None:
        """Cancel what has not started, kill what runs; the run ends `cancelled` once the killed
        steps have reported, so no snapshot shows a cancelled run with a step still running."""
        self.cancelling.add(run_id)
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
        self._renew_runs()
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
                # also adopts runs whose engine's lease lapsed, and runs submitted where no engine
                # runs (a web process with ENGINE_AUTOSTART=0) or whose kick was lost: nobody
                # claimed them a heartbeat after their submit
                lost = recover_lost_attempts(owner=self.owner, lease=settings.ENGINE["LEASE_SECONDS"], startup=False,
                                             settle=settings.ENGINE["HEARTBEAT_SECONDS"])
        except (OperationalError, InterfaceError):
            if _database_away():
                raise
            log.exception("the reaper failed")
            lost = []
        except Exception:  # the next beat tries again; the runs this engine drives go on meanwhile
            log.exception("the reaper failed")
            lost = []
        for run_id in lost:
            self._advance(run_id)
        # retries held by the reaper, by a Celery worker or by an engine that died: due ones go on
        for run_id in release_due_retries():
            self._advance(run_id)
        self._dispatch()  # what the reaper resumed or this picked up starts now, not on the next event

    def _renew_runs(self) -> None:
        """Renew the leases of the runs this engine drives (one UPDATE), and read back which are
        still its own and whose cancel was requested elsewhere (one SELECT). A run taken over (this
        engine stalled past its lease) is dropped; a cancel asked of another process is carried out,
        and the steps still running of a run that ended elsewhere (a web process without an engine
        cancelled it: engine/services.run_cancel) are killed; a run with nothing launched or ready here (its step ran elsewhere: a Celery worker, an engine
        that lost it) is advanced from the database."""
        if not self.owned:
            return
        ids = list(self.owned)
        Run.objects.filter(pk__in=ids, owner=self.owner).exclude(status__in=Run.FINAL).update(
            lease_until=timezone.now() + timedelta(seconds=settings.ENGINE["LEASE_SECONDS"]))
        rows = {pk: (owner, status, cancel) for pk, owner, status, cancel in
                Run.objects.filter(pk__in=ids).values_list("id", "owner", "status", "cancel_requested")}
        busy = {l.run_id for l in self.launched.values()} | {item[1] for ready in self.ready.values() for item in ready}
        for run_id in ids:
            owner, status, cancel = rows.get(run_id, ("", Run.Status.CANCELLED, False))
            if owner != self.owner:  # deleted, or adopted by another engine while this one stalled
                log.warning("run %s is not this engine's any more (%s); letting it go", run_id, owner or "deleted")
                self._forget(run_id)
                for ready in self.ready.values():
                    for item in [i for i in ready if i[1] == run_id]:
                        ready.remove(item)
            elif status in Run.FINAL:
                if run_id in busy:
                    self._terminate_run(run_id, "cancelled")
                else:
                    self._forget(run_id)
            elif cancel and run_id not in self.cancelling:
                self.cancelling.add(run_id)
                self._cancel(run_id)
            elif run_id not in busy:
                self._advance(run_id)

    def _fail_run(self, run_id: int, message: str) -> None:
        """Last resort after an internal error: the run and its unfinished steps end failed, with
        their events; when even that fails, with plain updates (a run never stays `running`).
        Attempts nobody will report on (their launch or their recording failed) end first, in the
        same transaction, so no one sees the run failed with an attempt still running."""
        self.plans.pop(run_id, None)
        now = timezone.now()
        ours = [aid for aid, launched in self.launched.items() if launched.run_id == run_id]

        def close_attempts() -> None:
            Attempt.objects.filter(step__run_id=run_id, status=Attempt.Status.RUNNING).exclude(pk__in=ours).update(
                status=Attempt.Status.FAILED, reason="engine", failure="infrastructure", finished_at=now)

        try:
            with transaction.atomic():
                run = Run.objects.get(pk=run_id)
                if run.status in Run.FINAL:
                    return
                close_attempts()
                for step in run.steps.exclude(status__in=Step.FINAL):
                    set_step_status(step, Step.Status.FAILED, reason="engine", failure="infrastructure",
                                    error=message, finished_at=now)
                set_run_status(run, Run.Status.FAILED, error=message)
        except Exception:
            log.exception("could not mark run %s failed with its events; marking it without", run_id)
            try:
                with transaction.atomic():
                    close_attempts()
                    Step.objects.filter(run_id=run_id).exclude(status__in=Step.FINAL).update(
                        status=Step.Status.FAILED, reason="engine", error=message, finished_at=now)
                    Run.objects.filter(pk=run_id).exclude(status__in=Run.FINAL).update(
                        status=Run.Status.FAILED, error=message, finished_at=now)
            except Exception:
                log.exception("could not mark run %s failed", run_id)
        self._terminate_run(run_id, "cancelled")


def _database_away() -> bool:
    """After an OperationalError/InterfaceError: whether the database is unreachable (restarting,
    network), rather than refusing one statement. The broken connection is closed, so the next
    query connects afresh."""
    try:
        if connection.is_usable():
            return False
    except Exception:
        pass
    try:
        connection.close()
    except Exception:
        pass
    return True


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

