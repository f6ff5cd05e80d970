"""Feature Selection: Filter Based Feature Selection (score each feature against the label, keep the
best k) and Permutation Feature Importance (how much a trained model's metric drops when a feature's
values are shuffled)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..checks import TYPE_WORDS, describe
from ..schema import dtype_kind
from ..spec import DISCRETE_DTYPES, NUMERIC_DTYPES, Column, Design, Param, ParamKind, Port, PortType, Violation, module
from ..trained import TrainedModel, is_numeric_series, require_columns
from .training import _score_check, default_features, role_label
from .transforms import column_list, single_column

CATEGORY = "Feature Selection"
PEARSON, SPEARMAN, CHI2, MUTUAL, COUNT = ("Pearson Correlation", "Spearman Correlation", "Chi Squared",
                                          "Mutual Information", "Count Based")
METHODS = (PEARSON, SPEARMAN, CHI2, MUTUAL, COUNT)
MAX_FEATURES = 100_000
SCORES_SCHEMA = (Column("feature", "string"), Column("score", "float"), Column("selected", "bool"))


def _candidates(columns: list[Column], target: str | None, method: str) -> list[str]:
    """Every feature but the target (and what Edit Metadata made labels, scores or weights); numbers
    only, except for counting."""
    return default_features(columns, target, numeric_only=method != COUNT)


def _filter_check(design: Design) -> list[Violation]:
    schema = design.inputs.get("data")
    if schema is None:
        return []
    method = design.params.get("method", PEARSON)
    target = single_column(design.params.get("target_column")) or role_label(list(schema))
    out = []
    if target is None:
        return [Violation("Filter Based Feature Selection needs a target column: none is chosen and no column has the "
                          "label role", param="target_column", code="required",
                          hint="choose the target column, or mark it as the label with Edit Metadata")]
    column = next((c for c in schema if c.name == target), None)
    if column is not None and method in (PEARSON, SPEARMAN) and column.dtype not in NUMERIC_DTYPES:
        out.append(Violation(f"{describe(column)}: {method} needs a numeric target", param="target_column",
                             column=target, hint="use Chi Squared or Mutual Information for a target of classes"))
    if column is not None and method == CHI2 and column.dtype not in DISCRETE_DTYPES:
        out.append(Violation(f"{describe(column)}: Chi Squared needs a target of classes", param="target_column",
                             column=target, hint="use Pearson Correlation or Mutual Information for a continuous target"))
    if method != COUNT:
        by_name = {c.name: c for c in schema}
        for name in column_list(design.params.get("feature_columns")):
            if name in by_name and by_name[name].dtype not in NUMERIC_DTYPES:
                out.append(Violation(f"{describe(by_name[name])}: {method} scores numbers", param="feature_columns",
                                     column=name, hint="encode it with Convert to Indicator Values, or use Count Based"))
    return out


@module(
    "filter_based_feature_selection", "1", "Filter Based Feature Selection", CATEGORY,
    inputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("data", PortType.DATAFRAME, "Filtered dataset",
                  help="The k best features and the target, in the input's column order."),
             Port("scores", PortType.DATAFRAME, "Features",
                  help="Every candidate feature with its score, best first, and whether it was kept.")],
    params=[
        Param("target_column", ParamKind.COLUMNS, "Target column", port="data", multiple=False, required=False,
              help="Empty: the column Edit Metadata marked as the label."),
        Param("method", ParamKind.CHOICE, "Feature scoring method", default=PEARSON, choices=METHODS,
              help="Pearson / Spearman: the absolute (rank) correlation with a numeric target. Chi Squared: "
                   "scikit-learn's chi² of non-negative features against classes. Mutual Information: "
                   "scikit-learn's estimate (classes or numbers). Count Based: values present and not zero."),
        Param("k", ParamKind.INT, "Number of desired features", default=10, min=1, max=MAX_FEATURES),
        Param("feature_columns", ParamKind.COLUMNS, "Feature columns", port="data", required=False,
              help="Empty: every column but the target (numeric ones, except for Count Based)."),
        Param("seed", ParamKind.INT, "Random seed", default=0, min=0, max=2**32 - 1,
              help="Mutual Information's estimate adds a little noise drawn with this seed."),
    ],
    infer_schema=lambda inputs, params: {"data": None, "scores": SCORES_SCHEMA if inputs.get("data") else None},
    check=_filter_check,
)
def filter_based_feature_selection(ctx: Any, *, data: pd.DataFrame, target_column: str | None = None,
                                   method: str = PEARSON, k: int = 10, feature_columns: list[str] | None = None,
                                   seed: int = 0) -> dict[str, Any]:
    """Score every feature column against the target with one statistic and keep the k best (ties
    keep the earlier column)."""
    from ..columns import columns_of

    if method not in METHODS:
        raise ValueError(f"Filter Based Feature Selection: param 'method' must be one of {', '.join(METHODS)}; "
                         f"got {method!r}")
    if not 1 <= int(k) <= MAX_FEATURES:
        raise ValueError(f"Filter Based Feature Selection: param 'k' must be from 1 to {MAX_FEATURES}; got {k}")
    target = single_column(target_column) or role_label(columns_of(data))
    if target is None:
        raise ValueError("Filter Based Feature Selection: choose the target column (param 'target_column'), or mark "
                         "it as the label with Edit Metadata")
    require_columns(data, [target], what="target column")
    features = column_list(feature_columns) or _candidates(columns_of(data), target, method)
    require_columns(data, features, what="feature column")
    features = [f for f in features if f != target]
    if not features:
        raise ValueError("Filter Based Feature Selection: no feature columns to score besides the target")
    rows = data[target].notna().to_numpy()
    if not rows.all():
        ctx.log(f"left out {int((~rows).sum())} rows where target {target!r} is missing")
    scores = _scores(data.loc[rows, features], data.loc[rows, target], method, target, seed)
    order = sorted(range(len(features)), key=lambda i: (-scores[i], i))
    kept = set(order[:int(k)])
    table = pd.DataFrame({"feature": [features[i] for i in order], "score": [scores[i] for i in order],
                          "selected": [i in kept for i in order]})
    keep = {features[i] for i in kept} | {target}
    filtered = data[[c for c in data.columns if c in keep]].copy()
    ctx.log(f"{method}: kept {len(kept)} of {len(features)} features: " + ", ".join(features[i] for i in order[:int(k)][:20]))
    return {"data": filtered, "scores": table}


def _scores(X: pd.DataFrame, y: pd.Series, method: str, target: str, seed: int) -> list[float]:
    if method == COUNT:
        return [float((X[c].notna() & (X[c] != 0) & (X[c].astype(str) != "")).sum()) for c in X.columns]
    for name in X.columns:
        if not is_numeric_series(X[name]):
            raise ValueError(f"Filter Based Feature Selection: feature column {name!r} holds "
                             f"{TYPE_WORDS.get(dtype_kind(X[name].dtype))}, and {method} scores numbers; encode it "
                             "with Convert to Indicator Values, or use Count Based")
    if method in (PEARSON, SPEARMAN):
        if not is_numeric_series(y):
            raise ValueError(f"Filter Based Feature Selection: target column {target!r} holds "
                             f"{TYPE_WORDS.get(dtype_kind(y.dtype))}, and {method} needs numbers; use Chi Squared or "
                             "Mutual Information for classes")
        how = "pearson" if method == PEARSON else "spearman"
        target_values = y.astype(np.float64)
        values = [abs(X[c].astype(np.float64).corr(target_values, method=how)) for c in X.columns]
        return [0.0 if not np.isfinite(v) else float(v) for v in values]  # a constant column correlates with nothing
    missing = [c for c in X.columns if X[c].isna().any()]
    if missing:
        raise ValueError(f"Filter Based Feature Selection: feature column {missing[0]!r} has missing values, which "
                         f"{method} cannot score; clean them first (Clean Missing Data)")
    values = X.astype(np.float64).to_numpy()
    if method == CHI2:
        from sklearn.feature_selection import chi2

        negative = [c for c in X.columns if (X[c] < 0).any()]
        if negative:
            raise ValueError(f"Filter Based Feature Selection: feature column {negative[0]!r} has negative values, "
                             "and Chi Squared scores counts or other non-negative values; rescale it with Normalize "
                             "Data (min-max) or use Mutual Information")
        stats, _ = chi2(values, _classes(y))
        return [0.0 if not np.isfinite(v) else float(v) for v in stats]
    from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

    if dtype_kind(y.dtype) == "float":
        return [float(v) for v in mutual_info_regression(values, y.to_numpy(dtype=np.float64), random_state=seed)]
    return [float(v) for v in mutual_info_classif(values, _classes(y), random_state=seed)]


def _classes(y: pd.Series) -> np.ndarray:
    return y.astype(str).to_numpy() if not is_numeric_series(y) else y.to_numpy()


# -- Permutation Feature Importance --------------------------------------------------------------------
AUTO = "Auto"
CLASSIFICATION_METRICS = {"Accuracy": "accuracy", "Precision": "precision", "Recall": "recall", "F1": "f1",
                          "Log Loss": "neg_log_loss"}
REGRESSION_METRICS = {"Mean Absolute Error": "neg_mean_absolute_error",
                      "Root Mean Squared Error": "neg_root_mean_squared_error",
                      "Coefficient of Determination": "r2"}
IMPORTANCE_SCHEMA = (Column("feature", "string"), Column("importance", "float"), Column("importance_std", "float"))


def _importance_check(design: Design) -> list[Violation]:
    """The test rows hold the label the model predicts and every feature it was trained on."""
    trained, schema = design.inputs.get("model"), design.inputs.get("data")
    if not trained or schema is None:
        return []
    names = {c.name for c in schema}
    out = [Violation(f"label column {c.name!r}, which the model predicts, is not in the test data", port="data",
                     column=c.name, code="missing_column", hint="give it test rows with their true labels")
           for c in trained if c.role == "label" and c.name not in names]
    return out + _score_check(design)


@module(
    "permutation_feature_importance", "1", "Permutation Feature Importance", CATEGORY,
    inputs=[Port("model", PortType.MODEL, "Trained model"), Port("data", PortType.DATAFRAME, "Test data")],
    outputs=[Port("data", PortType.DATAFRAME, "Feature importance")],
    params=[
        Param("metric", ParamKind.CHOICE, "Metric for measuring performance", default=AUTO,
              choices=(AUTO, *CLASSIFICATION_METRICS, *REGRESSION_METRICS),
              help="Auto: accuracy for a classifier, mean absolute error for a regressor. An error metric's "
                   "importance is how much the error grows."),
        Param("seed", ParamKind.INT, "Random seed", default=0, min=0, max=2**32 - 1),
        Param("repeats", ParamKind.INT, "Shuffles per feature", default=1, min=1, max=100,
              help="The importance is the mean over these shuffles; their standard deviation is reported too."),
    ],
    infer_schema=lambda inputs, params: {"data": IMPORTANCE_SCHEMA},
    check=_importance_check,
)
def permutation_feature_importance(ctx: Any, *, model: TrainedModel, data: pd.DataFrame, metric: str = AUTO,
                                   seed: int = 0, repeats: int = 1) -> pd.DataFrame:
    """Shuffle one feature column of the test rows at a time and measure how much the trained model's
    metric worsens (scikit-learn's permutation_importance): features whose shuffling hurts most
    matter most to the model. Rows best first."""
    from sklearn.inspection import permutation_importance

    if not isinstance(model, TrainedModel):
        raise TypeError(f"Permutation Feature Importance: the model input is not a trained model "
                        f"(got {type(model).__name__})")
    kind = model.kind
    if kind not in ("binary", "multiclass", "regression", "quantile"):
        raise ValueError(f"Permutation Feature Importance: the model is a {kind} model; it measures classifiers "
                         "and regressors against their label")
    classifier = kind in ("binary", "multiclass")
    metrics = CLASSIFICATION_METRICS if classifier else REGRESSION_METRICS
    if metric == AUTO:
        metric = "Accuracy" if classifier else "Mean Absolute Error"
    if metric not in metrics:
        raise ValueError(f"Permutation Feature Importance: {metric} does not measure a "
                         f"{'classifier' if classifier else 'regressor'}; choose one of {', '.join(metrics)}")
    scoring = metrics[metric]
    if classifier and kind == "multiclass" and scoring in ("precision", "recall", "f1"):
        scoring += "_macro"
    label = model.label_column
    require_columns(data, [label], what="label column")
    if data[label].isna().any():
        raise ValueError(f"Permutation Feature Importance: label column {label!r} has {int(data[label].isna().sum())} "
                         "missing values; remove those rows first")
    X = model.feature_frame(data, module="Permutation Feature Importance")
    from sklearn.metrics import f1_score, get_scorer, make_scorer, precision_score, recall_score

    if classifier and kind == "binary" and scoring in ("precision", "recall", "f1"):
        positive = (model.classes or [1])[-1]
        fn = {"precision": precision_score, "recall": recall_score, "f1": f1_score}[scoring]
        scorer: Any = make_scorer(fn, pos_label=positive, zero_division=0)
    else:
        scorer = get_scorer(scoring)
    ctx.progress(0.05, f"shuffling {len(model.features)} features {repeats} times each")
    result = permutation_importance(model.estimator, X, data[label], scoring=scorer, n_repeats=int(repeats),
                                    random_state=int(seed))
    order = sorted(range(len(model.features)), key=lambda i: (-result.importances_mean[i], i))
    ctx.log(f"{metric} on {len(X)} rows; most important: " + ", ".join(model.features[i] for i in order[:5]))
    ctx.progress(1.0, "measured")
    return pd.DataFrame({"feature": [model.features[i] for i in order],
                         "importance": [float(result.importances_mean[i]) for i in order],
                         "importance_std": [float(result.importances_std[i]) for i in order]})
