"""Fitting and scoring in chunks, so that Train Model and Score Model can report progress
(`ctx.progress`) while they work, with the same result as one call."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..trained import TrainedModel

# Score Model predicts this many rows at a time: the bar moves, and the model's intermediate
# arrays (probabilities of every class) exist for one chunk at a time, not for every row at once
SCORE_CHUNK_ROWS = 100_000
# an ensemble is grown in about this many steps (one progress report each)
FIT_CHUNKS = 10


def fit_with_progress(ctx: Any, estimator: Any, X: Any, y: Any, *, start: float, end: float) -> None:
    """Fit `estimator`, reporting progress from `start` to `end`. An ensemble that can grow by
    warm start (forests, gradient boosting, bagging) is grown in FIT_CHUNKS steps, which fits the
    same members as one call; any other estimator is fitted in one call."""
    counts = _ensemble_steps(estimator)
    if not counts:
        estimator.fit(X, y)
        ctx.progress(end, "fitted")
        return
    total, warm_start = counts[-1], estimator.get_params(deep=False)["warm_start"]
    try:
        estimator.set_params(warm_start=True)
        for count in counts:
            estimator.set_params(n_estimators=count)
            estimator.fit(X, y)
            ctx.progress(start + (end - start) * count / total, f"fitted {count} of {total} estimators")
    finally:
        estimator.set_params(warm_start=warm_start, n_estimators=total)


def _ensemble_steps(estimator: Any) -> list[int]:
    """The growing member counts of a chunked fit, or [] when the estimator is fitted in one call.
    Not with early stopping (a warm-started fit that stopped early would go on where one call
    stops) nor an out-of-bag score (bagging refuses it with warm start)."""
    params = estimator.get_params(deep=False)
    total = params.get("n_estimators")
    if "warm_start" not in params or not isinstance(total, (int, np.integer)) or total < 2:
        return []
    if (params.get("n_iter_no_change") is not None or params.get("early_stopping") not in (None, False)
            or params.get("oob_score")):
        return []
    return sorted({int(c) for c in np.linspace(0, total, min(FIT_CHUNKS, total) + 1).round()} - {0})


def score_with_progress(ctx: Any, model: TrainedModel, data: pd.DataFrame) -> pd.DataFrame:
    """`model.score(data)`, SCORE_CHUNK_ROWS rows at a time on large data, reporting each chunk."""
    rows, chunk = len(data), max(1, SCORE_CHUNK_ROWS)
    if rows <= chunk:
        scored = model.score(data)
        ctx.progress(1.0, f"scored {rows} rows")
        return scored
    parts = []
    for begin in range(0, rows, chunk):
        parts.append(model.predict_frame(data.iloc[begin:begin + chunk]))
        done = min(rows, begin + chunk)
        ctx.progress(done / rows, f"scored {done} of {rows} rows")
    added = pd.concat(parts)
    # as model.score: a column of an earlier scoring is replaced, the input's own columns are shared
    kept = [c for c in data.columns if c not in added.columns]
    out = data[kept].copy(deep=False) if len(kept) < len(data.columns) else data.copy(deep=False)
    for name in added.columns:
        out[name] = added[name].to_numpy()
    return out
