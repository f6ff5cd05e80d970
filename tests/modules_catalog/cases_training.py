"""Cases of the "inputs untouched" test for the training, scoring, evaluation, feature selection and
statistics modules: (module key, a factory of every input by port name, params)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from modules_catalog.context import SimpleContext
from modules_catalog.registry import load_builtins, registry


def _run(key: str, **kwargs: Any) -> Any:
    load_builtins()
    return registry.get(key).fn(SimpleContext(seed=2), **kwargs)


def _iris() -> pd.DataFrame:
    from sklearn.datasets import load_iris

    return load_iris(as_frame=True).frame


def _cancer() -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(as_frame=True).frame.iloc[::3].reset_index(drop=True)


def _diabetes() -> pd.DataFrame:
    from sklearn.datasets import load_diabetes

    return load_diabetes(as_frame=True).frame


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    frame.attrs["roles"] = {"target": "label"}  # the label from Edit Metadata
    return frame


def _with_text(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["kind"] = np.where(frame.index % 3 == 0, "a", None)
    frame.loc[::5, frame.columns[0]] = np.nan
    return frame


def _multiclass_model() -> Any:
    return _run("train_model", learner=_run("multiclass_logistic_regression"), data=_iris(), label_column="target")


def _binary_scored() -> pd.DataFrame:
    data = _cancer()
    model = _run("train_model", learner=_run("logistic_regression"), data=data, label_column="target")
    return _run("score_model", model=model, data=data)


def _regression_scored(alpha: float) -> pd.DataFrame:
    from sklearn.linear_model import Ridge

    data = _diabetes()
    model = _run("train_model", learner=Ridge(alpha=alpha), data=data, label_column="target")
    return _run("score_model", model=model, data=data)


def _clusters() -> dict[str, Any]:
    return _run("train_clustering_model", learner=_run("k_means_clustering", n_clusters=3), data=_iris(),
                label_column="target")


UNTOUCHED: list[tuple[str, Callable[[], dict[str, Any]], dict[str, Any]]] = [
    ("train_model", lambda: {"learner": _run("multiclass_logistic_regression"), "data": _labelled(_iris())}, {}),
    ("train_model", lambda: {"learner": _run("linear_regression"), "data": _diabetes()},
     {"label_column": "target", "feature_columns": ["bmi", "bp"]}),
    ("score_model", lambda: {"model": _multiclass_model(), "data": _iris()}, {}),
    ("score_model", lambda: {"model": _clusters()["model"], "data": _iris()}, {}),
    ("evaluate_model", lambda: {"data": _binary_scored()}, {"label_column": "target", "threshold": 0.3}),
    ("evaluate_model", lambda: {"data": _run("score_model", model=_multiclass_model(), data=_iris())},
     {"label_column": "target", "average": "weighted"}),
    ("evaluate_model", lambda: {"data": _regression_scored(0.1), "data2": _regression_scored(10.0)},
     {"label_column": "target"}),
    ("evaluate_model", lambda: {"data": _clusters()["data"]}, {"label_column": "target"}),
    ("train_clustering_model", lambda: {"learner": _run("k_means_clustering", n_clusters=2),
                                        "data": _iris().assign(kind=lambda d: np.where(d.index % 2, "a", "b"))}, {}),
    ("assign_data_to_clusters", lambda: {"model": _clusters()["model"], "data": _iris()}, {"append": True}),
    ("train_anomaly_detection_model", lambda: {"learner": _run("isolation_forest"), "data": _cancer()},
     {"label_column": "target"}),
    ("cross_validate_model", lambda: {"learner": _run("multiclass_logistic_regression"), "data": _iris()},
     {"label_column": "target", "folds": 3}),
    ("cross_validate_model", lambda: {"learner": _run("linear_regression"), "data": _diabetes().assign(part=lambda d: d.index % 4)},
     {"label_column": "target", "fold_column": "part", "feature_columns": ["bmi", "s5"]}),
    ("filter_based_feature_selection", lambda: {"data": _with_text(_diabetes())}, {"target_column": "target", "k": 3}),
    ("filter_based_feature_selection", lambda: {"data": _with_text(_iris())},
     {"target_column": "target", "method": "Count Based", "k": 2}),
    ("filter_based_feature_selection", lambda: {"data": _iris()},
     {"target_column": "target", "method": "Chi Squared", "k": 2}),
    ("permutation_feature_importance", lambda: {"model": _multiclass_model(), "data": _iris()}, {"seed": 1}),
    ("summarize_data", lambda: {"data": _with_text(_iris())}, {}),
    ("compute_linear_correlation", lambda: {"data": _with_text(_iris())}, {}),
]
