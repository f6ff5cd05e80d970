"""Estimators the learner modules hand out where scikit-learn has none that fits Azure's module:
a quantile regression forest, PCA-based anomaly detection, Poisson regression that says what is
wrong with a label, and one-vs-one classification with probabilities. Each follows scikit-learn's
conventions (get_params / set_params / clone, fit / predict), so Train Model, Tune Model
Hyperparameters and Score Model treat them like any other estimator. Platt scaling that names a
class too small for its folds."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, RegressorMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import PoissonRegressor
from sklearn.multiclass import OneVsOneClassifier

# Fast Forest Quantile Regression predicts this many rows at a time (its search arrays are rows x
# quantiles x a few int64s per chunk)
QUANTILE_CHUNK_ROWS = 20_000


def _label_name(y: Any) -> str:
    name = getattr(y, "name", None)
    return f"label column {str(name)!r}" if name is not None else "the label"


def parse_quantiles(text: Any) -> tuple[float, ...]:
    """'0.25; 0.5; 0.75' (or a list of numbers) as increasing quantile levels strictly inside (0, 1);
    a ValueError says what is wrong."""
    if isinstance(text, str):
        parts = [p.strip() for p in text.replace(",", ";").split(";") if p.strip()]
    elif isinstance(text, (list, tuple)):
        parts = list(text)
    else:
        raise ValueError(f"quantiles must be numbers separated by ';', got {text!r}"[:200])
    if not parts:
        raise ValueError("quantiles must list at least one level, such as 0.25; 0.5; 0.75")
    if len(parts) > 99:
        raise ValueError(f"quantiles lists {len(parts)} levels; at most 99")
    levels = []
    for part in parts:
        try:
            q = float(part)
        except (TypeError, ValueError):
            raise ValueError(f"quantile {str(part)[:40]!r} is not a number") from None
        if not 0 < q < 1:
            raise ValueError(f"quantile {q:g} is not strictly between 0 and 1")
        levels.append(q)
    if len(set(levels)) != len(levels):
        raise ValueError("quantiles lists a level twice")
    return tuple(sorted(levels))


class QuantileForestRegressor(RegressorMixin, BaseEstimator):
    """A quantile regression forest (Meinshausen, 2006): a random forest whose leaves keep the
    training labels that fall in them. The conditional distribution of the label at x is the
    average over trees of the empirical distribution of the labels in x's leaf, each leaf weighted
    equally within its tree; a quantile is the smallest training label where that distribution
    reaches the level.

    `predict_quantiles(X)` returns one column per level of `quantiles` (in its order; the module
    gives them increasing); `predict(X)` the conditional median.
    """

    def __init__(self, quantiles: Sequence[float] = (0.25, 0.5, 0.75), n_estimators: int = 100,
                 max_leaf_nodes: int | None = 20, min_samples_leaf: int = 10, max_samples: float | None = 0.7,
                 max_features: float | str | None = 0.7, bootstrap: bool = True, random_state: Any = None,
                 n_jobs: int | None = None) -> None:
        self.quantiles = quantiles
        self.n_estimators = n_estimators
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.max_samples = max_samples
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: Any, y: Any) -> "QuantileForestRegressor":
        from sklearn.ensemble import RandomForestRegressor

        parse_quantiles(list(self.quantiles))  # valid levels, or a ValueError saying which is not
        target = np.asarray(y, dtype=np.float64).ravel()
        if not np.isfinite(target).all():
            raise ValueError(f"Fast Forest Quantile Regression: {_label_name(y)} holds missing or infinite values")
        self.forest_ = RandomForestRegressor(
            n_estimators=self.n_estimators, max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf, max_features=self.max_features, bootstrap=self.bootstrap,
            max_samples=self.max_samples if self.bootstrap else None, random_state=self.random_state,
            n_jobs=self.n_jobs,
        ).fit(X, target)
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.forest_, name):
                setattr(self, name, getattr(self.forest_, name))
        # every training row (in the bag or not) counts in its leaf, as in Meinshausen's forests
        self.values_ = np.unique(target)  # the candidate quantiles, sorted
        ranks = np.searchsorted(self.values_, target)
        leaves = self.forest_.apply(X)  # rows x trees: the leaf (node id) of each row in each tree
        width = np.int64(len(self.values_))
        # per tree, (leaf, label rank) pairs as one sorted int64 key: a leaf's rows form one run,
        # ordered by label, so "rows of the leaf with a label <= v" is one binary search
        self.keys_ = np.sort(leaves.T.astype(np.int64) * width + ranks, axis=1)
        self.levels_ = tuple(float(q) for q in self.quantiles)
        return self

    def predict_quantiles(self, X: Any) -> np.ndarray:
        """Rows x quantiles: the conditional quantiles of the label, one column per level of
        `quantiles`, in its order."""
        return self._quantiles(X, self.levels_)

    def predict(self, X: Any) -> np.ndarray:
        return self._quantiles(X, (0.5,))[:, 0]

    def _quantiles(self, X: Any, levels: Sequence[float]) -> np.ndarray:
        leaves = self.forest_.apply(X)
        rows = leaves.shape[0]
        out = np.empty((rows, len(levels)), dtype=np.float64)
        width = np.int64(len(self.values_))
        for begin in range(0, rows, QUANTILE_CHUNK_ROWS):
            part = leaves[begin:begin + QUANTILE_CHUNK_ROWS]
            # where each row's leaf starts in each tree's keys, and how many training rows it holds
            bases = part.T.astype(np.int64) * width  # trees x rows
            starts = np.empty_like(bases)
            sizes = np.empty(bases.shape, dtype=np.float64)
            for t in range(self.keys_.shape[0]):
                starts[t] = np.searchsorted(self.keys_[t], bases[t], side="left")
                sizes[t] = np.searchsorted(self.keys_[t], bases[t] + width, side="left") - starts[t]
            for j, level in enumerate(levels):
                out[begin:begin + len(part), j] = self.values_[self._search(bases, starts, sizes, level)]
        return out

    def _search(self, bases: np.ndarray, starts: np.ndarray, sizes: np.ndarray, level: float) -> np.ndarray:
        """Per row, the smallest label rank whose conditional distribution reaches `level`."""
        trees, rows = bases.shape
        low = np.zeros(rows, dtype=np.int64)
        high = np.full(rows, len(self.values_) - 1, dtype=np.int64)
        target = level * trees - 1e-9 * trees  # compare sums, not means, with room for rounding
        while True:
            open_ = low < high
            if not open_.any():
                return low
            mid = (low + high) // 2
            mass = np.zeros(rows, dtype=np.float64)
            for t in range(trees):
                below = np.searchsorted(self.keys_[t], bases[t] + mid, side="right") - starts[t]
                mass += below / sizes[t]
            reached = mass >= target
            high = np.where(open_ & reached, mid, high)
            low = np.where(open_ & ~reached, mid + 1, low)


class PCAAnomalyDetector(OutlierMixin, BaseEstimator):
    """PCA-based anomaly detection: rows far from the principal subspace of the training rows are
    anomalies. The anomaly score is the squared reconstruction error of a row from its first
    `n_components` principal components (after scaling each feature to unit variance when
    `normalize`); a row whose score exceeds the score of all but `contamination` of the training
    rows is an anomaly.

    scikit-learn's conventions: `score_samples` is higher for normal rows (minus the error),
    `decision_function` is negative for anomalies, `predict` gives -1 for an anomaly, 1 otherwise.
    """

    def __init__(self, n_components: int = 2, normalize: bool = False, contamination: float = 0.05,
                 random_state: Any = None) -> None:
        self.n_components = n_components
        self.normalize = normalize
        self.contamination = contamination
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> "PCAAnomalyDetector":
        from sklearn.decomposition import PCA
        from sklearn.preprocessing import StandardScaler

        data = np.asarray(X, dtype=np.float64)
        features = data.shape[1] if data.ndim == 2 else 0
        if not 1 <= self.n_components < features:
            raise ValueError(f"PCA-Based Anomaly Detection: {self.n_components} components of {features} features "
                             "leave no reconstruction error to measure; use fewer components than feature columns")
        if self.n_components > len(data):
            raise ValueError(f"PCA-Based Anomaly Detection: {self.n_components} components need at least as many "
                             f"training rows; got {len(data)}")
        if not 0 <= self.contamination < 1:
            raise ValueError(f"PCA-Based Anomaly Detection: contamination must be from 0 to below 1, "
                             f"got {self.contamination}")
        if hasattr(X, "columns"):
            self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        self.n_features_in_ = features
        self.scaler_ = StandardScaler().fit(data) if self.normalize else None
        scaled = self.scaler_.transform(data) if self.scaler_ is not None else data
        self.pca_ = PCA(n_components=self.n_components, random_state=self.random_state).fit(scaled)
        errors = self._errors(scaled)
        self.threshold_ = float(np.quantile(errors, 1 - self.contamination)) if self.contamination > 0 \
            else float(errors.max())
        return self

    def _errors(self, scaled: np.ndarray) -> np.ndarray:
        rebuilt = self.pca_.inverse_transform(self.pca_.transform(scaled))
        return ((scaled - rebuilt) ** 2).sum(axis=1)

    def reconstruction_error(self, X: Any) -> np.ndarray:
        data = np.asarray(X, dtype=np.float64)
        return self._errors(self.scaler_.transform(data) if self.scaler_ is not None else data)

    def score_samples(self, X: Any) -> np.ndarray:
        return -self.reconstruction_error(X)

    def decision_function(self, X: Any) -> np.ndarray:
        return self.threshold_ - self.reconstruction_error(X)

    def predict(self, X: Any) -> np.ndarray:
        return np.where(self.decision_function(X) < 0, -1, 1)


class PoissonCountRegressor(PoissonRegressor):
    """scikit-learn's PoissonRegressor, refusing a label that is not counts with a message that
    names it (instead of a message about the loss function's range)."""

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "PoissonCountRegressor":
        values = np.asarray(y, dtype=np.float64)
        if not np.isfinite(values).all():
            raise ValueError(f"Poisson Regression: {_label_name(y)} holds missing or infinite values")
        if (values < 0).any():
            raise ValueError(f"Poisson Regression: {_label_name(y)} holds negative values (the smallest is "
                             f"{values.min():g}); Poisson regression predicts counts, which are 0 or more")
        if not (values > 0).any():
            raise ValueError(f"Poisson Regression: {_label_name(y)} holds only zeros; there is no count to model")
        return super().fit(X, y, sample_weight=sample_weight)


class OneVsOneProbaClassifier(OneVsOneClassifier):
    """scikit-learn's OneVsOneClassifier with class probabilities: the probability of class k is
    the average, over the K-1 pairs holding k, of the pair's binary probability of k (Price et al.'s
    simple pairwise coupling; the K probabilities of a row sum to 1). `predict` is the most
    probable class, so the scored label and the probabilities agree."""

    def predict_proba(self, X: Any) -> np.ndarray:
        from scipy.special import expit
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        # as fit saw it (an array: the pairs' classifiers were fitted without column names)
        X = validate_data(self, X, accept_sparse=True, ensure_all_finite=False, reset=False)
        k = len(self.classes_)
        rows = X.shape[0]
        proba = np.zeros((rows, k), dtype=np.float64)
        pair = 0
        for i in range(k):
            for j in range(i + 1, k):
                est = self.estimators_[pair]
                if callable(getattr(est, "predict_proba", None)):
                    p_j = np.asarray(est.predict_proba(X))[:, -1]  # the pair's class 1 is class j
                elif callable(getattr(est, "decision_function", None)):
                    p_j = expit(np.asarray(est.decision_function(X), dtype=np.float64))
                else:
                    p_j = np.asarray(est.predict(X), dtype=np.float64)
                proba[:, i] += 1 - p_j
                proba[:, j] += p_j
                pair += 1
        return proba / (k * (k - 1) / 2) if k > 1 else np.ones((rows, 1))

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class PlattCalibratedClassifier(CalibratedClassifierCV):
    """scikit-learn's CalibratedClassifierCV (Platt scaling on `cv` folds), refusing a label with a
    class too small to appear in every fold with a message that names it (instead of one about
    folds)."""

    def fit(self, X: Any, y: Any, **fit_params: Any) -> "PlattCalibratedClassifier":
        import pandas as pd

        folds = self.cv if isinstance(self.cv, int) else 5
        counts = pd.Series(np.asarray(y)).value_counts()
        if (counts < folds).any():
            small = counts[counts < folds]
            cls = small.index[0].item() if hasattr(small.index[0], "item") else small.index[0]
            raise ValueError(f"{_label_name(y)} has {int(small.iloc[0])} rows of class {cls!r}; turning "
                             f"this learner's scores into probabilities (Platt scaling on {folds} folds) needs at "
                             f"least {folds} rows of each class")
        return super().fit(X, y, **fit_params)
