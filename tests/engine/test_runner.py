"""run_step in-process: outputs stored and loadable, failures explained, ctx calls reported."""
from __future__ import annotations

import errno
import os

import pandas as pd
import pytest

import tests.engine.fixture_modules  # noqa: F401 - registers the fixture.* modules
from engine.datastore import Datastore
from engine.runner import run_step
from engine.stepspec import StepSpec


@pytest.fixture
def store(tmp_path) -> Datastore:
    return Datastore(str(tmp_path / "ds"))


def make_spec(store: Datastore, tmp_path, module: str, *, inputs=None, params=None, **kw) -> StepSpec:
    return StepSpec(attempt_id=7, run_id=1, node_id="n1", module=module, version="1", params=params or {},
                    inputs=inputs or {}, datastore=store.root, workdir=str(tmp_path), **kw)


def run(spec: StepSpec):
    events: list[dict] = []
    return run_step(spec, events.append), events


def test_outputs_are_stored_and_loadable(store, tmp_path):
    result, _ = run(make_spec(store, tmp_path, "fixture.make_frame", params={"rows": 4}, seed=42))
    assert result.status == "succeeded", result.traceback
    out = result.outputs["result"]
    assert out["kind"] == "DataFrame" and out["meta"]["rows"] == 4
    frame = store.load(out["digest"], "DataFrame")
    assert frame["x"].tolist() == [0, 1, 2, 3]
    assert set(frame["seed"]) == {42}
    assert result.duration > 0 and result.peak_rss_mb > 0


def test_inputs_are_loaded_by_digest_and_several_outputs_stored_by_kind(store, tmp_path):
    data = store.put(pd.DataFrame({"v": range(10)}), "DataFrame")
    spec = make_spec(store, tmp_path, "fixture.split", inputs={"data": {"digest": data.digest, "kind": "DataFrame"}})
    result, _ = run(spec)
    assert result.status == "succeeded", result.traceback
    assert set(result.outputs) == {"head", "tail", "stats"}
    assert store.load(result.outputs["tail"]["digest"], "DataFrame")["v"].tolist() == [5, 6, 7, 8, 9]
    assert result.outputs["stats"]["kind"] == "Metrics"
    assert store.load(result.outputs["stats"]["digest"], "Metrics") == {"rows": 10}


def test_a_builtin_runs_with_its_declared_ports(store, tmp_path):
    data = store.put(pd.DataFrame({"a": [1, 2]}), "DataFrame")
    result, events = run(make_spec(store, tmp_path, "passthrough",
                                   inputs={"data": {"digest": data.digest, "kind": "DataFrame"}}))
    assert result.status == "succeeded", result.traceback
    assert result.outputs["data"]["digest"] == data.digest  # same bytes, same content address


def test_a_failing_module_gives_reason_error_and_a_traceback_through_its_code(store, tmp_path):
    result, _ = run(make_spec(store, tmp_path, "fixture.fail"))
    assert result.status == "failed" and result.reason == "error"
    assert result.error == "ValueError: the fixture failed on purpose"
    assert "_deep_failure" in result.traceback and "fixture_modules.py" in result.traceback
    assert "run_step" not in result.traceback  # the runner's own frames are trimmed


def test_a_user_script_error_shows_the_users_lines(store, tmp_path):
    script = "def azureml_main(dataframe1=None, dataframe2=None):\n    return helper()\n\ndef helper():\n    return 1 / 0\n"
    result, _ = run(make_spec(store, tmp_path, "execute_python_script", params={"script": script}, user_code=True))
    assert result.status == "failed" and result.reason == "error"
    assert result.error == "ZeroDivisionError: division by zero"
    assert "in helper" in result.traceback and "return 1 / 0" in result.traceback


def test_a_missing_output_is_an_error(store, tmp_path):
    result, _ = run(make_spec(store, tmp_path, "fixture.missing_output"))
    assert result.status == "failed" and result.reason == "error"
    assert "did not produce its output 'second'" in result.error
    assert result.outputs == {}


def test_a_missing_required_input_and_an_unknown_module_are_errors(store, tmp_path):
    result, _ = run(make_spec(store, tmp_path, "fixture.split"))
    assert result.reason == "error" and "required input 'data'" in result.error
    result, _ = run(make_spec(store, tmp_path, "no.such.module"))
    assert result.reason == "error" and result.error.startswith("UnknownModule:")


def test_memory_error_is_reason_memory(store, tmp_path):
    result, _ = run(make_spec(store, tmp_path, "fixture.oom"))
    assert result.status == "failed" and result.reason == "memory"
    assert result.error.startswith("MemoryError")


def test_ctx_reports_logs_metrics_progress_and_loads_datasets(store, tmp_path, capsys):
    registered = store.put(pd.DataFrame({"x": [5, 6]}), "DataFrame")
    ref = {"name": "iris", "version": 1, "digest": registered.digest}
    result, events = run(make_spec(store, tmp_path, "fixture.report", params={"dataset": ref}))
    assert result.status == "succeeded", result.traceback
    kinds = [e["kind"] for e in events]
    assert kinds == ["log", "progress", "metric", "metric"]
    assert all(e["attempt_id"] == 7 for e in events)
    assert events[0]["text"] == "starting the report\n"
    assert events[1]["fraction"] == 0.5 and events[1]["message"] == "half way"
    assert result.metrics == [{"name": "accuracy", "value": 0.75, "step": None},
                              {"name": "loss", "value": 0.5, "step": 3}]
    assert store.load(result.outputs["result"]["digest"], "DataFrame")["x"].tolist() == [5, 6]
    assert "starting the report" in capsys.readouterr().out


def test_a_script_returning_zero_rows_with_a_text_column_succeeds(store, tmp_path):
    script = ("import pandas as pd\n"
              "def azureml_main(dataframe1=None, dataframe2=None):\n"
              "    return pd.DataFrame({'name': pd.Series([], dtype=object), 'x': pd.Series([], dtype=float)})\n")
    result, _ = run(make_spec(store, tmp_path, "execute_python_script", params={"script": script}, user_code=True))
    assert result.status == "succeeded", result.error
    out = store.load(result.outputs["result1"]["digest"], "DataFrame")
    assert list(out.columns) == ["name", "x"] and len(out) == 0


def test_a_full_disk_while_storing_an_output_fails_with_reason_disk(store, tmp_path, monkeypatch):
    from engine import datastore as datastore_module

    def full(df, path):
        with open(path, "wb") as fh:
            fh.write(b"half")
        raise OSError(errno.ENOSPC, "Error writing bytes to file. Detail: [errno 28] No space left on device")

    monkeypatch.setattr(datastore_module, "write_parquet", full)
    result, _ = run(make_spec(store, tmp_path, "fixture.make_frame"))
    assert result.status == "failed" and result.reason == "disk"
    assert result.error.startswith("no space left on device")
    assert os.listdir(os.path.join(store.root, "tmp")) == [] and os.listdir(os.path.join(store.root, "objects")) == []
