"""Cases of the "inputs untouched" test (tests/modules_catalog/test_inputs_untouched.py) for the first
built-ins: Clean Missing Data, Normalize Data, Select Columns, Split Data, Train, Score and Evaluate
Model, Execute Python Script and the utilities. (module key, a factory of every input by port name,
params)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from modules_catalog.context import SimpleContext
from modules_catalog.registry import load_builtins, registry


def mixed() -> pd.DataFrame:
    """Numbers with gaps, a text column with gaps, a 0/1 label."""
    rng = np.random.default_rng(5)
    n = 300
    df = pd.DataFrame({
        "a": rng.normal(size=n), "b": rng.integers(0, 9, n).astype("int64"), "c": rng.normal(size=n),
        "kind": rng.choice(["x", "y", "z"], n), "label": rng.integers(0, 2, n),
    })
    df.loc[::11, "a"] = np.nan
    df.loc[::13, "kind"] = None
    df.attrs["source"] = "mixed"  # attrs must come back as they were too
    return df


def floats() -> pd.DataFrame:
    rng = np.random.default_rng(6)
    df = pd.DataFrame(rng.normal(size=(300, 4)), columns=["a", "b", "c", "label"])
    df.loc[::9, "b"] = np.nan
    return df


def labelled() -> pd.DataFrame:
    return floats().fillna(0.0).assign(label=lambda d: (d["label"] > 0).astype(int))


def _learner() -> Any:
    load_builtins()
    return registry.get("logistic_regression").fn(SimpleContext())


def trained(data: pd.DataFrame) -> Any:
    return registry.get("train_model").fn(SimpleContext(), learner=_learner(), data=data, label_column="label")


def scored() -> pd.DataFrame:
    data = labelled()
    return registry.get("score_model").fn(SimpleContext(), model=trained(data), data=data)


def data(make: Callable[[], pd.DataFrame]) -> Callable[[], dict[str, Any]]:
    return lambda: {"data": make()}


# changes its copy of the input in place: the module must have given it a copy
IN_PLACE_SCRIPT = '''\
def azureml_main(dataframe1=None, dataframe2=None):
    dataframe1["a"] = 0.0
    dataframe1.drop(columns=["kind"], inplace=True)
    dataframe2.iloc[0, 0] = -1.0
    return dataframe1, dataframe2
'''

UNTOUCHED: list[tuple[str, Callable[[], dict[str, Any]], dict[str, Any]]] = [
    ("clean_missing_data", data(mixed), {"mode": "mean", "columns": ["a"]}),
    ("clean_missing_data", data(mixed), {"mode": "mode"}),
    ("clean_missing_data", data(mixed), {"mode": "remove_row"}),
    ("clean_missing_data", data(floats), {"mode": "mean"}),
    ("clean_missing_data", data(floats), {"mode": "constant", "replacement": "1.5"}),
    ("normalize_data", data(floats), {"method": "zscore", "columns": ["a", "c"]}),
    ("normalize_data", data(mixed), {"method": "minmax", "columns": ["b", "c"]}),
    ("select_columns", data(mixed), {"columns": ["c", "a"]}),
    ("split_data", data(mixed), {"fraction": 0.6, "seed": 3}),
    ("split_data", data(mixed), {"fraction": 1.0}),
    ("split_data", data(mixed), {"fraction": 0.5, "stratify_column": "label"}),
    ("passthrough", data(mixed), {}),
    ("sleep", data(mixed), {"seconds": 0.0}),
    ("train_model", lambda: {"learner": _learner(), "data": labelled()}, {"label_column": "label"}),
    ("score_model", lambda: {"model": trained(labelled()), "data": floats().fillna(0.0)}, {}),
    ("evaluate_model", lambda: {"data": scored()}, {"label_column": "label"}),
    ("execute_python_script", lambda: {"dataset1": mixed(), "dataset2": floats()}, {"script": IN_PLACE_SCRIPT}),
]
