"""No built-in module modifies the DataFrames it is given.

Pool workers hand one frame object to several steps (engine/framecache.py), and a module that
returns an input unchanged has it recorded under the input's digest without rewriting it: both
rest on this. The one exception is an `owned` port when the engine says the frame is the step's
own (`ctx.owns`), which SimpleContext never does."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modules_catalog.context import SimpleContext
from modules_catalog.registry import load_builtins, registry


def mixed() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 300
    df = pd.DataFrame({
        "a": rng.normal(size=n), "b": rng.integers(0, 9, n).astype("int64"), "c": rng.normal(size=n),
        "kind": rng.choice(["x", "y", "z"], n), "label": rng.integers(0, 2, n),
    })
    df.loc[::11, "a"] = np.nan
    df.loc[::13, "kind"] = None
    return df


def floats() -> pd.DataFrame:
    rng = np.random.default_rng(6)
    df = pd.DataFrame(rng.normal(size=(300, 4)), columns=["a", "b", "c", "label"])
    df.loc[::9, "b"] = np.nan
    return df


def trained(data: pd.DataFrame):
    learner = registry.get("logistic_regression").fn(SimpleContext())
    return registry.get("train_model").fn(SimpleContext(), learner=learner, data=data, label_column="label")


def scored() -> pd.DataFrame:
    data = floats().fillna(0.0)
    data["label"] = (data["label"] > 0).astype(int)
    return registry.get("score_model").fn(SimpleContext(), model=trained(data), data=data)


CASES = [
    ("clean_missing_data", mixed, {"mode": "mean", "columns": ["a"]}),
    ("clean_missing_data", mixed, {"mode": "mode"}),
    ("clean_missing_data", mixed, {"mode": "remove_row"}),
    ("clean_missing_data", floats, {"mode": "mean"}),
    ("clean_missing_data", floats, {"mode": "constant", "replacement": "1.5"}),
    ("normalize_data", floats, {"method": "zscore", "columns": ["a", "c"]}),
    ("normalize_data", mixed, {"method": "minmax", "columns": ["b", "c"]}),
    ("select_columns", mixed, {"columns": ["c", "a"]}),
    ("split_data", mixed, {"fraction": 0.6, "seed": 3}),
    ("split_data", mixed, {"fraction": 1.0}),
    ("split_data", mixed, {"fraction": 0.5, "stratify_column": "label"}),
    ("passthrough", mixed, {}),
    ("train_model", lambda: floats().fillna(0.0).assign(label=lambda d: (d["label"] > 0).astype(int)),
     {"label_column": "label"}),
    ("score_model", lambda: floats().fillna(0.0), {}),
    ("evaluate_model", scored, {"label_column": "label"}),
]


@pytest.mark.parametrize("key,make,params", CASES, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(CASES)])
def test_a_builtin_leaves_its_dataframe_input_exactly_as_it_was(key, make, params):
    load_builtins()
    data = make()
    before = data.copy(deep=True)
    arrays_before = {name: data[name].to_numpy(copy=True) for name in data.columns}
    extra = {}
    if key == "train_model":
        extra["learner"] = registry.get("logistic_regression").fn(SimpleContext())
    if key == "score_model":
        fitted = data.copy()
        fitted["label"] = (fitted["label"] > 0).astype(int)
        extra["model"] = trained(fitted)
    registry.get(key).fn(SimpleContext(seed=1), data=data, **extra, **params)
    pd.testing.assert_frame_equal(data, before)
    for name, values in arrays_before.items():  # the very arrays, not only equal-looking frames
        np.testing.assert_array_equal(data[name].to_numpy(), values)


def test_every_builtin_with_a_dataframe_input_is_covered():
    load_builtins()
    takes_frames = {m.key for m in registry if not m.user_code and m.key != "sleep"
                    and m.fn.__module__.startswith("modules_catalog.builtins.")  # not the tests' fixtures
                    and any(p.type.value == "DataFrame" for p in m.inputs)}
    assert takes_frames == {key for key, _, _ in CASES}
