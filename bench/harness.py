"""What every benchmark of bench/ shares: the throw-away embedded environment, waiting for runs
through the engine's committed events, targets and log lines."""
from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

TARGETS = {
    "overhead_per_builtin_step_ms": 5.0,
    "user_code_launch_ms": 20.0,
    "identical_resubmit_ms": 100.0,
    "identical_resubmit_processes": 0,
    "large_engine_vs_plain_ratio": 1.5,
    "large_peak_rss_per_data": 3.0,
}
COMPARISON = {
    "note": "figures quoted by the issue, not measured by this benchmark",
    "dagster_in_process_ms_per_step": 23,
    "prefect_ms_per_step": 28,
    "prefect_cached_rerun_4_step_flow_ms": 1300,
    "cold_start_import_pandas_sklearn_s": 2.8,
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


# -- environment ---------------------------------------------------------------------------------

def setup_environment(var: str) -> None:
    os.environ["GRAPHWRIGHT_VAR"] = var
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["ENGINE_AUTOSTART"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # the embedded mode, whatever the calling shell points at
    for name in ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "DATASTORE_ROOT", "WORK_ROOT"):
        os.environ.pop(name, None)
    extra = [m for m in os.environ.get("GRAPHWRIGHT_EXTRA_MODULES", "").split(",") if m.strip()]
    if "bench.modules" not in extra:
        extra.append("bench.modules")
    os.environ["GRAPHWRIGHT_EXTRA_MODULES"] = ",".join(extra)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    import bench.modules  # noqa: F401  (registers bench_gather for the compiler)


class Finals:
    """Records, from the engine's committed events, when each run reached a final status."""

    def __init__(self) -> None:
        self.at: dict[int, float] = {}
        self.cond = threading.Condition()

    def __call__(self, event: dict[str, Any]) -> None:
        if event.get("type") == "run.status" and event.get("status") in ("succeeded", "failed", "cancelled"):
            now = time.perf_counter()
            with self.cond:
                self.at.setdefault(event["run"], now)
                self.cond.notify_all()

    def wait(self, run_id: int, timeout: float) -> float:
        with self.cond:
            if not self.cond.wait_for(lambda: run_id in self.at, timeout=timeout):
                raise TimeoutError(f"run {run_id} did not finish within {timeout} s")
            return self.at[run_id]


class Bench:
    def __init__(self, workspace, finals: Finals, ex) -> None:
        self.workspace = workspace
        self.finals = finals
        self.ex = ex

    def submit(self, doc: dict[str, Any], *, force: bool = False, timeout: float = 600.0,
               params: dict[str, Any] | None = None) -> tuple[Any, float, float]:
        """(run, wall seconds submit -> final, seconds spent inside the submit call)."""
        from designer.selectors import dataset_resolver
        from designer.services import version_snapshot
        from engine import services
        from engine.models import Run

        t0 = time.perf_counter()
        version = version_snapshot(workspace=self.workspace, user=None, document=doc, name=doc.get("name", "bench"))
        run = services.run_submit(workspace=self.workspace, version=version, params=params, force=force,
                                  resolve_dataset=dataset_resolver(workspace=self.workspace))
        t1 = time.perf_counter()
        end = self.finals.wait(run.id, timeout)
        run = Run.objects.get(pk=run.id)
        if run.status != "succeeded":
            raise RuntimeError(f"benchmark run {run.id} {run.status}: {run.error}")
        return run, end - t0, t1 - t0
