"""Fitted objects that modules hand to one another (trained models, data transforms), pickled by the
datastore and reused by scoring services, plus the column checks they share with the modules."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

SCORED_LABEL = "scored_label"
SCORED_PROBABILITY = "scored_probability"
ASSIGNMENTS = "assignments"  # a clustering model's cluster of each row
# the columns a model's scores add, by prefix: one per class, per quantile, per centroid
PROBABILITY_PREFIX = "scored_probability_"
QUANTILE_PREFIX = "scored_quantile_"
DISTANCE_PREFIX = "distance_to_centroid_"
# what a trained model does; "classification" is what models pickled before tasks were split say
MODEL_TASKS = ("binary", "multiclass", "regression", "quantile", "clustering", "anomaly")
_REFERENCE_POINTS = 1001  # an anomaly detector keeps this many quantiles of its training scores
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

    `task` (MODEL_TASKS) says which columns scoring adds:

    - binary: `scored_label`, and `scored_probability`, the probability of the larger class;
    - multiclass: `scored_label`, `scored_probability` (of the scored label) and one
      `scored_probability_<class>` column per class;
    - regression: `scored_label`; a regressor with `predict_quantiles(X)` (a quantile regression
      forest) also one `scored_quantile_<q>` column per quantile;
    - clustering: `assignments` and, when the estimator measures them, `distance_to_centroid_<i>`;
    - anomaly: `scored_label` (1: an anomaly, 0: not) and `scored_probability`, the share of the
      training rows less anomalous than the row.

    Models pickled before tasks were split say "classification": they score as binary or
    multiclass by their number of classes.
    """

    # defaults for models pickled before these existed (unpickling sets only what was saved)
    reference_scores: Any = None
    learner_name: str = ""

    def __init__(self, estimator: Any, label_column: str | None, features: list[str], task: str,
                 *, learner_name: str = "") -> None:
        self.estimator = estimator
        self.label_column = label_column
        self.features = list(features)
        self.task = task
        self.learner_name = learner_name

    @property
    def classes(self) -> list[Any] | None:
        classes = getattr(self.estimator, "classes_", None)
        return None if classes is None else classes.tolist()

    @property
    def kind(self) -> str:
        """The task as scoring sees it (MODEL_TASKS), old models' "classification" included."""
        task = self.task
        if task == "classification":
            return "binary" if len(self.classes or ()) <= 2 else "multiclass"
        if task == "regression" and callable(getattr(self.estimator, "predict_quantiles", None)):
            return "quantile"
        return task

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        return self.estimator.get_params(deep=deep)

    def feature_frame(self, df: pd.DataFrame, *, module: str = "Score Model") -> pd.DataFrame:
        require_columns(df, self.features, what="feature column")
        X = df[self.features]
        for name in self.features:
            if not is_numeric_series(X[name]):
                from .checks import TYPE_WORDS
                from .schema import dtype_kind

                kind = dtype_kind(X[name].dtype)
                raise ValueError(f"feature column {name!r} is not numeric: it holds {TYPE_WORDS.get(kind, kind)}, and "
                                 f"{module} needs numbers; encode it with Convert to Indicator Values, or leave it "
                                 "out with Select Columns")
            missing = int(X[name].isna().sum())
            if missing:
                raise ValueError(f"feature column {name!r} has {missing} missing values; "
                                 "clean them first (Clean Missing Data)")
        return X

    def fit_reference(self, X: pd.DataFrame) -> None:
        """An anomaly detector: remember quantiles of its training rows' anomaly scores, which turn a
        new row's score into `scored_probability`."""
        scores = np.sort(self._anomaly_scores(X))
        if len(scores) > _REFERENCE_POINTS:
            scores = np.quantile(scores, np.linspace(0, 1, _REFERENCE_POINTS))
        self.reference_scores = scores

    def predict_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """Only the columns scoring adds, for the rows of `df` (same index)."""
        X = self.feature_frame(df)
        kind, est = self.kind, self.estimator
        out: dict[str, Any] = {}
        if kind == "clustering":
            out[ASSIGNMENTS] = np.asarray(est.predict(X))
            if callable(getattr(est, "transform", None)):
                distances = np.asarray(est.transform(X), dtype=np.float64)
                for i in range(distances.shape[1]):
                    out[f"{DISTANCE_PREFIX}{i}"] = distances[:, i]
        elif kind == "anomaly":
            out[SCORED_LABEL] = self._anomaly_labels(X)
            scores = self._anomaly_scores(X)
            if self.reference_scores is not None and len(self.reference_scores):
                out[SCORED_PROBABILITY] = np.searchsorted(self.reference_scores, scores, side="right") / len(
                    self.reference_scores)
            else:
                out[SCORED_PROBABILITY] = scores
        else:
            out[SCORED_LABEL] = est.predict(X)
            if kind in ("binary", "multiclass") and callable(getattr(est, "predict_proba", None)):
                proba = np.asarray(est.predict_proba(X), dtype=np.float64)
                if proba.shape[1] == 2:
                    out[SCORED_PROBABILITY] = proba[:, 1]
                else:
                    out[SCORED_PROBABILITY] = proba.max(axis=1)
                    for i, cls in enumerate(self.classes or range(proba.shape[1])):
                        out[f"{PROBABILITY_PREFIX}{cls}"] = proba[:, i]
            if kind == "quantile":
                out.update(self._quantiles(X))
        return pd.DataFrame(out, index=df.index)

    def score(self, df: pd.DataFrame) -> pd.DataFrame:
        added = self.predict_frame(df)
        # a column of an earlier scoring is replaced (and moves to the end, where the schema says)
        kept = [c for c in df.columns if c not in added.columns]
        out = df[kept].copy(deep=False) if len(kept) < len(df.columns) else df.copy(deep=False)
        for name in added.columns:  # new columns only: the input's own columns are shared, not copied
            out[name] = added[name].to_numpy()
        return out

    def _quantiles(self, X: pd.DataFrame) -> dict[str, np.ndarray]:
        values = self.estimator.predict_quantiles(X)
        if isinstance(values, pd.DataFrame):
            names, array = [str(c) for c in values.columns], values.to_numpy(dtype=np.float64)
        else:
            array = np.asarray(values, dtype=np.float64).reshape(len(X), -1)
            levels = getattr(self.estimator, "levels_", None)  # the order predict_quantiles answers in
            levels = getattr(self.estimator, "quantiles", None) if levels is None else levels
            if levels is None or len(levels) != array.shape[1]:
                levels = range(array.shape[1])
            names = [f"{q:g}" if isinstance(q, float) else str(q) for q in levels]
        return {f"{QUANTILE_PREFIX}{name}": array[:, i] for i, name in enumerate(names)}

    def _anomaly_scores(self, X: pd.DataFrame) -> np.ndarray:
        """Higher is more anomalous: scikit-learn's outlier detectors score normality, so negated."""
        est = self.estimator
        if callable(getattr(est, "score_samples", None)):
            return -np.asarray(est.score_samples(X), dtype=np.float64)
        if callable(getattr(est, "decision_function", None)):
            return -np.asarray(est.decision_function(X), dtype=np.float64)
        return self._anomaly_labels(X).astype(np.float64)

    def _anomaly_labels(self, X: pd.DataFrame) -> np.ndarray:
        """1 for an anomaly, 0 otherwise, from scikit-learn's -1 (outlier) / 1 (inlier)."""
        return (np.asarray(self.estimator.predict(X)) == -1).astype(np.int64)

    def __repr__(self) -> str:
        return (f"TrainedModel({type(self.estimator).__name__}, task={self.task!r}, "
                f"label_column={self.label_column!r}, features={len(self.features)})")
