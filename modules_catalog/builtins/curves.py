"""The points Evaluate Model hands to the results panel's charts: ROC and precision-recall curves of
a binary classifier, actual and predicted values of a regressor; finite numbers only (JSON has no NaN)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

# a chart of more points than this draws nothing more than a chart of this many does
MAX_CURVE_POINTS = 500
MAX_RESIDUAL_POINTS = 2_000


def classifier_curves(y_positive: pd.Series | np.ndarray, proba: pd.Series | np.ndarray) -> dict[str, Any]:
    """`roc` and `pr` of scores `proba` for the booleans `y_positive` (True: the positive class).

    Every array of a curve has one entry per point; a point with no threshold (ROC's first, where
    nothing is predicted positive; PR's last, recall 0) has the threshold null."""
    from sklearn import metrics as skm

    y_true = np.asarray(y_positive, dtype=bool)
    scores = np.asarray(proba, dtype=np.float64)
    fpr, tpr, roc_thresholds = skm.roc_curve(y_true, scores)
    precision, recall, pr_thresholds = skm.precision_recall_curve(y_true, scores)
    pr_thresholds = np.append(pr_thresholds, np.inf)  # sklearn gives none for the final point
    roc_keep = thin_indices(fpr, tpr, MAX_CURVE_POINTS)
    pr_keep = thin_indices(recall, precision, MAX_CURVE_POINTS)
    return {
        "roc": {"fpr": _finite(fpr[roc_keep]), "tpr": _finite(tpr[roc_keep]),
                "thresholds": _finite(roc_thresholds[roc_keep]), "auc": _number(skm.auc(fpr, tpr))},
        "pr": {"recall": _finite(recall[pr_keep]), "precision": _finite(precision[pr_keep]),
               "thresholds": _finite(pr_thresholds[pr_keep]),
               "average_precision": _number(skm.average_precision_score(y_true, scores))},
    }


def regression_residuals(actual: pd.Series, predicted: pd.Series, *, seed: int) -> dict[str, Any]:
    """At most MAX_RESIDUAL_POINTS (actual, predicted) pairs, a sample drawn with `seed`, in row
    order; rows where either value is not a finite number are left out."""
    a = np.asarray(actual, dtype=np.float64)
    p = np.asarray(predicted, dtype=np.float64)
    rows = np.flatnonzero(np.isfinite(a) & np.isfinite(p))
    if len(rows) > MAX_RESIDUAL_POINTS:
        rows = np.sort(np.random.default_rng(seed).choice(rows, MAX_RESIDUAL_POINTS, replace=False))
    return {"actual": a[rows].tolist(), "predicted": p[rows].tolist()}


def thin_indices(x: np.ndarray, y: np.ndarray, limit: int) -> np.ndarray:
    """Indices of at most `limit` points of the polyline (x, y) that keep its shape: the first and
    the last, and in between the point of each bucket that spans the largest triangle with its
    neighbours (Steinarsson's largest-triangle-three-buckets); every point when there are few."""
    n = len(x)
    if n <= limit or limit < 3:
        return np.arange(n) if n <= limit else np.linspace(0, n - 1, max(limit, 2)).round().astype(np.intp)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    edges = np.linspace(1, n - 1, limit - 1).astype(np.intp)  # limit - 2 buckets between the ends
    chosen = [0]
    for b in range(limit - 2):
        start, stop = edges[b], max(edges[b + 1], edges[b] + 1)
        after = slice(stop, edges[b + 2]) if b + 2 < len(edges) else slice(n - 1, n)
        ax, ay = x[chosen[-1]], y[chosen[-1]]
        cx, cy = x[after].mean(), y[after].mean()
        area = np.abs((ax - cx) * (y[start:stop] - ay) - (ax - x[start:stop]) * (cy - ay))
        chosen.append(start + int(np.argmax(area)))
    chosen.append(n - 1)
    return np.asarray(chosen, dtype=np.intp)


def _finite(values: np.ndarray) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in values.tolist()]


def _number(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None
