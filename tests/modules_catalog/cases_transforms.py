"""The Data Transformation modules (and Apply Transformation) that take a DataFrame, for the "inputs
untouched" test (test_inputs_untouched.py): (module key, factory of every input by port name, params).
The frames hold missing values, text, categories, roles and a non-default index: every path that
could write into an input."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine

from modules_catalog.columns import ROLES_ATTR
from modules_catalog.context import SimpleContext

SPECIES = ["setosa", "versicolor", "virginica"]


def iris() -> pd.DataFrame:
    """iris with species names (text and category), holes, a label role and an index from 100."""
    df = load_iris(as_frame=True).frame
    df["species"] = df["target"].map(dict(enumerate(SPECIES)))
    df["kind"] = df["species"].astype("category")
    df.loc[::13, "sepal width (cm)"] = np.nan
    df.loc[::17, "species"] = None
    df.index = pd.RangeIndex(100, 100 + len(df))
    df.attrs[ROLES_ATTR] = {"target": "label"}
    return df


def diabetes() -> pd.DataFrame:
    return load_diabetes(as_frame=True, scaled=False).frame


def wine() -> pd.DataFrame:
    return load_wine(as_frame=True).frame


def cancer() -> pd.DataFrame:
    return load_breast_cancer(as_frame=True).frame


def data(make: Callable[[], pd.DataFrame]) -> Callable[[], dict[str, Any]]:
    return lambda: {"data": make()}


def summary() -> pd.DataFrame:
    df = iris().groupby("species", as_index=False)["petal length (cm)"].mean()
    df["name"] = df["species"].str.upper()
    return df


def fitted(key: str, make: Callable[[], pd.DataFrame], params: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    """Apply Transformation's inputs: a transform fitted on the first half, and the second half."""
    def inputs() -> dict[str, Any]:
        from modules_catalog.registry import load_builtins

        frame = make()
        half = len(frame) // 2
        transform = load_builtins().get(key).fn(SimpleContext(), data=frame.iloc[:half], **params)["transform"]
        return {"transform": transform, "data": frame.iloc[half:]}
    return inputs


UNTOUCHED: list[tuple[str, Callable[[], dict[str, Any]], dict[str, Any]]] = [
    ("select_columns", data(iris), {"columns": ["species", "target"]}),
    ("clean_missing_data", data(iris), {"mode": "mean"}),
    ("clean_missing_data", data(iris), {"mode": "median", "columns": ["sepal width (cm)"]}),
    ("clean_missing_data", data(iris), {"mode": "constant", "columns": ["species"], "replacement": "unknown"}),
    ("clean_missing_data", data(iris), {"mode": "remove_row"}),
    ("normalize_data", data(iris), {"method": "zscore"}),
    ("normalize_data", data(diabetes), {"method": "minmax", "columns": ["age", "bmi"]}),
    ("split_data", data(iris), {"fraction": 0.6, "seed": 3, "stratify_column": "target"}),
    ("split_data", data(iris), {"mode": "regex", "regex_column": "species", "pattern": "^v"}),
    ("split_data", data(iris), {"mode": "expression", "expression": '"petal length (cm)" > 4 & target != 2'}),
    ("apply_transformation", fitted("clean_missing_data", iris, {"mode": "mean"}), {}),
    ("apply_transformation", fitted("normalize_data", diabetes, {"method": "zscore"}), {}),
    ("apply_transformation", fitted("convert_to_indicator_values", iris,
                                    {"columns": ["species", "kind"], "drop_first": True}), {}),
    ("apply_transformation", fitted("group_data_into_bins", diabetes, {"columns": ["bmi"], "bins": 4}), {}),
    ("convert_to_indicator_values", data(iris), {"columns": ["species", "kind"], "overwrite": True}),
    ("convert_to_indicator_values", data(iris), {"columns": ["target"], "overwrite": False, "drop_first": True}),
    ("group_data_into_bins", data(diabetes), {"columns": ["age", "bmi"], "binning": "quantiles", "bins": 5}),
    ("group_data_into_bins", data(iris), {"columns": ["sepal width (cm)"], "binning": "custom", "edges": "3",
                                          "output": "label", "mode": "append"}),
    ("apply_math_operation", data(diabetes), {"columns": ["bmi", "s1"], "operation": "log"}),
    ("apply_math_operation", data(iris), {"columns": ["sepal width (cm)"], "operation": "divide",
                                          "operand": "column", "operand_column": "petal width (cm)",
                                          "mode": "append"}),
    ("apply_math_operation", data(diabetes), {"columns": ["s5"], "operation": "round", "digits": 1}),
    ("clip_values", data(diabetes), {"columns": ["bmi", "s3"], "replace_with": "median", "indicator": True}),
    ("clip_values", data(iris), {"columns": ["sepal width (cm)"], "threshold": "constant", "clip": "upper",
                                 "upper_value": 3.5, "replace_with": "missing"}),
    ("add_columns", lambda: {"left": iris(), "right": iris()[["target", "species"]]}, {}),
    ("add_rows", lambda: {"first": iris(), "second": iris().iloc[::-1]}, {}),
    ("join_data", lambda: {"left": iris(), "right": summary()},
     {"left_keys": ["species"], "right_keys": ["name"], "join": "full_outer", "case_sensitive": False}),
    ("join_data", lambda: {"left": iris(), "right": summary()},
     {"left_keys": ["species"], "right_keys": ["species"], "join": "left_semi"}),
    ("join_data", lambda: {"left": iris(), "right": summary()},
     {"left_keys": ["species"], "right_keys": ["species"], "join": "inner", "keep_right_keys": True}),
    ("remove_duplicate_rows", data(iris), {"columns": ["species"], "keep": "last"}),
    ("partition_and_sample", data(iris), {"mode": "sample", "rate": 0.3, "stratify_column": "target", "seed": 2}),
    ("partition_and_sample", data(iris), {"mode": "assign_folds", "folds": 3}),
    ("partition_and_sample", data(iris), {"mode": "pick_fold", "folds": 3, "fold": 2, "complement": True}),
    ("partition_and_sample", data(iris), {"mode": "head", "rows": 10}),
    ("smote", data(cancer), {"label_column": "target", "percentage": 100, "neighbours": 5, "seed": 1}),
    ("apply_sql_transformation", lambda: {"t1": iris(), "t2": summary(), "t3": wine()},
     {"query": "SELECT t1.*, t2.name, (SELECT COUNT(*) FROM t3) AS wines FROM t1 LEFT JOIN t2 USING (species)"}),
]
