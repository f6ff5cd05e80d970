"""Fitted objects that modules hand to one another (trained models, data transforms), pickled by the
datastore and reused by scoring services, plus the column checks they share with the modules."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

SCORED_LABEL = "scored_label"
SCORED_PROBABILITY = "scored_probability"
_SHOWN_COLUMNS = 20


def describe_columns(columns: Iterable[Any]) -> str:
    names = [str(c) for c in columns]
    shown = ", ".join(names[:_SHOWN_COLUMNS])
    if len(names) > _SHOWN_COLUMNS:
        shown += f", … ({len(names) - _SHOWN_COLUMNS} more)"
    return shown or "(no columns)"


def require_columns(df: pd.DataFrame, names: Sequence[str], *, what: str = "column") -> None:
    """Raise a ValueError naming the first of `names` that `df` lacks, and the columns it has."""
    for name in names:
        if name not in df.columns:
            raise ValueError(f"{what} {name!r} is not in the input; it has: {describe_columns(df.columns)}")


def is_numeric_series(s: pd.Series) -> bool:
    """Numbers a model or a scaler can use: ints, floats and bools."""
    return pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)


class Transform:
    """A fitted data transformation: `apply(df)` does to new data what was done to the training data."""

    columns: list[str]

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        raise NotImplementedError

    def __call__(self, df: pd.DataFrame) -> pd.DataFrame:
        return self.apply(df)


class CleanMissingTransform(Transform):
    """Fill (or drop rows with) missing values of `columns` using values fitted once."""

    def __init__(self, columns: list[str], mode: str, fill_values: dict[str, Any]) -> None:
        self.columns = list(columns)
        self.mode = mode
        self.fill_values = dict(fill_values)

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        require_columns(df, self.columns)
        if self.mode == "remove_row":
            return df.dropna(subset=self.columns).reset_index(drop=True)
        if len(df.columns) and (df.dtypes == np.float64).all() and df.columns.is_unique:
            return _fill_floats(df, {name: self.fill_values[name] for name in self.columns})
        out = df.copy()
        for name in self.columns:
            out[name] = _fill(out[name], self.fill_values[name])
        return out

    def __repr__(self) -> str:
        return f"CleanMissingTransform(mode={self.mode!r}, columns={self.columns!r})"


def _fill_floats(df: pd.DataFrame, fills: dict[str, Any]) -> pd.DataFrame:
    """An all-float64 frame (the common numeric case) filled in one copy instead of one per column."""
    values = df.to_numpy(dtype=np.float64, copy=True)
    fill = np.array([float(fills[c]) if c in fills else np.nan for c in df.columns])
    np.copyto(values, np.broadcast_to(fill, values.shape), where=np.isnan(values))
    return pd.DataFrame(values, index=df.index, columns=df.columns, copy=False)


def _fill(s: pd.Series, value: Any) -> pd.Series:
    if not s.isna().any():
        return s
    if pd.api.types.is_integer_dtype(s.dtype) and not float(value).is_integer():
        s = s.astype("Float64")  # a nullable int column filled with a fractional mean
    if isinstance(s.dtype, pd.CategoricalDtype) and value not in s.cat.categories:
        s = s.cat.add_categories([value])
    return s.fillna(value)


class NormalizeTransform(Transform):
    """Rescale `columns` with a fitted scikit-learn scaler (StandardScaler or MinMaxScaler)."""

    def __init__(self, columns: list[str], method: str, scaler: Any) -> None:
        self.columns = list(columns)
        self.method = method
        self.scaler = scaler

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        require_columns(df, self.columns)
        out = df.copy()
        if self.columns:
            values = self.scaler.transform(df[self.columns].astype(float).to_numpy())
            for i, name in enumerate(self.columns):
                out[name] = values[:, i]
        return out

    def __repr__(self) -> str:
        return f"NormalizeTransform(method={self.method!r}, columns={self.columns!r})"


class TrainedModel:
    """A fitted estimator with the columns it was trained on; `score(df)` adds the prediction columns.

    `task` is "classification" or "regression". Classifiers with `predict_proba` also produce
    `scored_probability`: the probability of the larger class for two classes, the highest class
    probability otherwise.
    """

    def __init__(self, estimator: Any, label_column: str, features: list[str], task: str) -> None:
        self.estimator = estimator
        self.label_column = label_column
        self.features = list(features)
        self.task = task

    @property
    def classes(self) -> list[Any] | None:
        classes = getattr(self.estimator, "classes_", None)
        return None if classes is None else classes.tolist()

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        return self.estimator.get_params(deep=deep)

    def feature_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        require_columns(df, self.features, what="feature column")
        X = df[self.features]
        for name in self.features:
            if not is_numeric_series(X[name]):
                raise ValueError(f"feature column {name!r} is not numeric (it holds {X[name].dtype})")
            missing = int(X[name].isna().sum())
            if missing:
                raise ValueError(f"feature column {name!r} has {missing} missing values; "
                                 "clean them first (Clean Missing Data)")
        return X

    def score(self, df: pd.DataFrame) -> pd.DataFrame:
        X = self.feature_frame(df)
        out = df.copy(deep=False)  # new columns only: the input's own columns are shared, not copied
        out[SCORED_LABEL] = self.estimator.predict(X)
        if self.task == "classification" and hasattr(self.estimator, "predict_proba"):
            proba = self.estimator.predict_proba(X)
            out[SCORED_PROBABILITY] = proba[:, 1] if proba.shape[1] == 2 else proba.max(axis=1)
        return out

    def __repr__(self) -> str:
        return (f"TrainedModel({type(self.estimator).__name__}, task={self.task!r}, "
                f"label_column={self.label_column!r}, features={len(self.features)})")
