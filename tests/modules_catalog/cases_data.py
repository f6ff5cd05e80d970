"""The Data Input and Output and Edit Metadata modules that take a DataFrame, for the "inputs untouched"
test (test_inputs_untouched.py): (module key, factory of every input by port name, params)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd
from sklearn.datasets import load_iris, load_wine

from modules_catalog.columns import ROLES_ATTR


def wine() -> pd.DataFrame:
    return load_wine(as_frame=True).frame


def iris_text() -> pd.DataFrame:
    """iris with species names (text), some missing values and a label role: every path of Edit Metadata."""
    iris = load_iris(as_frame=True)
    df = iris.frame.drop(columns="target")
    df["species"] = [iris.target_names[t] for t in iris.target]
    df["code"] = iris.target.astype(str)
    df.loc[::17, "sepal width (cm)"] = np.nan
    df.attrs[ROLES_ATTR] = {"species": "label"}
    return df


def data(make: Callable[[], pd.DataFrame]) -> Callable[[], dict[str, Any]]:
    return lambda: {"data": make()}


# modules that write a file into ctx.workdir: give them a context whose workdir is a temporary folder
NEEDS_WORKDIR = frozenset({"convert_to_csv"})

UNTOUCHED: list[tuple[str, Callable[[], dict[str, Any]], dict[str, Any]]] = [
    ("edit_metadata", data(iris_text), {"columns": ["species"], "data_type": "category", "role": "feature"}),
    ("edit_metadata", data(iris_text), {"columns": ["code"], "data_type": "int", "role": "label"}),
    ("edit_metadata", data(iris_text), {"columns": ["sepal width (cm)", "petal width (cm)"], "data_type": "string",
                                        "new_names": "sw, pw"}),
    ("edit_metadata", data(iris_text), {"columns": ["species"], "categorical": "categorical", "role": "none"}),
    ("edit_metadata", data(wine), {"columns": ["proline", "magnesium"], "data_type": "int", "role": "weight"}),
    ("edit_metadata", data(wine), {"columns": ["target"], "data_type": "float",
                                   "categorical": "categorical"}),
    ("select_columns_transform", data(iris_text), {}),
    ("export_data", data(wine), {"name": "wine_copy"}),
    ("convert_to_csv", data(iris_text), {}),
    ("import_data", lambda: {"file": wine()}, {}),
]
