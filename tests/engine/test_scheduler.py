"""advance() on its own (no engine, no process): the statements one event costs do not grow with the
size of the run, and a wave of reused steps is written and announced as one batch, every event
still numbered and complete."""
from __future__ import annotations


import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from designer.services import version_snapshot
from engine import services
from engine.cache import step_key
from engine.models import CacheEntry, Run, RunEvent, Step
from engine.plan import Plan
from engine.scheduler import advance
from engine.selectors import datastore

from .graphs import passthrough_chain, passthrough_fan

pytestmark = pytest.mark.django_db

OUTPUTS = {"data": {"digest": "ab" * 32, "kind": "DataFrame"}}


class EveryOutputStored:
    def exists(self, digest: str) -> bool:
        return True

    intact = exists  # what the scheduler asks before it reuses a step


def submit(workspace, doc, *, force: bool = False) -> tuple[Run, Plan]:
    version = version_snapshot(workspace=workspace, user=None, document=doc, name=doc["name"])
    run = services.run_submit(workspace=workspace, version=version, force=force)  # no engine: nothing starts
    return run, Plan.from_json(run.plan)


def step_advance(run: Run, plan: Plan, finished: dict | None = None) -> list[str]:
    """advance() once; the node ids it queued."""
    queued: list[str] = []
    advance(run.id, plan=plan, store=EveryOutputStored(), finished=finished,
            enqueue=lambda step_id, ps, digests: queued.append(ps.node_id))
    return queued


def succeed(run: Run, node: str) -> dict:
    """What recording a success writes of the step (the scheduler reads nothing else of it)."""
    Step.objects.filter(run=run, node_id=node).update(status=Step.Status.SUCCEEDED, outputs=OUTPUTS)
    return {node: OUTPUTS}


def queries_of(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def sqlite_instructions(fn) -> int:
    """Virtual-machine instructions SQLite ran for `fn`, to the nearest 10: the work of its
    statements, rows read included, measured without a clock."""
    connection.ensure_connection()
    ticks = [0]

    def tick() -> int:
        ticks[0] += 1
        return 0  # go on

    connection.connection.set_progress_handler(tick, 10)
    try:
        fn()
    finally:
        connection.connection.set_progress_handler(None, 10)
    return ticks[0] * 10


def chain_event_costs(workspace, size: int, measure) -> list[int]:
    """`measure` of the advance after each of the first steps of a forced chain succeeds."""
    run, plan = submit(workspace, passthrough_chain(size), force=True)
    assert step_advance(run, plan) == ["data"]
    counts, node = [], "data"
    for i in range(1, 4):
        finished = succeed(run, node)
        counts.append(measure(lambda: step_advance(run, plan, finished)))
        node = f"p{i}"
        assert Step.objects.get(run=run, node_id=node).status == Step.Status.QUEUED
    return counts


def test_a_chain_steps_event_costs_the_same_statements_in_a_run_of_10_or_400_steps(workspace):
    small, large = chain_event_costs(workspace, 10, queries_of), chain_event_costs(workspace, 400, queries_of)
    assert small == large
    assert len(set(small)) == 1  # and the same for every step


@pytest.mark.skipif(connection.vendor != "sqlite", reason="counts SQLite's own virtual-machine instructions, which "
                    "PostgreSQL has no counterpart of (the statement counts above run on both)")
def test_a_chain_steps_event_reads_no_more_rows_in_a_run_of_400_steps_than_of_10(workspace):
    # a deeper index costs a few instructions more; reading every step of the run costs ~40 times more
    small = chain_event_costs(workspace, 10, sqlite_instructions)
    large = chain_event_costs(workspace, 400, sqlite_instructions)
    assert max(large) <= 1.25 * max(small), (small, large)


def fan_leaf_queries(workspace, size: int) -> tuple[int, int]:
    """Statements of the advance that queues the fan's wave, and of one leaf's success after it."""
    run, plan = submit(workspace, passthrough_fan(size), force=True)
    step_advance(run, plan)
    finished = succeed(run, "data")
    queued: list[str] = []
    wave = queries_of(lambda: queued.extend(step_advance(run, plan, finished)))
    assert sorted(queued) == sorted(f"p{i}" for i in range(1, size))
    leaf = queries_of(lambda: step_advance(run, plan, succeed(run, "p3")))
    return wave, leaf


def test_a_fans_wave_and_a_leafs_event_cost_the_same_statements_for_10_or_400_steps(workspace):
    assert fan_leaf_queries(workspace, 10) == fan_leaf_queries(workspace, 400)


def remember_outputs(workspace, plan: Plan) -> None:
    """Cache entries for the source's key and the pass-throughs' key (all have the same one)."""
    source, first = plan.step("data"), plan.step("p1")
    for key in (step_key(source, {}), step_key(first, {"data": OUTPUTS["data"]["digest"]})):
        CacheEntry.objects.get_or_create(workspace=workspace, key=key, defaults={"outputs": OUTPUTS})


def test_a_fully_reused_fan_costs_the_same_statements_for_10_or_400_steps(workspace):
    counts = []
    for size in (10, 400):
        run, plan = submit(workspace, passthrough_fan(size))
        remember_outputs(workspace, plan)
        counts.append(queries_of(lambda: step_advance(run, plan)))
        assert Run.objects.get(pk=run.pk).status == Run.Status.SUCCEEDED
    assert counts[0] == counts[1]


def test_a_reused_wave_has_one_complete_numbered_event_per_step_and_ends_with_the_final_status(workspace):
    run, plan = submit(workspace, passthrough_fan(50))
    remember_outputs(workspace, plan)
    assert step_advance(run, plan) == []
    events = list(RunEvent.objects.filter(run=run).order_by("seq").values_list("seq", "type", "payload"))
    assert [seq for seq, _, _ in events] == list(range(1, len(events) + 1))
    steps = [p for _, t, p in events if t == "step.status"]
    assert sorted(p["node"] for p in steps) == sorted(["data"] + [f"p{i}" for i in range(1, 50)])
    assert all(p["status"] == "cached" and p["outputs"] == OUTPUTS and p["duration"] == 0.0 and "reused_from" in p
               for p in steps)
    assert [p["status"] for _, t, p in events if t == "run.status"] == ["queued", "running", "succeeded"]
    rows = list(Step.objects.filter(run=run).values_list("status", "outputs", "cache_key"))
    assert all(status == Step.Status.CACHED and outputs == OUTPUTS and key for status, outputs, key in rows)


def test_a_failed_step_skips_only_what_reads_from_it_and_the_run_fails_when_nothing_is_left(workspace):
    run, plan = submit(workspace, passthrough_chain(4), force=True)
    step_advance(run, plan)
    Step.objects.filter(run=run, node_id="data").update(status=Step.Status.FAILED, error="boom")
    step_advance(run, plan, {"data": None})
    assert dict(Step.objects.filter(run=run).values_list("node_id", "status")) == {
        "data": "failed", "p1": "skipped", "p2": "skipped", "p3": "skipped"}
    run.refresh_from_db()
    assert run.status == Run.Status.FAILED and run.error == "step 'data' failed: boom"


def plan_queries(workspace, size: int) -> int:
    doc = passthrough_fan(size)
    run, plan = submit(workspace, doc)
    remember_outputs(workspace, plan)
    items: list = []
    count = queries_of(lambda: items.extend(services.plan_explain(workspace=workspace, document=doc)))
    assert [i["action"] for i in items] == ["reuse"] * size
    return count


def test_the_plan_of_a_fan_reads_the_same_statements_for_10_or_400_steps(workspace, monkeypatch):
    # the explanation asks the datastore whether the outputs are still there, intact: say they are
    monkeypatch.setattr(datastore(), "intact", lambda digest: digest == OUTPUTS["data"]["digest"])
    assert plan_queries(workspace, 10) == plan_queries(workspace, 400)
