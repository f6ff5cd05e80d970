"""The pool workers' frame cache: what it keeps, and steps taking their inputs from it."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

import tests.engine.fixture_modules  # noqa: F401 - registers the fixture.* modules
from engine.datastore import Datastore
from engine.framecache import MB, FrameCache, frame_bytes
from engine.runner import run_step
from engine.stepspec import StepSpec


def frame(mb: float) -> pd.DataFrame:
    return pd.DataFrame({"v": np.zeros(int(mb * MB) // 8)})


def test_keeps_the_most_recently_used_frames_within_its_budget():
    cache = FrameCache(budget_mb=3.5)
    a, b, c = frame(1), frame(1), frame(1)
    cache.put("a", a)
    cache.put("b", b)
    assert cache.get("a") is a  # now the most recent
    cache.put("c", c)
    assert cache.bytes <= 3.5 * MB
    cache.put("d", frame(1))  # over budget: the least recently used ("b") goes
    assert "b" not in cache and {"a", "c", "d"} <= set(cache.digests())
    assert cache.bytes == sum(frame_bytes(cache.get(d)) for d in cache.digests())


def test_a_frame_larger_than_the_budget_is_not_kept_and_replacing_one_counts_once():
    cache = FrameCache(budget_mb=1)
    cache.put("big", frame(2))
    assert "big" not in cache and cache.bytes == 0
    small = frame(0.25)
    cache.put("s", small)
    cache.put("s", small)
    assert cache.bytes == frame_bytes(small)
    assert FrameCache(budget_mb=0).digests() == []


def test_take_hands_the_frame_over_and_resize_evicts():
    cache = FrameCache(budget_mb=4)
    a = frame(1)
    cache.put("a", a)
    cache.put("b", frame(1))
    assert cache.take("a") is a and "a" not in cache and cache.take("a") is None
    cache.resize(0.5)
    assert len(cache) == 0 and cache.bytes == 0


# -- run_step with a cache ---------------------------------------------------------------------
@pytest.fixture
def store(tmp_path) -> Datastore:
    return Datastore(str(tmp_path / "ds"))


def spec(store: Datastore, tmp_path, module: str, inputs=None, **params) -> StepSpec:
    return StepSpec(attempt_id=1, run_id=1, node_id="n", module=module, version="1", params=params,
                    inputs={p: {"digest": d, "kind": "DataFrame"} for p, d in (inputs or {}).items()},
                    datastore=store.root, workdir=str(tmp_path))


def numbers(rows: int = 5000) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    df = pd.DataFrame(rng.normal(size=(rows, 4)), columns=["a", "b", "c", "label"])
    df.loc[::7, "a"] = np.nan
    return df


def test_the_next_step_takes_its_input_from_memory_and_stores_the_same_bytes(store, tmp_path):
    source = store.put(numbers(), "DataFrame").digest
    cache = FrameCache(budget_mb=64)
    first = run_step(spec(store, tmp_path, "clean_missing_data", {"data": source}, mode="mean"), lambda e: None, cache)
    assert first.status == "succeeded", first.traceback
    assert first.from_memory_mb == 0  # read from the datastore, then kept
    cleaned = first.outputs["data"]["digest"]
    assert source in cache and cleaned in cache

    os.remove(store.path(cleaned))  # proof that the next step does not read the file
    second = run_step(spec(store, tmp_path, "split_data", {"data": cleaned}, fraction=0.5, seed=1),
                      lambda e: None, cache)
    assert second.status == "succeeded", second.traceback
    assert second.from_memory_mb > 0

    again = run_step(spec(store, tmp_path, "clean_missing_data", {"data": source}, mode="mean"), lambda e: None)
    assert again.outputs["data"]["digest"] == cleaned  # same content, with or without the cache
    uncached = run_step(spec(store, tmp_path, "split_data", {"data": cleaned}, fraction=0.5, seed=1), lambda e: None)
    assert {p: o["digest"] for p, o in uncached.outputs.items()} == \
        {p: o["digest"] for p, o in second.outputs.items()}


def test_an_owned_input_is_taken_out_of_the_cache_and_never_shared(store, tmp_path):
    data = store.put(numbers().fillna(0.0), "DataFrame").digest
    learner = store.put(__import__("sklearn.linear_model").linear_model.LinearRegression(), "UntrainedModel").digest
    cache = FrameCache(budget_mb=64)
    held = store.load(data, "DataFrame")
    cache.put(data, held)
    step = StepSpec(attempt_id=1, run_id=1, node_id="train", module="train_model", version="1",
                    params={"label_column": "label"},
                    inputs={"data": {"digest": data, "kind": "DataFrame"},
                            "learner": {"digest": learner, "kind": "UntrainedModel"}},
                    datastore=store.root, workdir=str(tmp_path))
    result = run_step(step, lambda e: None, cache)
    assert result.status == "succeeded", result.traceback
    assert data not in cache  # Train Model took it over (and emptied it to free the memory)
    assert held.shape[1] == 0 and result.from_memory_mb > 0
    # without a cache, the frame loaded for the step is its own as well: same model either way
    fresh = run_step(step, lambda e: None)
    model_a = store.load(result.outputs["model"]["digest"], "Model")
    model_b = store.load(fresh.outputs["model"]["digest"], "Model")
    np.testing.assert_array_equal(model_a.estimator.coef_, model_b.estimator.coef_)


def test_user_code_never_reads_from_or_fills_the_cache(store, tmp_path):
    data = store.put(pd.DataFrame({"v": [1.0, 2.0]}), "DataFrame").digest
    cache = FrameCache(budget_mb=64)
    poisoned = pd.DataFrame({"v": [99.0, 99.0]})
    cache.put(data, poisoned)
    script = "def azureml_main(df1=None, df2=None):\n    df1['v'] += 1\n    return df1,\n"
    step = StepSpec(attempt_id=1, run_id=1, node_id="s", module="execute_python_script", version="1",
                    params={"script": script}, inputs={"dataset1": {"digest": data, "kind": "DataFrame"}},
                    datastore=store.root, workdir=str(tmp_path), user_code=True)
    result = run_step(step, lambda e: None, cache)
    assert result.status == "succeeded", result.traceback
    out = store.load(result.outputs["result1"]["digest"], "DataFrame")
    assert out["v"].tolist() == [2.0, 3.0]  # computed from the stored bytes, not the cached object
    assert cache.get(data) is poisoned and poisoned["v"].tolist() == [99.0, 99.0]
    assert result.outputs["result1"]["digest"] not in cache


def test_a_builtin_returning_its_input_unchanged_is_not_written_again(store, tmp_path, monkeypatch):
    source = store.put(pd.DataFrame({"v": range(100)}), "DataFrame")

    def no_write(self, df):
        raise AssertionError("the unchanged input was written again")

    monkeypatch.setattr(Datastore, "put_dataframe", no_write)
    for cache in (FrameCache(budget_mb=8), None):
        result = run_step(spec(store, tmp_path, "passthrough", {"data": source.digest}), lambda e: None, cache)
        assert result.status == "succeeded", result.traceback
        assert result.outputs["data"]["digest"] == source.digest
