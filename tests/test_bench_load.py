"""bench/load.py at a tiny size (3 pipelines of 3 steps on 2 real Celery workers) on a PostgreSQL
database of its own and Redis db 1: it exits 0, its JSON has every figure, and no step was lost or
duplicated. No timing is asserted (the figures go to docs/benchmarks.md)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import TEST_REDIS_URL

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REDIS_URL = TEST_REDIS_URL  # GRAPHWRIGHT_TEST_REDIS_URL, default db 1
# the scaled pass only: it makes a PostgreSQL database of its own whatever the pass, and its Celery
# workers are the scaled mode's
pytestmark = [pytest.mark.slow, pytest.mark.scaled_only]


def _server_url() -> str:
    """The PostgreSQL server of DATABASE_URL (make test-scaled), else the local one."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def _unreachable() -> str | None:
    try:
        import psycopg

        psycopg.connect(_server_url(), connect_timeout=3).close()
    except Exception as exc:
        return f"PostgreSQL is not reachable at {_server_url()} ({exc}); start it or set DATABASE_URL"
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"Redis is not reachable at {REDIS_URL} ({exc})"
    return None


@pytest.fixture
def database_url():
    """A database of this test's own, dropped afterwards."""
    reason = _unreachable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    import psycopg

    name = f"test_gw_load_{uuid.uuid4().hex[:8]}"
    yield urlunsplit(urlsplit(_server_url())._replace(path=f"/{name}"))
    with psycopg.connect(_server_url(), autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_load_benchmark_loses_and_duplicates_no_step(database_url):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    proc = subprocess.run(
        [sys.executable, "bench/load.py", "--pipelines", "3", "--steps", "3", "--workers", "2", "--pings", "10",
         "--docker", "no", "--timeout", "400", "--database-url", database_url, "--redis-url", REDIS_URL],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=500)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    summary = out["summary"]
    assert summary["lost"] == 0 and summary["duplicated"] == 0
    assert summary["meets"]["lost"] and summary["meets"]["duplicated"]
    for key in ("dispatch_p95_ms", "start_p95_ms", "throughput_steps_per_s", "no_op_round_trip_p50_ms",
                "solo_added_ms_per_step", "added_vs_round_trip", "load_slot_vs_no_op", "engine_thread_cpu_ms_per_step",
                "workers_cpu_ms_per_step"):
        assert isinstance(summary[key], (int, float)), key
    (round_,) = out["rounds"]
    load = round_["load"]
    assert load["steps"] == 9 and load["lost"] == 0 and load["duplicated"] == 0
    for phase in ("dispatch_ms", "queue_ms", "start_ms", "worker_ms", "compute_ms", "cycle_ms"):
        assert load[phase]["n"] == 9, phase  # every step has each timestamp, claimed_at included
        assert set(load[phase]) >= {"p50", "p95", "p99", "max"}
    assert round_["round_trip"]["sequential"]["n"] == 10
    assert round_["round_trip"]["concurrent"]["n"] == 9  # 3 senders x 3 no-ops
    assert round_["solo"]["lost"] == 0 and round_["solo"]["duplicated"] == 0
    assert out["docker"] == {"skipped": "--docker no"}
    assert out["machine"]["cpus"] >= 1 and len(out["machine"]["loadavg_after"]) == 3
