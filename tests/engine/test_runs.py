"""Runs end to end on the real engine: reuse, re-runs, failures, timeouts, parallelism, cancel."""
from __future__ import annotations

import pytest

from designer.services import version_snapshot
from engine import events, services
from engine.models import Run, RunEvent, Step
from engine.selectors import datastore
from tests.conftest import wait_for_run

from .graphs import document, edge, iris_regression, node, script_node

pytestmark = pytest.mark.django_db(transaction=True)


def submit(workspace, doc, **kw) -> Run:
    wait = kw.pop("timeout", 90)
    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    run = services.run_submit(workspace=workspace, version=version, **kw)
    return wait_for_run(run.id, timeout=wait)


def statuses(run: Run) -> dict[str, str]:
    return dict(run.steps.values_list("node_id", "status"))


def test_a_pipeline_runs_and_a_second_identical_submit_launches_no_process(engine, workspace):
    first = submit(workspace, iris_regression())
    assert first.status == "succeeded", first.error
    assert set(statuses(first).values()) == {"succeeded"}
    launched = engine.launches()
    assert launched == 6
    second = submit(workspace, iris_regression())
    assert second.status == "succeeded"
    assert set(statuses(second).values()) == {"cached"}
    assert engine.launches() == launched
    reused = second.steps.get(node_id="train")
    assert reused.reused_from.run_id == first.id and reused.outputs == first.steps.get(node_id="train").outputs


def test_a_change_to_one_node_reruns_only_it_and_what_depends_on_it(engine, workspace):
    submit(workspace, iris_regression(fraction=0.7))
    run = submit(workspace, iris_regression(fraction=0.6))
    assert statuses(run) == {"data": "cached", "learner": "cached", "split": "succeeded",
                             "train": "succeeded", "score": "succeeded", "evaluate": "succeeded"}


def test_a_step_whose_upstream_reran_with_identical_bytes_is_still_reused(engine, workspace):
    doc = iris_regression()
    doc["nodes"][0]["reuse"] = False  # the data step always runs, and always yields the same bytes
    submit(workspace, doc)
    run = submit(workspace, doc)
    got = statuses(run)
    assert got["data"] == "succeeded"
    assert got["split"] == got["train"] == got["evaluate"] == "cached"


def test_force_reruns_every_step(engine, workspace):
    submit(workspace, iris_regression())
    before = engine.launches()
    run = submit(workspace, iris_regression(), force=True)
    assert set(statuses(run).values()) == {"succeeded"}
    assert engine.launches() == before + 6


def test_a_failing_script_fails_the_run_skips_its_dependants_and_keeps_the_traceback(engine, workspace):
    script = "def azureml_main(df1=None, df2=None):\n    x = 1\n    raise ValueError('bad row 7')\n"
    doc = document([node("data", "sample_dataset", name="iris"), script_node("py", script),
                    node("pick", "select_columns", columns=["target"])],
                   [edge("data", "data", "py", "dataset1"), edge("py", "result1", "pick", "data")])
    doc["nodes"][2]["params"] = {"columns": ["target"]}
    run = submit(workspace, doc)
    assert run.status == "failed"
    assert "py" in run.error and "bad row 7" in run.error
    py, pick = run.steps.get(node_id="py"), run.steps.get(node_id="pick")
    assert py.status == "failed" and py.reason == "error"
    assert "ValueError: bad row 7" in py.error
    assert 'File "<script>", line 3' in py.traceback
    assert pick.status == "skipped" and "'py'" in pick.error


def test_an_endless_script_is_killed_at_its_timeout_and_the_run_fails(engine, workspace):
    doc = document([script_node("loop", "def azureml_main(a=None, b=None):\n    while True:\n        pass\n", timeout=1)], [])
    run = submit(workspace, doc, timeout=30)
    step = run.steps.get(node_id="loop")
    assert run.status == "failed"
    assert step.status == "failed" and step.reason == "timeout"
    assert step.duration is not None and step.duration < 10


def test_a_script_reading_the_environment_sees_no_secret(monkeypatch, workspace, transactional_db):
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "s3cr3t-value")
    from engine import executor

    executor.start()
    try:
        script = ("import os, pandas as pd\n"
                  "def azureml_main(a=None, b=None):\n"
                  "    return pd.DataFrame({'name': list(os.environ), 'value': list(os.environ.values())})\n")
        run = submit(workspace, document([script_node("env", script)], []))
    finally:
        executor.stop()
    assert run.status == "succeeded", run.error
    out = run.steps.get(node_id="env").outputs["result1"]
    env = datastore().load(out["digest"], "DataFrame")
    assert not {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "AWS_SECRET_ACCESS_KEY"} & set(env["name"])
    assert not env["value"].str.contains("s3cr3t").any()


def test_two_independent_steps_are_running_at_the_same_time(engine, workspace):
    doc = document([node("a", "sleep", seconds=1.5), node("b", "sleep", seconds=1.5)], [])
    run = submit(workspace, doc)
    a, b = run.steps.get(node_id="a"), run.steps.get(node_id="b")
    assert run.status == "succeeded"
    assert a.started_at < b.finished_at and b.started_at < a.finished_at
    running = list(RunEvent.objects.filter(run=run, type="step.status").values_list("payload", flat=True))
    order = [(p["node"], p["status"]) for p in running if p["status"] in ("running", "succeeded")]
    assert order.index(("b", "running")) < order.index(("a", "succeeded"))
    assert order.index(("a", "running")) < order.index(("b", "succeeded"))


def test_cancel_stops_a_running_step_and_cancels_the_rest(engine, workspace):
    import time

    doc = document([node("slow", "sleep", seconds=60), node("after", "passthrough")], [edge("slow", "data", "after", "data")])
    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    run = services.run_submit(workspace=workspace, version=version)
    deadline = time.monotonic() + 20
    while Step.objects.get(run=run, node_id="slow").status != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    services.run_cancel(run=run)
    run = wait_for_run(run.id, timeout=20)
    assert run.status == "cancelled"
    deadline = time.monotonic() + 20
    while Step.objects.get(run=run, node_id="slow").status == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert statuses(run) == {"slow": "cancelled", "after": "cancelled"}


def test_the_plan_says_which_steps_will_run_or_be_reused_and_why(engine, workspace):
    before = services.plan_explain(workspace=workspace, document=iris_regression())
    assert {p["action"] for p in before} == {"run"}
    submit(workspace, iris_regression())
    after = {p["node"]: p for p in services.plan_explain(workspace=workspace, document=iris_regression(fraction=0.5))}
    assert after["data"]["action"] == "reuse" and "identical step ran" in after["data"]["reason"]
    assert after["split"]["action"] == "run"
    assert after["train"]["action"] == "run" and "'split'" in after["train"]["reason"]
    forced = services.plan_explain(workspace=workspace, document=iris_regression(), force=True)
    assert {p["action"] for p in forced} == {"run"}


def test_events_are_numbered_without_gaps_and_end_with_the_final_status(engine, workspace):
    run = submit(workspace, iris_regression())
    seqs = list(RunEvent.objects.filter(run=run).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)) and events.last_seq(run.id) == len(seqs)
    last = RunEvent.objects.filter(run=run).last()
    assert last.type == "run.status" and last.payload["status"] == "succeeded"
    assert RunEvent.objects.filter(run=run, type="step.metric", payload__node="evaluate").exists()
