"""Load benchmark (issue 10, item 9): many pipelines at once on a `celery` compute target with real
Celery worker processes, beside the raw round trip of a no-op Celery task on the same broker and
workers, in the same run. Prints ONE JSON document; exits 1 when a step was lost or duplicated.

    .venv/bin/python bench/load.py [--pipelines 50] [--steps 10] [--workers 4] [--repeat 1]
                                   [--database-url postgres://postgres@127.0.0.1:5432/gw_load]
                                   [--redis-url redis://127.0.0.1:6379/5] [--docker auto|no]

It creates the PostgreSQL database if it is missing and migrates it (rows of earlier runs stay;
every run makes a workspace of its own), makes a `celery` ComputeTarget on a fresh queue, starts
`--workers` worker processes for that queue (the command `manage.py worker` execs, plus
`--include bench.celery_ping`, the no-op task) and the engine in this process (what `manage.py
engine` runs; a separate engine process adopts runs submitted elsewhere only on its heartbeat, which
scale.py measures as `queue_wait_ms`). Pipelines go in through the engine's submit service
(`version_snapshot` + `run_submit`, what the REST API calls), with force, back to back. Each is a
chain: Sample Dataset (iris) then --steps - 1 Pass Through. Per repeat:

  round_trip.sequential   --pings no-op tasks one after the other: send -> a worker ran it -> its
                          reply popped here (ms percentiles)
  round_trip.concurrent   --pipelines senders, each --steps pings in a row (the load's shape)
  solo                    one pipeline alone, 3 times: ms per step through the engine, the steps'
                          compute (Step.duration), `added_ms_per_step` = the difference, and
                          `added_vs_round_trip` = that / the sequential no-op round trip p50
  load                    --pipelines at once; per step, from the rows (Run, Step, Attempt):
                            ready      the run's start (first step) or the upstream attempt's end
                            dispatch   ready -> the engine launched the attempt (its step `running`,
                                       the task sent): noticing the upstream's end, advancing, launching
                            queue      launched -> a worker claimed it (Attempt.claimed_at): broker +
                                       waiting for a free worker
                            start      ready -> claimed (dispatch + queue)
                            worker     claimed -> the attempt's result recorded by the worker
                            compute    Step.duration, the step inside its process
                          p50/p95/p99/max of each; `throughput_steps_per_s` (steps / first submit ->
                          last step end); `lost` (runs or steps not succeeded, outputs without an
                          artifact row), `duplicated` (steps with more than one attempt or more than
                          one `running` event); CPU ms per step of this process (engine) and of the
                          workers' process trees; `slot_ms_per_step` = wall x worker slots / steps,
                          beside the same for the concurrent no-ops
  docker                  bench/docker_launch.py's figures (a docker step's launch beside `docker run`
                          of the same image), or `skipped` with the reason

The machine (cores, load average before and after) comes with it. Progress goes to stderr.
Everything started is killed at exit, Ctrl-C included; --timeout bounds the whole run."""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]  # bench/engine.py shadows `engine`
sys.path.insert(0, ROOT)

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

from bench.cputime import tree_cpu_seconds  # noqa: E402
from bench.harness import log  # noqa: E402

DATABASE = "postgres://postgres@127.0.0.1:5432/gw_load"
REDIS = "redis://127.0.0.1:6379/5"
TARGETS = {"dispatch_p95_ms": 100.0, "added_vs_round_trip": 2.0, "lost": 0, "duplicated": 0}
SOLO_REPEATS = 3
DB_NAME_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipelines", type=int, default=50)
    parser.add_argument("--steps", type=int, default=10, help="steps per pipeline (a chain)")
    parser.add_argument("--workers", type=int, default=4, help="Celery worker processes")
    parser.add_argument("--worker-concurrency", type=int, default=1, help="steps each worker runs at once")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of pings + solo + load")
    parser.add_argument("--pings", type=int, default=200, help="sequential no-op round trips per round")
    parser.add_argument("--database-url", default=DATABASE)
    parser.add_argument("--redis-url", default=REDIS)
    parser.add_argument("--docker", choices=("auto", "no"), default="auto",
                        help="auto: bench/docker_launch.py when a Docker engine and the step image are there")
    parser.add_argument("--docker-repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds for the whole benchmark")
    args = parser.parse_args(argv)
    for name, low, high in (("pipelines", 1, 500), ("steps", 2, 100), ("workers", 1, 16), ("worker_concurrency", 1, 16),
                            ("repeat", 1, 20), ("pings", 1, 10_000), ("docker_repeat", 1, 20)):
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name.replace('_', '-')} is from {low} to {high}")
    if not urlsplit(args.database_url).scheme.startswith("postgres"):
        parser.error("--database-url must be a postgres:// URL")
    if not DB_NAME_RE.fullmatch(urlsplit(args.database_url).path.lstrip("/")):
        parser.error("--database-url must name a database: lower-case letters, digits and '_'")
    if urlsplit(args.redis_url).scheme not in ("redis", "rediss"):
        parser.error("--redis-url must be a redis:// URL")
    return args


def public(url: str) -> str:
    """A URL without its password, for the JSON."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    if len(netloc) == 2 and ":" in netloc[0]:
        return urlunsplit(parts._replace(netloc=f"{netloc[0].split(':')[0]}:***@{netloc[1]}"))
    return url


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def at(q: float) -> float:  # nearest rank
        return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))]

    return {"n": len(ordered), "p50": round(at(0.50), 2), "p95": round(at(0.95), 2), "p99": round(at(0.99), 2),
            "max": round(ordered[-1], 2), "mean": round(statistics.fmean(ordered), 2)}


# -- environment -------------------------------------------------------------------------------

def ensure_database(url: str) -> None:
    """Create the database when it is missing (on the server's `postgres` database)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')  # name matched DB_NAME_RE
            log(f"created database {name}")


def setup_django(args: argparse.Namespace, var: Path) -> None:
    os.environ.update(GRAPHWRIGHT_VAR=str(var), DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=args.database_url,
                      REDIS_URL=args.redis_url, ENGINE_AUTOSTART="0", LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"))
    for name in ("SQLITE_PATH", "DATASTORE_ROOT", "WORK_ROOT", "DATASTORE_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def worker_env(args: argparse.Namespace, var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SQLITE_PATH", "DATASTORE_ROOT", "WORK_ROOT")}
    env.update(DJANGO_SETTINGS_MODULE="config.worker_settings", GRAPHWRIGHT_VAR=str(var), DATABASE_URL=args.database_url,
               REDIS_URL=args.redis_url, ENGINE_AUTOSTART="0", PYTHONPATH=ROOT, LOG_LEVEL="WARNING",
               # one step at a time per worker slot: a pool of one warm process beside the zygote
               LOCAL_CONCURRENCY=str(args.worker_concurrency), LOCAL_POOL_SIZE=str(args.worker_concurrency))
    return env


class Processes:
    """The worker processes; killed with everything below them at exit, on Ctrl-C and on SIGTERM."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def start(self, argv: list[str], env: dict[str, str], out: Path) -> subprocess.Popen:
        with open(out, "wb") as stream:
            proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=stream, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs.append(proc)
        self.logs.append(out)
        return proc

    def kill_all(self) -> None:
        import psutil

        for proc in self.procs:
            try:
                tree = psutil.Process(proc.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                tree = []
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the worker's session: itself, its zygote, pool, steps
            except (ProcessLookupError, PermissionError):
                pass
            for child in tree:  # anything that left the session
                try:
                    child.kill()
                except psutil.Error:
                    pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.procs.clear()


def start_workers(procs: Processes, args: argparse.Namespace, var: Path, queue: str) -> list[subprocess.Popen]:
    """`--workers` processes with the flags `manage.py worker --target` gives celery."""
    celery = shutil.which("celery", path=os.path.dirname(sys.executable)) or shutil.which("celery")
    if celery is None:
        raise SystemExit("the celery command is not installed next to this Python")
    env = worker_env(args, var)
    started = []
    for i in range(args.workers):
        name = f"load{i + 1}@{platform.node() or 'localhost'}"
        argv = [celery, "-A", "engine.celery_app", "worker", "-Q", queue, "--prefetch-multiplier=1", "--pool=threads",
                f"--concurrency={args.worker_concurrency}", f"--hostname={name}", "--loglevel=INFO",
                "--without-gossip", "--without-mingle", "--include", "bench.celery_ping"]
        started.append(procs.start(argv, env, var / f"worker-{i + 1}.log"))
    return started


def wait_for_workers(queue: str, workers: list[subprocess.Popen], var: Path, timeout: float) -> None:
    from engine.celery_worker import workers_on

    deadline = time.monotonic() + timeout
    while len(workers_on(queue)) < len(workers):
        for i, proc in enumerate(workers):
            if proc.poll() is not None:
                tail = (var / f"worker-{i + 1}.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"worker {i + 1} exited with {proc.returncode}:\n{tail}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {len(workers_on(queue))} of {len(workers)} workers came up in {timeout:.0f} s")
        time.sleep(0.2)


# -- the no-op round trip -------------------------------------------------------------------------

def ping_round_trips(queue: str, redis_url: str, *, senders: int, each: int) -> dict[str, Any]:
    """`senders` threads, each sending `each` no-op tasks one after the other and waiting for each
    reply: round trip percentiles (ms), wall and no-ops per second."""
    import redis

    from bench.celery_ping import REPLY_PREFIX, ping

    client = redis.Redis.from_url(redis_url, max_connections=senders + 4)
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def sender() -> None:
        key = f"{REPLY_PREFIX}{uuid.uuid4().hex}"
        mine = []
        try:
            for _ in range(each):
                t0 = time.perf_counter()
                ping.apply_async(args=[key], queue=queue)
                if client.blpop([key], timeout=60) is None:
                    raise TimeoutError("no reply within 60 s")
                mine.append((time.perf_counter() - t0) * 1000)
        except Exception as exc:
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            client.delete(key)
        with lock:
            times.extend(mine)

    t0 = time.perf_counter()
    if senders == 1:
        sender()
    else:
        threads = [threading.Thread(target=sender, daemon=True) for _ in range(senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
    wall = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"{len(errors)} no-op senders failed: {errors[0]}")
    out = {"senders": senders, "each": each, **percentiles(times), "wall_s": round(wall, 3),
           "per_s": round(len(times) / wall, 1) if wall else None}
    return out


# -- pipelines ------------------------------------------------------------------------------------

def pipeline_document(steps: int) -> dict[str, Any]:
    from bench.validate import chain

    doc = chain(steps)
    doc["nodes"] = [{**n, "target": "load"} for n in doc["nodes"]]
    return doc


def submit(workspace, version, count: int) -> list[int]:
    from designer.selectors import dataset_resolver
    from engine import services

    resolve = dataset_resolver(workspace=workspace)
    return [services.run_submit(workspace=workspace, version=version, force=True, resolve_dataset=resolve).id
            for _ in range(count)]


def wait_runs(run_ids: list[int], timeout: float) -> float:
    """Wait until every run is final; the perf_counter when the last one was seen final."""
    from engine.models import Run

    deadline = time.monotonic() + timeout
    while True:
        left = Run.objects.filter(pk__in=run_ids).exclude(status__in=Run.FINAL).count()
        if not left:
            return time.perf_counter()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{left} of {len(run_ids)} runs not final after {timeout:.0f} s")
        time.sleep(0.05)


def step_rows(run_ids: list[int], steps: int) -> dict[str, Any]:
    """Per step, from the rows: ready, launched, claimed, finished, compute; and what was lost or
    duplicated."""
    from engine.models import Artifact, Attempt, Run, RunEvent, Step

    runs = {r.id: r for r in Run.objects.filter(pk__in=run_ids)}
    order = ["source"] + [f"p{i}" for i in range(1, steps)]
    upstream = dict(zip(order[1:], order))
    by_run: dict[int, dict[str, Step]] = {}
    for step in Step.objects.filter(run_id__in=run_ids):
        by_run.setdefault(step.run_id, {})[step.node_id] = step
    attempts: dict[int, list[Attempt]] = {}
    for attempt in Attempt.objects.filter(step__run_id__in=run_ids).order_by("number"):
        attempts.setdefault(attempt.step_id, []).append(attempt)
    running_events: dict[tuple[int, str], int] = {}
    for run_id, payload in RunEvent.objects.filter(run_id__in=run_ids, type="step.status").values_list("run_id", "payload"):
        if payload.get("status") == "running":
            key = (run_id, payload.get("node"))
            running_events[key] = running_events.get(key, 0) + 1
    digests = {ref["digest"] for per in by_run.values() for s in per.values() for ref in (s.outputs or {}).values()}
    stored = set(Artifact.objects.filter(digest__in=digests).values_list("digest", flat=True))

    lost = {"runs_not_succeeded": sum(r.status != "succeeded" for r in runs.values()) + len(set(run_ids) - set(runs)),
            "steps_not_succeeded": 0, "steps_missing": 0, "outputs_without_artifact": 0}
    duplicated = {"steps_with_several_attempts": 0, "steps_launched_twice": 0}
    rows = []
    for run_id in run_ids:
        run = runs.get(run_id)
        per = by_run.get(run_id, {})
        lost["steps_missing"] += len(set(order) - set(per))
        for node_id in order:
            step = per.get(node_id)
            if step is None:
                continue
            tries = attempts.get(step.id, [])
            if step.status != "succeeded":
                lost["steps_not_succeeded"] += 1
            lost["outputs_without_artifact"] += sum(ref["digest"] not in stored for ref in (step.outputs or {}).values())
            if len(tries) > 1:
                duplicated["steps_with_several_attempts"] += 1
            if running_events.get((run_id, node_id), 0) > 1:
                duplicated["steps_launched_twice"] += 1
            last = tries[-1] if tries else None
            if last is None or run is None or run.started_at is None:
                continue
            if node_id in upstream:
                up = per.get(upstream[node_id])
                up_tries = attempts.get(up.id, []) if up is not None else []
                ready = up_tries[-1].finished_at if up_tries else None
            else:
                ready = run.started_at
            rows.append({"ready": ready, "launched": last.started_at, "claimed": last.claimed_at,
                         "finished": last.finished_at, "compute": step.duration, "submitted": run.created_at})
    return {"rows": rows, "lost": lost, "duplicated": duplicated}


def phases(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    def ms(a, b) -> float | None:
        return (b - a).total_seconds() * 1000 if a is not None and b is not None else None

    series: dict[str, list[float]] = {"dispatch_ms": [], "queue_ms": [], "start_ms": [], "worker_ms": [], "compute_ms": [],
                                      "cycle_ms": []}
    for r in rows:
        for name, value in (("dispatch_ms", ms(r["ready"], r["launched"])), ("queue_ms", ms(r["launched"], r["claimed"])),
                            ("start_ms", ms(r["ready"], r["claimed"])), ("worker_ms", ms(r["claimed"], r["finished"])),
                            ("cycle_ms", ms(r["ready"], r["finished"])),
                            ("compute_ms", r["compute"] * 1000 if r["compute"] is not None else None)):
            if value is not None:
                series[name].append(value)
    return {name: percentiles(values) for name, values in series.items()}


def thread_cpu(thread: threading.Thread | None) -> float:
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
    except (AttributeError, OSError, TypeError):
        return 0.0


class Meter:
    """CPU seconds of this process, of the engine thread and of the workers' trees, between two reads."""

    def __init__(self, ex, workers: list[subprocess.Popen]) -> None:
        self.ex, self.workers = ex, workers

    def read(self) -> tuple[float, float, float]:
        return (time.process_time(), thread_cpu(getattr(self.ex, "_thread", None)),
                sum(tree_cpu_seconds(p.pid) for p in self.workers))


def run_round(workspace, version, args: argparse.Namespace, count: int, meter: Meter, timeout: float) -> dict[str, Any]:
    """`count` pipelines at once, to their end: the figures of the module's docstring."""
    cpu0 = meter.read()
    t0 = time.perf_counter()
    run_ids = submit(workspace, version, count)
    submitted = time.perf_counter() - t0
    wait_runs(run_ids, timeout)
    cpu1 = meter.read()
    found = step_rows(run_ids, args.steps)
    rows = found["rows"]
    total = count * args.steps
    first = min((r["submitted"] for r in rows), default=None)
    last = max((r["finished"] for r in rows if r["finished"] is not None), default=None)
    wall = (last - first).total_seconds() if first is not None and last is not None else None
    out: dict[str, Any] = {"pipelines": count, "steps": total, "submit_s": round(submitted, 3),
                           "wall_s": round(wall, 3) if wall else None,
                           "throughput_steps_per_s": round(total / wall, 1) if wall else None,
                           **phases(rows),
                           "lost": sum(found["lost"].values()), "lost_detail": found["lost"],
                           "duplicated": sum(found["duplicated"].values()), "duplicated_detail": found["duplicated"],
                           "engine_process_cpu_ms_per_step": round((cpu1[0] - cpu0[0]) * 1000 / total, 2),
                           "engine_thread_cpu_ms_per_step": round((cpu1[1] - cpu0[1]) * 1000 / total, 2),
                           "workers_cpu_ms_per_step": round((cpu1[2] - cpu0[2]) * 1000 / total, 2)}
    if wall:
        out["slot_ms_per_step"] = round(wall * 1000 * args.workers * args.worker_concurrency / total, 2)
    return out


def solo(workspace, version, args: argparse.Namespace, meter: Meter, round_trip_ms: float, timeout: float) -> dict[str, Any]:
    """One pipeline alone, SOLO_REPEATS times: what a step costs through the engine and the broker."""
    samples = [run_round(workspace, version, args, 1, meter, timeout) for _ in range(SOLO_REPEATS)]
    per_step = [s["wall_s"] * 1000 / s["steps"] for s in samples if s["wall_s"]]
    compute = [s["compute_ms"]["mean"] for s in samples if s["compute_ms"].get("n")]
    ms_per_step, compute_ms = statistics.median(per_step), statistics.median(compute)
    added = ms_per_step - compute_ms
    return {"repeats": SOLO_REPEATS, "ms_per_step": round(ms_per_step, 2), "ms_per_step_repeats": [round(v, 2) for v in per_step],
            "compute_ms_per_step": round(compute_ms, 2), "added_ms_per_step": round(added, 2),
            "round_trip_p50_ms": round(round_trip_ms, 2),
            "added_vs_round_trip": round(added / round_trip_ms, 2) if round_trip_ms else None,
            "dispatch_ms_p50": statistics.median([s["dispatch_ms"]["p50"] for s in samples if s["dispatch_ms"].get("n")]),
            "queue_ms_p50": statistics.median([s["queue_ms"]["p50"] for s in samples if s["queue_ms"].get("n")]),
            "worker_ms_p50": statistics.median([s["worker_ms"]["p50"] for s in samples if s["worker_ms"].get("n")]),
            "engine_thread_cpu_ms_per_step": statistics.median([s["engine_thread_cpu_ms_per_step"] for s in samples]),
            "workers_cpu_ms_per_step": statistics.median([s["workers_cpu_ms_per_step"] for s in samples]),
            "lost": sum(s["lost"] for s in samples), "duplicated": sum(s["duplicated"] for s in samples)}


def warm_up(workspace, version, args: argparse.Namespace, timeout: float) -> int:
    """Rounds of short pipelines until every worker has run a step (its zygote and pool are warm)."""
    from engine.models import Step

    count = args.workers * args.worker_concurrency * 2
    for rounds in range(1, 6):
        ids = submit(workspace, version, count)
        wait_runs(ids, timeout)
        seen = set(Step.objects.filter(run_id__in=ids).exclude(worker="").values_list("worker", flat=True))
        if len(seen) >= args.workers:
            return rounds
    return rounds


def machine() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "postgresql": pg,
            "platform": platform.platform(), "loadavg_before": [round(x, 2) for x in os.getloadavg()]}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    deadline = time.monotonic() + args.timeout

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"the benchmark ran out of its --timeout of {args.timeout:.0f} s")
        return remaining

    def on_signal(signum, _frame) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("--timeout reached")))
    signal.alarm(int(args.timeout) + 60)  # the last resort, if a wait below hangs
    procs = Processes()
    var = Path(tempfile.mkdtemp(prefix="gw-load-bench-"))
    queue = f"gw-load-{uuid.uuid4().hex[:8]}"
    ex = None
    try:
        ensure_database(args.database_url)
        setup_django(args, var)
        from django.conf import settings

        from designer.services import version_snapshot
        from engine import executor
        from engine.models import ComputeTarget, Workspace

        out: dict[str, Any] = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                               "machine": machine(),
                               "config": {"pipelines": args.pipelines, "steps": args.steps, "workers": args.workers,
                                          "worker_concurrency": args.worker_concurrency, "repeat": args.repeat,
                                          "pings": args.pings, "database": public(args.database_url), "redis": public(args.redis_url),
                                          "queue": queue, "heartbeat_s": settings.ENGINE["HEARTBEAT_SECONDS"],
                                          "lease_s": settings.ENGINE["LEASE_SECONDS"]},
                               "targets": TARGETS}
        workspace = Workspace.objects.create(name=f"load {queue}", slug=queue)
        ComputeTarget.objects.create(workspace=workspace, name="load", kind="celery", settings={"queue": queue})
        version = version_snapshot(workspace=workspace, user=None, document=pipeline_document(args.steps), name="load")
        log(f"starting {args.workers} workers on queue {queue}")
        workers = start_workers(procs, args, var, queue)
        wait_for_workers(queue, workers, var, min(120.0, left()))
        ex = executor.start()
        out["warm_up_rounds"] = warm_up(workspace, version, args, left())
        meter = Meter(ex, workers)
        rounds = []
        for i in range(args.repeat):
            log(f"round {i + 1}/{args.repeat}: no-op round trips")
            sequential = ping_round_trips(queue, args.redis_url, senders=1, each=args.pings)
            concurrent = ping_round_trips(queue, args.redis_url, senders=args.pipelines, each=args.steps)
            concurrent["slot_ms_per_no_op"] = round(concurrent["wall_s"] * 1000 * args.workers * args.worker_concurrency
                                                    / concurrent["n"], 2)
            log(f"round {i + 1}: no-op p50 {sequential['p50']} ms alone, {concurrent['p50']} ms at {args.pipelines} senders")
            alone = solo(workspace, version, args, meter, sequential["p50"], left())
            log(f"round {i + 1}: one pipeline alone {alone['ms_per_step']} ms a step (compute {alone['compute_ms_per_step']})")
            load = run_round(workspace, version, args, args.pipelines, meter, left())
            load["slot_vs_no_op"] = (round(load["slot_ms_per_step"] / concurrent["slot_ms_per_no_op"], 2)
                                     if load.get("slot_ms_per_step") and concurrent["slot_ms_per_no_op"] else None)
            log(f"round {i + 1}: {args.pipelines} pipelines: dispatch p95 {load['dispatch_ms'].get('p95')} ms, "
                f"start p95 {load['start_ms'].get('p95')} ms, {load['throughput_steps_per_s']} steps/s, "
                f"lost {load['lost']}, duplicated {load['duplicated']}")
            rounds.append({"round_trip": {"sequential": sequential, "concurrent": concurrent}, "solo": alone, "load": load,
                           "loadavg": [round(x, 2) for x in os.getloadavg()]})
        out["rounds"] = rounds

        def med(get) -> float | None:
            values = [v for v in (get(r) for r in rounds) if v is not None]
            return round(statistics.median(values), 2) if values else None

        lost = sum(r["load"]["lost"] + r["solo"]["lost"] for r in rounds)
        duplicated = sum(r["load"]["duplicated"] + r["solo"]["duplicated"] for r in rounds)
        summary = {
            "dispatch_p95_ms": med(lambda r: r["load"]["dispatch_ms"].get("p95")),
            "dispatch_p50_ms": med(lambda r: r["load"]["dispatch_ms"].get("p50")),
            "start_p95_ms": med(lambda r: r["load"]["start_ms"].get("p95")),
            "queue_p95_ms": med(lambda r: r["load"]["queue_ms"].get("p95")),
            "throughput_steps_per_s": med(lambda r: r["load"]["throughput_steps_per_s"]),
            "no_op_round_trip_p50_ms": med(lambda r: r["round_trip"]["sequential"]["p50"]),
            "no_op_round_trip_p95_ms": med(lambda r: r["round_trip"]["sequential"]["p95"]),
            "no_op_per_s_concurrent": med(lambda r: r["round_trip"]["concurrent"]["per_s"]),
            "solo_ms_per_step": med(lambda r: r["solo"]["ms_per_step"]),
            "solo_added_ms_per_step": med(lambda r: r["solo"]["added_ms_per_step"]),
            "added_vs_round_trip": med(lambda r: r["solo"]["added_vs_round_trip"]),
            "load_slot_vs_no_op": med(lambda r: r["load"]["slot_vs_no_op"]),
            "engine_thread_cpu_ms_per_step": med(lambda r: r["load"]["engine_thread_cpu_ms_per_step"]),
            "workers_cpu_ms_per_step": med(lambda r: r["load"]["workers_cpu_ms_per_step"]),
            "lost": lost, "duplicated": duplicated,
        }
        summary["meets"] = {
            "dispatch_p95_ms": summary["dispatch_p95_ms"] is not None and summary["dispatch_p95_ms"] <= TARGETS["dispatch_p95_ms"],
            "added_vs_round_trip": (summary["added_vs_round_trip"] is not None
                                    and summary["added_vs_round_trip"] <= TARGETS["added_vs_round_trip"]),
            "lost": lost == 0, "duplicated": duplicated == 0,
        }
        out["summary"] = summary
        executor.stop()
        ex = None
        procs.kill_all()  # the docker figures without four idle workers' zygotes beside them
        if args.docker == "no":
            out["docker"] = {"skipped": "--docker no"}
        else:
            from bench import docker_launch

            reason = docker_launch.unavailable()
            if reason:
                out["docker"] = {"skipped": reason}
            else:
                log("docker launch beside docker run")
                out["docker"] = docker_launch.measure(repeat=args.docker_repeat)
        out["machine"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        print(json.dumps(out, indent=2))
        return 0 if lost == 0 and duplicated == 0 else 1
    finally:
        signal.alarm(0)
        if ex is not None:
            from engine import executor

            executor.stop()
        procs.kill_all()
        try:
            import redis

            redis.Redis.from_url(args.redis_url, socket_connect_timeout=2).delete(queue)
        except Exception:
            pass
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
