"""Failure classes and the per-node retry policy (engine/failures.py): how each reason is classed,
what the document schema accepts, and, on the real local target with real step processes, that
user-code errors are not retried by default, that a child killed from outside is `lost` and runs
again as a new attempt, and that a step that keeps dying stops after its policy's attempts."""
from __future__ import annotations

import math
import os
import signal
import time

import psutil
import pytest

from engine.documents import canonical_document, shape_errors
from engine.failures import DEFAULT_RETRY, FAILURE_CLASSES, MAX_ATTEMPTS_CAP, RetryPolicy, failure_class
from tests.conftest import wait_for_run
from tests.engine.graphs import document, node, script_node


# -- classes and policy, pure ------------------------------------------------------------------------

@pytest.mark.parametrize("reason, error, expected", [
    ("error", "ValueError: bad", "user_code"),
    ("timeout", "", "timeout"),
    ("memory", "", "memory"),
    ("lost", "", "lost"),
    ("launch", "", "launch"),
    ("infrastructure", "", "infrastructure"),
    ("disk", "no space left on device", "infrastructure"),
    ("signal", "step process was killed by SIGKILL", "lost"),  # sent from outside: the step was lost
    ("signal", "step process was killed by SIGTERM", "lost"),
    ("signal", "step process was killed by SIGSEGV", "user_code"),  # its own crash
    ("signal", "the step's process was killed by signal 11", "user_code"),  # the docker target's words
    ("signal", "the step's process was killed by signal 9", "lost"),
    ("cancelled", "", ""),
    ("", "", ""),
    ("something new", "", "user_code"),
])
def test_each_reason_has_its_failure_class(reason, error, expected):
    assert failure_class(reason, error) == expected


def test_the_default_policy_retries_infrastructure_and_lost_failures_a_bounded_number_of_times():
    policy = RetryPolicy.from_json(None)
    assert set(policy.on) == {"infrastructure", "lost"} and policy.max_attempts == DEFAULT_RETRY["max_attempts"]
    assert policy.wait("user_code", 1) is None and policy.wait("timeout", 1) is None
    assert policy.wait("lost", 1) == DEFAULT_RETRY["backoff_seconds"]
    assert policy.wait("infrastructure", 2) == 2 * DEFAULT_RETRY["backoff_seconds"]  # doubling
    assert policy.wait("lost", policy.max_attempts) is None  # no attempt left


def test_a_stored_policy_out_of_bounds_is_brought_within_them():
    policy = RetryPolicy.from_json({"max_attempts": 10**9, "on": ["lost", "bogus", 3], "backoff_seconds": math.inf})
    assert policy.max_attempts == MAX_ATTEMPTS_CAP and policy.on == ("lost",) and policy.backoff_seconds == 0.0
    assert RetryPolicy.from_json({"max_attempts": -5, "backoff_seconds": -1}).as_json()["max_attempts"] == 1
    assert RetryPolicy.from_json({"max_attempts": 3.0}).max_attempts == 3
    assert RetryPolicy.from_json({"max_attempts": True}).max_attempts == 1


def _with_retry(retry) -> dict:
    return document([{**node("data", "sample_dataset", name="iris"), "retry": retry}], [])


@pytest.mark.parametrize("retry", [
    {"max_attempts": 0}, {"max_attempts": MAX_ATTEMPTS_CAP + 1}, {"max_attempts": 2.5}, {"max_attempts": "3"},
    {"on": ["user code"]}, {"on": ["lost", "lost"]}, {"on": "lost"}, {"backoff_seconds": -1},
    {"backoff_seconds": 3601}, {"backoff_seconds": "1"}, {"tries": 3}, [3], "always", 3,
])
def test_the_document_schema_refuses_a_retry_policy_out_of_bounds(retry):
    errors = shape_errors(_with_retry(retry))
    assert errors and all(e["code"] == "invalid_document" for e in errors), errors
    assert any(e.get("node") == "data" for e in errors), errors


def test_a_retry_policy_within_bounds_is_accepted_and_part_of_the_version():
    good = {"max_attempts": MAX_ATTEMPTS_CAP, "on": list(FAILURE_CLASSES), "backoff_seconds": 0}
    assert shape_errors(_with_retry(good)) == [] and shape_errors(_with_retry(None)) == []
    assert canonical_document(_with_retry(None)) == canonical_document(document([node("data", "sample_dataset", name="iris")], []))
    assert canonical_document(_with_retry(good))["nodes"][0]["retry"] == good


# -- on the local target, with real step processes ----------------------------------------------------

def _submit(workspace, doc):
    from designer.services import version_snapshot
    from engine import services

    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    return services.run_submit(workspace=workspace, version=version)


def _attempts(step):
    return list(step.attempts.order_by("number").values_list("number", "status", "reason", "failure"))


def test_a_user_code_error_is_not_retried_by_default_and_the_api_says_its_class(engine, workspace, api):
    from engine.models import Step

    doc = document([script_node("boom", "def azureml_main(dataframe1=None, dataframe2=None):\n"
                                        "    raise ValueError('no good')\n")], [])
    run = wait_for_run(_submit(workspace, doc).id, timeout=120)
    assert run.status == "failed"
    step = Step.objects.get(run=run, node_id="boom")
    assert _attempts(step) == [(1, "failed", "error", "user_code")]
    assert step.status == "failed" and step.failure == "user_code" and "no good" in step.error
    detail = api.get(f"/api/v1/runs/{run.id}/steps/boom/").json()
    assert detail["failure"] == "user_code" and detail["retry_at"] is None
    assert detail["retry_policy"] == DEFAULT_RETRY
    assert [(a["number"], a["failure"]) for a in detail["attempts"]] == [(1, "user_code")]
    brief = {s["node"]: s for s in api.get(f"/api/v1/runs/{run.id}/").json()["steps"]}
    assert brief["boom"]["failure"] == "user_code"


def test_a_policy_that_retries_user_code_runs_it_again_as_new_attempts_up_to_its_count(engine, workspace):
    from engine.models import Step

    retry = {"max_attempts": 3, "on": ["user_code"], "backoff_seconds": 0}
    doc = document([script_node("boom", "def azureml_main(dataframe1=None, dataframe2=None):\n"
                                        "    raise ValueError('no good')\n", retry=retry)], [])
    run = wait_for_run(_submit(workspace, doc).id, timeout=120)
    assert run.status == "failed"
    step = Step.objects.get(run=run, node_id="boom")
    assert _attempts(step) == [(n, "failed", "error", "user_code") for n in (1, 2, 3)]
    assert step.retry_at is None and "no good" in step.error


def _user_children(run_id: int, work_root: str) -> list[psutil.Process]:
    """This process's descendants working in a folder of the run: a step's own process."""
    folder = os.path.join(work_root, f"run-{run_id}")
    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.cwd().startswith(folder + os.sep):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return found


# slow on attempt 1 only (its folder: step-<id>-1), so that the test kills it mid-step and attempt 2
# does not wait out the same seconds
SLOW_SCRIPT = """
import os
import time
import pandas as pd

def azureml_main(dataframe1=None, dataframe2=None):
    print("started", flush=True)
    time.sleep(4 if os.getcwd().endswith("-1") else 0)
    return pd.DataFrame({"x": [1, 2, 3]})
"""


def test_a_user_code_child_killed_from_outside_is_lost_and_runs_again_with_one_artifact_per_output(
        engine, workspace, settings):
    from engine.models import Artifact, Step

    run = _submit(workspace, document([script_node("slow", SLOW_SCRIPT)], []))
    deadline = time.monotonic() + 120
    while not (children := _user_children(run.id, settings.WORK_ROOT)):
        assert time.monotonic() < deadline, "the script's process never started"
        time.sleep(0.05)
    assert {os.path.basename(p.cwd()).rsplit("-", 1)[1] for p in children} == {"1"}  # attempt 1's folder
    for proc in children:
        proc.send_signal(signal.SIGKILL)
    run = wait_for_run(run.id, timeout=120)
    assert run.status == "succeeded", run.error
    step = Step.objects.get(run=run, node_id="slow")
    assert _attempts(step) == [(1, "failed", "signal", "lost"), (2, "succeeded", "", "")]
    assert step.failure == "" and step.reason == "" and step.error == ""
    assert set(step.outputs) == {"result1", "result2"}
    assert Artifact.objects.filter(digest__in=[o["digest"] for o in step.outputs.values()]).count() == len(
        {o["digest"] for o in step.outputs.values()})


def test_a_step_whose_child_dies_every_time_stops_after_its_policy_s_attempts(engine, workspace):
    from engine.models import Step

    script = ("import os, signal\n"
              "def azureml_main(dataframe1=None, dataframe2=None):\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n")
    doc = document([script_node("die", script, retry={"max_attempts": 2, "backoff_seconds": 0})], [])
    run = wait_for_run(_submit(workspace, doc).id, timeout=120)
    assert run.status == "failed"
    step = Step.objects.get(run=run, node_id="die")
    assert _attempts(step) == [(1, "failed", "signal", "lost"), (2, "failed", "signal", "lost")]
    assert step.status == "failed" and step.failure == "lost"
    time.sleep(1.0)  # nothing launches a third
    assert step.attempts.count() == 2


# -- the runner: datastore I/O is infrastructure, the code's own I/O error is not -------------------

def _run_here(tmp_path, module: str, params: dict):
    import tests.engine.fixture_modules  # noqa: F401 - registers the fixture.* modules
    from engine.datastore import Datastore
    from engine.runner import run_step
    from engine.stepspec import StepSpec

    store = Datastore(str(tmp_path / "store"))
    spec = StepSpec(attempt_id=1, run_id=1, node_id="n", module=module, version="1", params=params, inputs={},
                    datastore=store.root, workdir=str(tmp_path / "work"))
    os.makedirs(spec.workdir, exist_ok=True)
    return run_step(spec, lambda event: None)


def test_an_io_error_of_the_datastore_storing_an_output_is_an_infrastructure_failure(tmp_path, monkeypatch):
    import errno

    from engine import datastore as datastore_module

    def broken(df, path):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(datastore_module, "write_parquet", broken)
    result = _run_here(tmp_path, "fixture.make_frame", {})
    assert result.status == "failed" and result.reason == "infrastructure", (result.reason, result.error)
    assert "the datastore failed while storing the step's outputs" in result.error and "Input/output" in result.error
    assert failure_class(result.reason, result.error) == "infrastructure"


def test_an_io_error_raised_by_the_step_s_own_code_is_a_user_code_failure(tmp_path):
    script = ("def azureml_main(dataframe1=None, dataframe2=None):\n"
              "    open('/nonexistent/file.csv')\n")
    result = _run_here(tmp_path, "execute_python_script", {"script": script})
    assert result.status == "failed" and result.reason == "error" and "FileNotFoundError" in result.error
    assert failure_class(result.reason, result.error) == "user_code"
