"""Model Training: Tune Model Hyperparameters, Azure's parameter sweep. It trains a learner in
"Parameter Range" mode once per combination of its ranges (the entire grid, or a random sample of
it), measures each on a validation dataset or by cross-validation, and returns every run's metrics
and the best model."""
from __future__ import annotations

import math
import re
import warnings
from functools import partial
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..checks import ENCODE_HINT, check_numeric_frame, label_violations, require_dtypes, upstream_task
from ..columns import columns_of
from ..learner import Learner, as_learner
from ..schema import dtype_kind
from ..spec import NUMERIC_DTYPES, Column, Design, Param, ParamKind, Port, PortType, Schema, Violation, module
from ..trained import TrainedModel, is_numeric_series, require_columns

MODULE = "Tune Model Hyperparameters"
SUPERVISED = ("binary", "multiclass", "regression")
SWEEPS = ("Entire grid", "Random sweep")
CLASSIFICATION_METRICS = ("Accuracy", "Precision", "Recall", "F-score", "AUC", "Average Log Loss")
REGRESSION_METRICS = ("Mean absolute error", "Root mean squared error", "Coefficient of determination")
LOWER_IS_BETTER = ("Average Log Loss", "Mean absolute error", "Root mean squared error")
MAX_GRID = 1000  # combinations an entire-grid sweep may train (a random sweep samples any grid)
MAX_RUNS = 1000
MAX_SEED = 2**32 - 1
_NOT_FEATURES = ("label", "score", "weight")  # roles (Edit Metadata) that make a column no feature


def _features_of(columns: list[Column], label: str | None) -> list[str]:
    return [c.name for c in columns if c.name != label and c.role not in _NOT_FEATURES]


def _label_of(value: Any, columns: list[Column]) -> str | None:
    """The chosen label column, or the one column Edit Metadata marked as the label."""
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    if isinstance(value, str) and value:
        return value
    labels = [c.name for c in columns if c.role == "label"]
    return labels[0] if len(labels) == 1 else None


def _check(design: Design) -> Iterable[Violation]:
    task = upstream_task(design, "learner")
    if task is not None and task not in SUPERVISED:
        found = design.upstream.get("learner")
        name = found.spec.label if found is not None else "the learner"
        yield Violation(f"{name} is a {task} learner; {MODULE} tunes classifiers and regressors", port="learner",
                        code="learner_task", hint="connect a classification or regression learner")
    schema = design.inputs.get("data")
    if schema is None:
        return
    columns = columns_of(schema)
    label = _label_of(design.params.get("label_column"), columns)
    if label is None:
        yield Violation(f"{MODULE} needs a label column: none is chosen and no column has the label role",
                        param="label_column", code="required",
                        hint="choose the label column, or mark it as the label with Edit Metadata")
        return
    yield from label_violations(next((c for c in columns if c.name == label), None), task, module=MODULE,
                                param="label_column")
    features = _features_of(columns, label)
    yield from require_dtypes(schema, features, NUMERIC_DTYPES, module=MODULE, what="numeric features",
                              hint=ENCODE_HINT, port="data")
    if not features:
        yield Violation(f"{MODULE}: the training dataset has no feature columns besides the label", port="data",
                        code="no_features")
    validation = design.inputs.get("validation")
    if validation is not None:
        have = {c.name for c in validation}
        for name in [label, *features]:
            if name not in have:
                yield Violation(f"{MODULE}: column {name!r} of the training dataset is not in the validation dataset",
                                port="validation", column=name, code="missing_column",
                                hint="give the validation rows the same columns as the training rows")
        yield from require_dtypes(validation, features, NUMERIC_DTYPES, module=MODULE, what="numeric features",
                                  hint=ENCODE_HINT, port="validation")


def _schema(inputs: Any, params: Any) -> dict[str, Schema | None]:
    # the results hold one column per swept parameter: which ones is the learner's to say
    return {"results": None}


@module(
    "tune_model_hyperparameters", "1", MODULE, "Model Training",
    inputs=[Port("learner", PortType.UNTRAINED_MODEL, "Untrained model",
                 help="A classification or regression learner; in Parameter Range mode its ranges are swept."),
            Port("data", PortType.DATAFRAME, "Training dataset"),
            Port("validation", PortType.DATAFRAME, "Optional validation dataset", optional=True,
                 help="Without it, every combination is measured by cross-validation on the training rows.")],
    outputs=[Port("results", PortType.DATAFRAME, "Sweep results",
                  help="One row per combination: its parameter values and metrics, the best first."),
             Port("model", PortType.MODEL, "Trained best model")],
    params=[
        Param("label_column", ParamKind.COLUMNS, "Label column", port="data", multiple=False, required=False,
              help="The column to predict. Empty: the column Edit Metadata marked as the label. Every other "
                   "column (but those marked as scores or weights) is a feature and must be numeric."),
        Param("sweep_mode", ParamKind.CHOICE, "Parameter sweeping mode", default="Entire grid", choices=SWEEPS,
              help=f"Entire grid: every combination of the learner's ranges (at most {MAX_GRID}). Random sweep: "
                   "a random sample of them."),
        Param("max_runs", ParamKind.INT, "Maximum number of runs on random sweep", default=5, min=1, max=MAX_RUNS),
        Param("seed", ParamKind.INT, "Random seed", default=None, required=False, min=0, max=MAX_SEED,
              help="Seeds the random sweep and the cross-validation folds. Empty: the run's seed."),
        Param("classification_metric", ParamKind.CHOICE, "Metric for measuring performance for classification",
              default="Accuracy", choices=CLASSIFICATION_METRICS,
              help="Precision, recall and F-score are of the larger class for two classes, macro averages over "
                   "the classes otherwise; AUC is one-vs-rest, macro averaged, for more than two classes."),
        Param("regression_metric", ParamKind.CHOICE, "Metric for measuring performance for regression",
              default="Mean absolute error", choices=REGRESSION_METRICS),
        Param("folds", ParamKind.INT, "Number of folds", default=5, min=2, max=20,
              help="Without a validation dataset: the folds of the cross-validation."),
    ],
    infer_schema=_schema,
    check=_check,
)
def tune_model_hyperparameters(ctx: Any, *, learner: Any, data: pd.DataFrame, validation: pd.DataFrame | None = None,
                               label_column: str | None = None, sweep_mode: str = "Entire grid", max_runs: int = 5,
                               seed: int | None = None, classification_metric: str = "Accuracy",
                               regression_metric: str = "Mean absolute error", folds: int = 5) -> dict[str, Any]:
    """Train the learner once per combination of its parameter ranges and keep the best by the
    chosen metric: measured on the validation dataset when one is given (the best model is then
    the one trained on the training rows), by k-fold cross-validation otherwise (the best
    combination is then trained again on every training row)."""
    learner = _supervised(learner)
    label, features = _columns(data, label_column)
    y = _label_values(data, label, learner)
    X = _feature_values(data, features, "training")
    task = learner.task if learner.task == "regression" else _classes_task(learner, y, label)
    metric = regression_metric if task == "regression" else classification_metric
    if metric not in (REGRESSION_METRICS if task == "regression" else CLASSIFICATION_METRICS):
        raise ValueError(f"{MODULE}: unknown metric {metric!r}")
    seed = int(seed) if seed is not None else int(ctx.seed) % (MAX_SEED + 1)
    combos = _combinations(learner, sweep_mode, max_runs, seed)
    splits: list[tuple[Any, Any]] = []
    if validation is not None:
        require_columns(validation, [label], what=f"{MODULE}: label column")
        require_columns(validation, features, what=f"{MODULE}: feature column")
        val = (_feature_values(validation, features, "validation"), _label_values(validation, label, learner))
        ctx.log(f"measuring {len(combos)} combinations on {len(val[0])} validation rows by {metric}")
    else:
        val = None
        if len(data) < folds:
            raise ValueError(f"{MODULE}: {folds}-fold cross-validation needs at least {folds} training rows; "
                             f"got {len(data)}")
        splits = _splits(X, y, task, folds, seed)
        ctx.log(f"measuring {len(combos)} combinations by {folds}-fold cross-validation, by {metric}")
    rows, best, best_index, best_fitted, seen = [], None, 0, None, set()
    for i, combo in enumerate(combos):
        if val is not None:
            fitted = _fit(ctx, learner, combo, X, y, seen)
            scores = _metrics(task, fitted, *val)
        else:
            report = partial(_fold_progress, ctx, i, len(combos))
            fitted, scores = None, _cross_validate(ctx, learner, combo, X, y, task, splits, seen, report)
        rows.append({**combo, **scores})
        value = scores[_column(metric, task)]
        if math.isfinite(value):
            ctx.metric(_metric_name(metric, task), value, step=i)
        if _better(metric, value, best):
            best, best_index, best_fitted = value, i, fitted
        ctx.log(f"run {i + 1} of {len(combos)}: {_show(combo)}: {metric} {value:.6g}")
        ctx.progress(0.9 * (i + 1) / len(combos), f"run {i + 1} of {len(combos)}")
    if best is None:
        raise ValueError(f"{MODULE}: {metric} could not be measured on any run (a validation set or fold holding "
                         "one class has no AUC); choose another metric or give more rows")
    chosen = combos[best_index]
    if best_fitted is None:
        ctx.progress(0.9, "training the best combination on every training row")
        best_fitted = _fit(ctx, learner, chosen, X, y, seen)
    model = TrainedModel(best_fitted, label, features, task)
    model.learner_name = learner.name
    ctx.log(f"best: {_show(chosen)}: {metric} {best:.6g}")
    ctx.metric(f"best_{_metric_name(metric, task)}", best)
    ctx.progress(1.0, "tuned")
    return {"results": _results(rows, learner, metric, task), "model": model}


def _supervised(value: Any) -> Learner:
    try:
        learner = as_learner(value)
    except TypeError as exc:
        raise TypeError(f"{MODULE}: {exc}") from None
    if learner.task not in SUPERVISED:
        raise ValueError(f"{MODULE}: {learner.name or type(learner.estimator).__name__} is a {learner.task} learner; "
                         f"{MODULE} tunes classifiers and regressors")
    return learner


def _columns(data: pd.DataFrame, label_column: Any) -> tuple[str, list[str]]:
    columns = columns_of(data)
    label = _label_of(label_column, columns)
    if label is None:
        raise ValueError(f"{MODULE}: choose the label column (param 'label_column'), or mark it as the label with "
                         "Edit Metadata")
    require_columns(data, [label], what=f"{MODULE}: label column")
    features = _features_of(columns, label)
    if not features:
        raise ValueError(f"{MODULE}: no feature columns: the training dataset has no columns besides the label")
    if len(data) == 0:
        raise ValueError(f"{MODULE}: the training dataset has no rows")
    return label, features


def _feature_values(df: pd.DataFrame, features: list[str], which: str) -> pd.DataFrame:
    check_numeric_frame(df, features, module=MODULE)
    X = df[features]
    for name in features:
        missing = int(X[name].isna().sum())
        if missing:
            raise ValueError(f"{MODULE}: feature column {name!r} of the {which} dataset has {missing} missing values; "
                             "clean them first (Clean Missing Data)")
    return X


def _label_values(df: pd.DataFrame, label: str, learner: Learner) -> pd.Series:
    y = df[label]
    missing = int(y.isna().sum())
    if missing:
        raise ValueError(f"{MODULE}: label column {label!r} has {missing} missing values; clean them first "
                         "(Clean Missing Data)")
    if learner.task == "regression" and not is_numeric_series(y):
        raise ValueError(f"{MODULE}: label column {label!r} holds {dtype_kind(y.dtype)} values, and "
                         f"{learner.name or 'the learner'} predicts numbers: use a classification learner")
    return y


def _classes_task(learner: Learner, y: pd.Series, label: str) -> str:
    classes = pd.unique(y)
    if len(classes) < 2:
        raise ValueError(f"{MODULE}: label column {label!r} holds one class only; a classifier needs at least two")
    if learner.task == "binary" and len(classes) > 2:
        raise ValueError(f"{MODULE}: {learner.name or 'the learner'} is a two-class learner, but label column "
                         f"{label!r} has {len(classes)} classes; use a multiclass learner, or One-vs-All Multiclass")
    return "binary" if len(classes) == 2 else "multiclass"


def _combinations(learner: Learner, sweep_mode: str, max_runs: int, seed: int) -> list[dict[str, Any]]:
    """The parameter combinations to train, in order (one, the learner's own, without ranges)."""
    from sklearn.model_selection import ParameterGrid, ParameterSampler

    if sweep_mode not in SWEEPS:
        raise ValueError(f"{MODULE}: param 'sweep_mode' must be one of {', '.join(SWEEPS)}; got {sweep_mode!r}")
    if not learner.sweep:
        return [{}]
    grid = ParameterGrid({k: list(v) for k, v in learner.sweep.items()})
    if sweep_mode == "Entire grid":
        if len(grid) > MAX_GRID:
            raise ValueError(f"{MODULE}: the entire grid of {learner.name or 'the learner'}'s ranges holds "
                             f"{len(grid)} combinations, more than {MAX_GRID}; use a random sweep, or narrower ranges")
        return list(grid)
    runs = min(int(max_runs), len(grid))
    return list(ParameterSampler({k: list(v) for k, v in learner.sweep.items()}, n_iter=runs, random_state=seed))


def _fit(ctx: Any, learner: Learner, combo: dict[str, Any], X: pd.DataFrame, y: pd.Series, seen: set[str]) -> Any:
    """A fresh copy of the learner's estimator with `combo`, fitted; a warning goes to the log once
    (`seen`: those logged already)."""
    from sklearn.base import clone

    estimator = clone(learner.estimator).set_params(**combo)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            estimator.fit(X, y)
        except ValueError as exc:  # the learner's own message, with the combination that met it
            raise ValueError(f"{MODULE}: training {learner.name or type(estimator).__name__} with "
                             f"{_show(combo)} failed: {exc}") from exc
    for warning in caught:
        text = f"warning: {type(warning.message).__name__}: {str(warning.message).splitlines()[0]}"
        if text not in seen:
            ctx.log(text)
            seen.add(text)
    return estimator


def _fold_progress(ctx: Any, run: int, runs: int, done: float) -> None:
    ctx.progress(0.9 * (run + done) / runs, f"run {run + 1} of {runs}: {done:.0%} of the folds")


def _splits(X: pd.DataFrame, y: pd.Series, task: str, folds: int, seed: int) -> list[tuple[Any, Any]]:
    """The cross-validation folds (stratified by class for a classifier), shuffled by the seed."""
    from sklearn.model_selection import KFold, StratifiedKFold

    if task == "regression":
        splitter: Any = KFold(n_splits=folds, shuffle=True, random_state=seed)
    else:
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a class with fewer rows than folds: measured all the same
        return list(splitter.split(X, y))


def _cross_validate(ctx: Any, learner: Learner, combo: dict[str, Any], X: pd.DataFrame, y: pd.Series, task: str,
                    splits: list[tuple[Any, Any]], seen: set[str], report: Any) -> dict[str, float]:
    """The metrics of `combo`, averaged over the folds (a metric a fold cannot measure, such as AUC
    on one class, is averaged over the others); `report(done)` after each fold."""
    per_fold = []
    for k, (train, test) in enumerate(splits):
        fitted = _fit(ctx, learner, combo, X.iloc[train], y.iloc[train], seen)
        per_fold.append(_metrics(task, fitted, X.iloc[test], y.iloc[test], classes=pd.unique(y)))
        report((k + 1) / len(splits))
    return {name: float(np.nanmean([f[name] for f in per_fold])) if not all(math.isnan(f[name]) for f in per_fold)
            else math.nan for name in per_fold[0]}


def _metric_name(metric: str, task: str) -> str:
    """The run metric of a results column: "f_score_macro" for "F-score (macro)"."""
    return re.sub(r"[^a-z0-9]+", "_", _column(metric, task).lower()).strip("_")


def _column(metric: str, task: str) -> str:
    """A metric's column in the results, naming how precision, recall and F-score are averaged."""
    if task == "multiclass" and metric in ("Precision", "Recall", "F-score"):
        return f"{metric} (macro)"
    return metric


def _metrics(task: str, estimator: Any, X: pd.DataFrame, y: pd.Series, classes: Any = None) -> dict[str, float]:
    from sklearn import metrics as skm

    pred = estimator.predict(X)
    if task == "regression":
        return {"Mean absolute error": float(skm.mean_absolute_error(y, pred)),
                "Root mean squared error": float(math.sqrt(skm.mean_squared_error(y, pred))),
                "Coefficient of determination": float(skm.r2_score(y, pred)) if len(y) > 1 else math.nan}
    labels = list(estimator.classes_)
    if classes is not None:
        labels = sorted(set(labels) | set(classes), key=lambda v: (str(type(v)), v))
    averaging: dict[str, Any] = {"average": "binary", "pos_label": labels[-1]} if task == "binary" else \
        {"average": "macro", "labels": labels}
    out = {"Accuracy": float(skm.accuracy_score(y, pred))}
    for name, fn in (("Precision", skm.precision_score), ("Recall", skm.recall_score), ("F-score", skm.f1_score)):
        out[_column(name, task)] = float(fn(y, pred, zero_division=0, **averaging))
    out["AUC"] = out["Average Log Loss"] = math.nan
    if callable(getattr(estimator, "predict_proba", None)):
        proba = np.asarray(estimator.predict_proba(X), dtype=np.float64)
        known = list(estimator.classes_)
        if len(set(y)) > 1:
            try:
                if task == "binary":
                    out["AUC"] = float(skm.roc_auc_score(y == known[-1], proba[:, -1]))
                elif set(y) == set(known):
                    out["AUC"] = float(skm.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=known))
            except ValueError:
                pass
        if set(y) <= set(known):
            out["Average Log Loss"] = float(skm.log_loss(y, proba, labels=known))
    return out


def _better(metric: str, value: float, best: float | None) -> bool:
    if math.isnan(value):
        return False
    if best is None:
        return True
    return value < best if metric in LOWER_IS_BETTER else value > best


def _show(combo: dict[str, Any]) -> str:
    return ", ".join(f"{_short(combo)[k]}={v}" for k, v in combo.items()) or "the learner's own parameters"


def _short(combo: dict[str, Any]) -> dict[str, str]:
    """Swept parameters by their own name ("C", not "estimator__svm__C") where that is unambiguous."""
    short = {k: k.rsplit("__", 1)[-1] for k in combo}
    return short if len(set(short.values())) == len(short) else {k: k for k in combo}


def _results(rows: list[dict[str, Any]], learner: Learner, metric: str, task: str) -> pd.DataFrame:
    """One row per run, the best first (ties in run order); tuples of values (layer sizes) as text."""
    names = _short({k: None for k in learner.sweep})
    table = pd.DataFrame([{names.get(k, k): (", ".join(map(str, v)) if isinstance(v, tuple) else v)
                           for k, v in row.items()} for row in rows])
    table.insert(0, "run", np.arange(1, len(rows) + 1))
    column = _column(metric, task)
    ascending = metric in LOWER_IS_BETTER
    return table.sort_values(column, ascending=ascending, kind="stable", na_position="last").reset_index(drop=True)
