"""The modules of helper H4's part of the catalogue that take a DataFrame (Tune Model
Hyperparameters), for the "inputs untouched" test: (module key, a factory returning every input
by port name, params)."""
from __future__ import annotations

from typing import Any, Callable

import pandas as pd


def _learner(key: str, **params: Any) -> Any:
    from modules_catalog.context import SimpleContext
    from modules_catalog.registry import load_builtins

    return load_builtins().get(key).fn(SimpleContext(seed=0), trainer_mode="Parameter Range", **params)


def _cancer() -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(as_frame=True).frame.iloc[:240].copy()


def _diabetes() -> pd.DataFrame:
    from sklearn.datasets import load_diabetes

    return load_diabetes(as_frame=True).frame.iloc[:200].copy()


def _with_validation() -> dict[str, Any]:
    data = _cancer()
    return {"learner": _learner("logistic_regression", C_range=[0.1, 1.0], max_iter=2000),
            "data": data.iloc[:160].reset_index(drop=True), "validation": data.iloc[160:].reset_index(drop=True)}


def _cross_validated() -> dict[str, Any]:
    return {"learner": _learner("linear_regression", l2_regularization_range=[0.0, 1.0]), "data": _diabetes()}


UNTOUCHED: list[tuple[str, Callable[[], dict[str, Any]], dict[str, Any]]] = [
    ("tune_model_hyperparameters", _with_validation, {"label_column": "target", "classification_metric": "AUC"}),
    ("tune_model_hyperparameters", _cross_validated,
     {"label_column": "target", "folds": 3, "sweep_mode": "Random sweep", "max_runs": 2}),
]
