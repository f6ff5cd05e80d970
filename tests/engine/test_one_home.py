"""One place for each thing on the engine's hot path: plain SQL in engine/rows.py, one datastore
handle per process and root, a step's log stored once (as its run's events), and the step limits'
defaults written once."""
from __future__ import annotations

import pathlib
import re

import pytest
from django.conf import settings

from designer.services import version_snapshot
from engine import services
from engine.compiler import ServerLimits
from engine.datastore import open_datastore
from engine.models import RunEvent, Step
from engine.selectors import datastore, step_detail
from engine.stepspec import DEFAULT_CPU_SECONDS_MAX, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, StepSpec
from tests.conftest import wait_for_run

from .graphs import document, edge, node, script_node

ENGINE = pathlib.Path(__file__).resolve().parents[2] / "engine"
SQL = re.compile(r"""["'](?:SELECT|UPDATE|INSERT INTO|DELETE FROM)\s""")


def test_plain_sql_is_written_in_rows_py_only():
    found = [f"{path.relative_to(ENGINE)}:{n}" for path in ENGINE.rglob("*.py")
             if path.name != "rows.py" and "migrations" not in path.parts
             for n, line in enumerate(path.read_text().splitlines(), 1) if SQL.search(line)]
    assert found == []


def test_one_datastore_handle_per_root(tmp_path):
    assert open_datastore(str(tmp_path)) is open_datastore(str(tmp_path / "." ))
    assert datastore() is open_datastore(settings.DATASTORE_ROOT) is open_datastore()
    assert open_datastore(str(tmp_path / "other")) is not open_datastore(str(tmp_path))


def test_the_step_limits_default_to_one_set_of_numbers(settings):
    spec = StepSpec(attempt_id=1, run_id=1, node_id="n", module="m", version="1", params={}, inputs={},
                    datastore="d", workdir="w")
    assert (spec.timeout, spec.memory_mb) == (DEFAULT_TIMEOUT, DEFAULT_MEMORY_MB)
    limits = ServerLimits()
    assert (limits.timeout, limits.memory_mb, limits.cpu_seconds) == \
        (DEFAULT_TIMEOUT, DEFAULT_MEMORY_MB, DEFAULT_CPU_SECONDS_MAX)


@pytest.mark.django_db(transaction=True)
def test_a_steps_log_is_stored_once_as_events_and_read_back_whole(engine, workspace):
    assert "log" not in {f.name for f in Step._meta.get_fields()}
    script = ("def azureml_main(dataframe1=None, dataframe2=None):\n"
              "    for i in range(3):\n"
              "        print(f'line {i}', flush=True)\n"
              "    return dataframe1,\n")
    doc = document([node("data", "sample_dataset", name="iris"), script_node("script", script)],
                   [edge("data", "data", "script", "dataset1")])
    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    run = wait_for_run(services.run_submit(workspace=workspace, version=version).id, timeout=90)
    assert run.status == "succeeded", run.error
    texts = [e.payload["text"] for e in RunEvent.objects.filter(run=run, type="step.log").order_by("seq")
             if e.payload["node"] == "script"]
    log = step_detail(run.steps.get(node_id="script"))["log"]
    assert log == "".join(texts)
    assert [line for line in log.splitlines() if line.startswith("line ")] == ["line 0", "line 1", "line 2"]
