"""Steps pin OpenMP and BLAS threads to their share of the target's cores: the variables a step's
process starts with, and the pools already loaded in the warm zygote it was forked from
(threadpoolctl), in a pool worker and in a user-code child alike."""
from __future__ import annotations

import pandas as pd
import pytest

from engine.targets import limits
from engine.targets.local import LocalTarget
from tests.engine.local_steps import run, script, spec
from tests.engine.thread_modules import REPORT_SCRIPT

CONCURRENCY = 2


def test_the_share_is_the_cores_divided_among_the_steps_running_side_by_side_and_at_least_one():
    assert limits.thread_share(4, cpus=16) == 4
    assert limits.thread_share(3, cpus=16) == 5
    assert limits.thread_share(8, cpus=2) == 1
    assert limits.thread_share(0, cpus=2) == 2


def test_the_scrubbed_environment_sets_openmp_and_blas_threads_to_the_share(tmp_path):
    env = limits.scrubbed_env(str(tmp_path), str(tmp_path), parent={"PATH": "/usr/bin", "OMP_NUM_THREADS": "64"},
                              threads=3)
    assert {name: env[name] for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")} == {
        "OMP_NUM_THREADS": "3", "OPENBLAS_NUM_THREADS": "3", "MKL_NUM_THREADS": "3"}
    assert env[limits.STEP_THREADS_VAR] == "3"
    assert limits.scrubbed_env(str(tmp_path), str(tmp_path), parent={})["OMP_NUM_THREADS"] == "1"


@pytest.fixture(scope="module")
def pinned_target():
    tgt = LocalTarget(concurrency=CONCURRENCY, pool_size=1, extra_modules=["tests.engine.thread_modules"])
    assert tgt.warm(90), "the zygote did not come up"
    yield tgt
    tgt.close()


def pools(store, result) -> dict[str, int]:
    assert result.status == "succeeded", result.error
    port = "result" if "result" in result.outputs else "result1"
    frame = store.load(result.outputs[port]["digest"], "DataFrame")
    assert set(frame["omp_env"]) == {str(limits.thread_share(CONCURRENCY))}
    return {api: int(n) for api, n in zip(frame["api"], frame["num_threads"])}


def test_a_built_in_step_in_a_pool_worker_runs_openmp_and_blas_with_its_share(pinned_target, store, tmp_path):
    result, _, _ = run(pinned_target, spec(store, tmp_path, "threadtest.report", params={"rows": 2000}), timeout=120)
    seen = pools(store, result)
    share = limits.thread_share(CONCURRENCY)
    assert seen.get("openmp") == share and seen.get("openblas") == share, seen


def test_a_user_code_step_runs_openmp_and_blas_with_its_share(pinned_target, store, tmp_path):
    frame = store.put(pd.DataFrame({"rows": [2000]}), "DataFrame")
    step = script(store, tmp_path, REPORT_SCRIPT, inputs={"dataset1": {"digest": frame.digest, "kind": "DataFrame"}})
    result, _, _ = run(pinned_target, step, timeout=120)
    seen = pools(store, result)
    share = limits.thread_share(CONCURRENCY)
    assert seen.get("openmp") == share and seen.get("openblas") == share, seen
